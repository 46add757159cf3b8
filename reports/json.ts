// The machine-readable report: the figures behind every chart and table, in the shape that
// reports/report-schema.json documents. Per-attempt bars and pings stay in the trace (a day
// holds tens of thousands); lanes carry their totals instead.

import type { ReportModel } from "./model.js";

export const REPORT_SCHEMA_ID = "chronoq-report/1";

export function reportJson(model: ReportModel): object {
  const { run, verdict, counts, timeline, outcomes, lateness, firstViolation } = model;
  return {
    schema: REPORT_SCHEMA_ID,
    run,
    verdict,
    counts,
    outcomes,
    lateness: { ...lateness.summary, bins: lateness.bins },
    bucketUs: model.bucketUs,
    queueLength: model.queueLength,
    quotas: model.quotas,
    lanes: laneTotals(model),
    reaps: timeline.reaps.map((reap) => ({ t: reap.t, by: timeline.lanes[reap.from]!.id,
      reaped: timeline.lanes[reap.to]!.id, dispatcher: reap.dispatcher, jobs: reap.jobs,
      byPing: reap.byPing })),
    processFaults: timeline.faults.filter((f) => f.untilUs !== null || f.kind === "clockJump")
      .map((f) => ({ t: f.t, lane: f.lane === null ? null : timeline.lanes[f.lane]!.id,
        kind: f.kind, untilUs: f.untilUs, ...(f.byUs === undefined ? {} : { byUs: f.byUs }) })),
    healedUs: timeline.healedUs,
    checks: model.checks,
    firstViolation,
  };
}

/** Per lane: attempts by outcome, busy time (claim to end) and pings. */
function laneTotals(model: ReportModel): object[] {
  const { lanes, bars, pings, endUs } = model.timeline;
  const totals = lanes.map((lane, i) => ({ id: lane.id, label: lane.label, kind: lane.kind,
    attempts: {} as { [outcome: string]: number }, busyUs: 0, pings: pings[i]!.length }));
  for (const bar of bars) {
    const total = totals[bar.lane]!;
    total.attempts[bar.outcome] = (total.attempts[bar.outcome] ?? 0) + 1;
    total.busyUs += (bar.endUs ?? endUs) - bar.claimedUs;
  }
  for (const total of totals) {
    const sorted: { [outcome: string]: number } = {};
    for (const key of Object.keys(total.attempts).sort()) sorted[key] = total.attempts[key]!;
    total.attempts = sorted;
  }
  return totals;
}

export function renderJson(model: ReportModel): string {
  return JSON.stringify(reportJson(model), null, 2) + "\n";
}
