// The HTML report's style sheet, inlined into every report: outcome colours match the charts
// (charts.ts), faults are translucent so the bars under them stay readable.

export const STYLE = `
:root { --ok: #3a9d5d; --bad: #d64545; --warn: #d9a23b; --reap: #8e5bd1; --dim: #6b7280; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1f2328; background: #fff; }
header, main > section { padding: 12px 20px; }
header { background: #f6f8fa; border-bottom: 1px solid #d0d7de; }
h1 { font-size: 20px; margin: 0 0 6px; }
h2 { font-size: 16px; margin: 18px 0 8px; }
code, pre { font: 12px/1.4 ui-monospace, monospace; }
pre { background: #f6f8fa; padding: 8px; overflow: auto; max-height: 320px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff;
  font-weight: 600; }
.badge.pass { background: var(--ok); } .badge.safety, .badge.fail { background: var(--bad); }
.badge.liveness { background: var(--warn); } .badge.unknown { background: var(--dim); }
.meta span { margin-right: 16px; }
.toolbar button { margin-right: 4px; }
.toolbar { margin-bottom: 6px; }
#timeline-status { color: var(--dim); font-size: 12px; margin-left: 10px; }
#timeline { width: 100%; display: block; border: 1px solid #d0d7de; cursor: grab;
  user-select: none; }
.lane.process { fill: #eef1f4; } .lane.agent { fill: #fff; } .lane.agent.odd { fill: #fafbfc; }
.lane-label { font-size: 11px; fill: #1f2328; } .lane-label.process { font-weight: 600; }
.grid { stroke: #e5e7eb; } .tick { font-size: 10px; fill: #57606a; }
.bar.succeeded { fill: var(--ok); } .bar.failed { fill: var(--bad); }
.bar.retried { fill: var(--warn); } .bar.reaped { fill: var(--reap); }
.bar.open { fill: #9aa0a6; } .bar.hit { stroke: #000; stroke-width: 2; }
.bar:hover { stroke: #111; stroke-width: 1; } .wait { fill: #fff; fill-opacity: 0.45; }
.busy { fill: var(--ok); }
.ping { stroke: #2563eb; stroke-width: 1; }
.fault.span { fill-opacity: 0.22; } .fault.crash { fill: #111; } .fault.pause { fill: #f59e0b; }
.fault.partition { fill: #2563eb; } .fault.point { fill: #b91c1c; fill-opacity: 0.6; }
.fault.clockJump { fill: #0891b2; fill-opacity: 0.9; }
.fault.appendFaults { fill: #9333ea; fill-opacity: 0.5; }
.healed { stroke: var(--ok); stroke-dasharray: 4 3; stroke-width: 1.5; }
.reap { stroke: var(--reap); stroke-width: 2; fill: var(--reap); }
.arrowhead { fill: var(--reap); }
.restart { fill: #0f766e; }
.violation { stroke: var(--bad); stroke-width: 3; }
#tip { position: fixed; background: #1f2328; color: #fff; padding: 6px 8px; border-radius: 4px;
  font-size: 12px; pointer-events: none; max-width: 420px; z-index: 10; }
.legend span { margin-right: 12px; font-size: 12px; white-space: nowrap; }
.swatch { display: inline-block; width: 12px; height: 10px; margin-right: 4px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr));
  gap: 12px; }
.charts figure { margin: 0; border: 1px solid #d0d7de; padding: 8px; }
.charts figcaption { font-weight: 600; margin-bottom: 4px; }
.chart { width: 100%; height: auto; }
.chart .axis { stroke: #57606a; } .chart .band { fill: #93c5fd; fill-opacity: 0.6; }
.chart .last { fill: none; stroke: #1d4ed8; stroke-width: 1.2; }
.chart .limit { stroke: var(--bad); stroke-dasharray: 4 3; }
.chart .bin { fill: #60a5fa; } .chart .marker { stroke: var(--bad); stroke-dasharray: 3 2; }
.chart .mark { font-size: 10px; fill: var(--bad); }
table { border-collapse: collapse; font-size: 13px; }
td, th { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
.checks li { margin: 2px 0; } .held { color: var(--ok); } .violated { color: var(--bad); }
.not-reached { color: var(--dim); }
tr.involved { background: #fde8e8; }
`;
