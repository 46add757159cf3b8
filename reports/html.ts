// The HTML report: one self-contained file (inline style, inline script, inline SVG; a
// content security policy forbids every fetch). The timeline's data is embedded as compact
// columns and drawn by html-client.ts; the charts and tables are static and need no script.

import { COLOURS, countBars, histogramChart, seriesChart } from "./charts.js";
import { durationText, escapeHtml, offsetText } from "./format.js";
import { CLIENT_SCRIPT } from "./html-client.js";
import { STYLE } from "./html-style.js";
import type { FirstViolation, ReportModel } from "./model.js";
import { JOB_OUTCOMES } from "./outcomes.js";
import { BAR_OUTCOMES, type Timeline } from "./timeline.js";

const POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; " +
  "img-src data:";

export function renderHtml(model: ReportModel): string {
  const { run } = model;
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${POLICY}">`,
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(`chronoq: ${run.name}`)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    headerHtml(model),
    "<main>",
    timelineHtml(model),
    chartsHtml(model),
    checksHtml(model),
    countsHtml(model),
    "</main>",
    '<div id="tip" hidden></div>',
    `<script type="application/json" id="chronoq-data">${embed(timelineData(model))}</script>`,
    `<script>${CLIENT_SCRIPT}</script>`,
    "</body></html>",
    "",
  ].join("\n");
}

/** JSON safe inside a script element: no `<` can close it early. */
function embed(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function headerHtml(model: ReportModel): string {
  const { run, verdict } = model;
  const description = run.description === "" ? ""
    : `<p>${escapeHtml(run.description)}</p>`;
  return `<header><h1>${escapeHtml(run.name)}</h1>${description}<div class="meta">` +
    `<span class="badge ${escapeHtml(verdict.kind)}">${escapeHtml(verdict.kind.toUpperCase())}` +
    `</span> <span>seed <b>${run.seed ?? "none"}</b></span>` +
    `<span>start ${escapeHtml(run.start)}</span>` +
    `<span>${durationText(run.endUs)} of virtual time</span>` +
    `<span>${verdict.folded} commands folded</span>` +
    `<span>digest <code>${escapeHtml(verdict.digest ?? "none")}</code></span></div>` +
    `<p>Reproduce: <code id="reproduce">${escapeHtml(run.reproduce)}</code></p></header>`;
}

function timelineHtml(model: ReportModel): string {
  const legend = BAR_OUTCOMES.map((o) => `<span><i class="swatch" style="background:` +
    `${COLOURS[o]}"></i>${o}</span>`).join("") +
    '<span><i class="swatch" style="background:#2563eb"></i>ping</span>' +
    '<span><i class="swatch" style="background:#111;opacity:.3"></i>crash</span>' +
    '<span><i class="swatch" style="background:#f59e0b;opacity:.4"></i>pause</span>' +
    '<span><i class="swatch" style="background:#2563eb;opacity:.3"></i>partition</span>' +
    '<span><i class="swatch" style="background:#b91c1c"></i>append fault / ' +
    '<i class="swatch" style="background:#0891b2"></i>clock jump</span>' +
    '<span><i class="swatch" style="background:#8e5bd1"></i>reap (arrow: reaper to reaped)' +
    '</span><span><i class="swatch" style="background:#d64545"></i>first violation</span>';
  const jump = model.firstViolation === null ? ""
    : '<button id="zoom-violation" type="button">Go to the first violation</button>';
  return `<section><h2>Timeline</h2><div class="toolbar">` +
    '<button id="zoom-in" type="button">Zoom in</button>' +
    '<button id="zoom-out" type="button">Zoom out</button>' +
    `<button id="zoom-reset" type="button">Whole run</button>${jump}` +
    '<span id="timeline-status"></span></div>' +
    `<div class="legend">${legend}</div>` +
    '<svg id="timeline" xmlns="http://www.w3.org/2000/svg" role="img" ' +
    'aria-label="Swimlane timeline: a lane per process and agent, a bar per job attempt">' +
    "</svg><p class=\"legend\">Wheel to zoom, drag to pan, double-click for the whole run. " +
    "The paler start of a bar is the wait between claim and start.</p></section>";
}

/** The timeline as columns of numbers: a day's 50k attempts stay a few megabytes. */
function timelineData(model: ReportModel): object {
  const t: Timeline = model.timeline;
  const tasks = [...new Set(t.bars.map((bar) => bar.task))].sort();
  const taskIndex = new Map(tasks.map((task, i) => [task, i]));
  const bars = { lane: [] as number[], job: [] as string[], task: [] as number[],
    attempt: [] as number[], c: [] as number[], s: [] as number[], e: [] as number[],
    o: [] as number[], row: [] as number[] };
  for (const bar of t.bars) {
    bars.lane.push(bar.lane);
    bars.job.push(bar.job);
    bars.task.push(taskIndex.get(bar.task)!);
    bars.attempt.push(bar.attempt);
    bars.c.push(bar.claimedUs);
    bars.s.push(bar.startedUs ?? -1);
    bars.e.push(bar.endUs ?? -1);
    bars.o.push(BAR_OUTCOMES.indexOf(bar.outcome));
    bars.row.push(bar.slot);
  }
  const v = model.firstViolation;
  return {
    startUs: model.run.startUs, endUs: t.endUs, outcomes: BAR_OUTCOMES, tasks,
    lanes: t.lanes.map((l) => [l.id, l.label, l.kind, l.group, l.size, l.slots]),
    bars, pings: t.pings,
    reaps: t.reaps.map((r) => [r.t, r.from, r.to, r.dispatcher, r.jobs.join(", "),
      r.byPing ? 1 : 0]),
    faults: t.faults.map((f) => [f.t, f.lane ?? -1, f.kind, f.untilUs ?? -1, f.byUs ?? 0]),
    restarts: t.restarts.map((r) => [r.t, r.lane, r.process]),
    violation: v === null ? null : { t: v.atUs, invariant: v.invariant, message: v.message,
      jobs: Object.keys(v.jobs) },
  };
}

function chartsHtml(model: ReportModel): string {
  const figure = (caption: string, svg: string) =>
    `<figure><figcaption>${escapeHtml(caption)}</figcaption>${svg}</figure>`;
  const { summary, bins } = model.lateness;
  const outcomes = JOB_OUTCOMES.map((o): [string, number] => [o, model.outcomes.byOutcome[o]]);
  const quotas = model.quotas.map((q) => figure(
    `Quota occupancy: ${q.name === "" ? "(unnamed)" : q.name} (size ${q.size})`,
    seriesChart(`quota ${q.name}`, q.buckets, model.bucketUs, q.size)));
  return `<section><h2>Charts</h2><div class="charts">` +
    figure("Queue length over time (band: min to max in each bucket; line: last)",
      seriesChart("queue length", model.queueLength, model.bucketUs, null)) +
    quotas.join("") +
    figure(`Lateness of first start after beginAfter (${summary.count} jobs; median ` +
      `${durationText(summary.medianUs)}, p99 ${durationText(summary.p99Us)}, max ` +
      `${durationText(summary.maxUs)})`, histogramChart("lateness", bins, summary)) +
    figure(`Jobs by outcome (${model.outcomes.jobs} put; ${model.outcomes.reaped} reaped, ` +
      `${model.outcomes.retried} retried on the way)`, countBars("outcomes", outcomes)) +
    (model.quotas.length === 0 ? figure("Quota occupancy", "<p>This run has no quotas.</p>")
      : "") +
    "</div></section>";
}

function checksHtml(model: ReportModel): string {
  const items = model.checks.map((check) => {
    const css = check.status.replace(" ", "-");
    const detail = check.status === "violated" && model.firstViolation !== null
      ? violationHtml(model.firstViolation) : "";
    return `<li><span class="${css}">${check.status === "violated" ? "\u2717" : "\u2713"} ` +
      `${escapeHtml(check.status)}</span> <code>${escapeHtml(check.name)}</code> ` +
      `(${check.source}): ${escapeHtml(check.description)}${detail}</li>`;
  });
  const missing = model.verdict.missingProbes.length === 0 ? ""
    : `<p class="violated">The story's rare paths never ran: ` +
      `${escapeHtml(model.verdict.missingProbes.join(", "))}</p>`;
  return `<section><h2>Checks</h2>${missing}<ul class="checks">${items.join("")}</ul>` +
    "</section>";
}

function violationHtml(v: FirstViolation): string {
  const rows = v.context.map((step) => {
    const involved = "pos" in step && v.positions.includes(step.pos);
    const what = "pos" in step
      ? `#${step.pos} ${step.origin} <code>${escapeHtml(JSON.stringify(step.command))}</code>`
      : `step ${step.step} <code>${escapeHtml(step.do)}</code>`;
    const events = "events" in step ? step.events.map((e) => e.type).join(", ") : "";
    return `<tr${involved || step.ok === false ? ' class="involved"' : ""}>` +
      `<td>${offsetText(step.t)}</td><td>${what}</td>` +
      `<td><code>${escapeHtml(JSON.stringify(step.reply))}</code></td>` +
      `<td>${escapeHtml(events)}</td></tr>`;
  });
  const table = rows.length === 0 ? "" : "<p>Commands around it:</p><table><tr><th>time</th>" +
    `<th>command</th><th>reply</th><th>events</th></tr>${rows.join("")}</table>`;
  const jobs = Object.keys(v.jobs).length === 0 ? ""
    : `<p>Jobs involved, as the core describes them at the end of the trace:</p>` +
      `<pre>${escapeHtml(JSON.stringify(v.jobs, null, 2))}</pre>`;
  return `<details open id="first-violation"><summary>First violation at ` +
    `${escapeHtml(v.time)} (${offsetText(v.atUs)})</summary><p>${escapeHtml(v.message)}</p>` +
    `${table}${jobs}</details>`;
}

function countsHtml(model: ReportModel): string {
  const rows = (title: string, counts: { readonly [key: string]: number }) => {
    const entries = Object.entries(counts);
    if (entries.length === 0) return "";
    return `<h3>${escapeHtml(title)}</h3><table>` + entries.map(([key, n]) =>
      `<tr><td><code>${escapeHtml(key)}</code></td><td>${n}</td></tr>`).join("") + "</table>";
  };
  const c = model.counts;
  return `<section><h2>Counts</h2><p>${c.commands} commands folded, ${c.attempts} job ` +
    `attempts, ${c.pings} pings, ${c.reaps} reaps, ${c.restarts} restarts.</p>` +
    rows("Faults", c.faults) + rows("Rejected commands by error code", c.rejected) +
    rows("Probes (rare paths that ran)", model.verdict.probes) +
    rows("Events by type", c.events) + "</section>";
}
