// The Markdown summary: short enough for a pull request or an issue. Verdict, seed, the line
// that reproduces the run, the counts that matter and the first violation; the HTML report
// holds the rest.

import { durationText, offsetText } from "./format.js";
import type { ReportModel } from "./model.js";
import { JOB_OUTCOMES } from "./outcomes.js";

export function renderMarkdown(model: ReportModel): string {
  const { run, verdict, outcomes, lateness, counts } = model;
  const lines = [
    `## chronoq report: ${run.name}`,
    "",
    `**${verdict.kind.toUpperCase()}** · seed ${run.seed ?? "none"} · ` +
      `${verdict.folded} commands over ${durationText(run.endUs)} of virtual time · ` +
      `digest \`${verdict.digest ?? "none"}\``,
    "",
    `Reproduce: \`${run.reproduce}\``,
    "",
    `| jobs | ${JOB_OUTCOMES.join(" | ")} | reaped | retried |`,
    `| ---: | ${JOB_OUTCOMES.map(() => "---:").join(" | ")} | ---: | ---: |`,
    `| ${outcomes.jobs} | ${JOB_OUTCOMES.map((o) => outcomes.byOutcome[o]).join(" | ")} | ` +
      `${outcomes.reaped} | ${outcomes.retried} |`,
    "",
    `Lateness of start after beginAfter (${lateness.summary.count} jobs): median ` +
      `${durationText(lateness.summary.medianUs)}, p99 ${durationText(lateness.summary.p99Us)}, ` +
      `max ${durationText(lateness.summary.maxUs)}.`,
    "",
    `Faults: ${listOf(counts.faults)}. Reaps: ${counts.reaps}. Restarts: ${counts.restarts}. ` +
      `Rejected commands: ${listOf(counts.rejected)}.`,
  ];
  if (verdict.missingProbes.length > 0) {
    lines.push("", "Warning: the story's rare paths never ran: " +
      `${verdict.missingProbes.join(", ")}.`);
  }
  lines.push("", ...violationLines(model));
  return lines.join("\n") + "\n";
}

function listOf(counts: { readonly [key: string]: number }): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? "none" : entries.map(([key, n]) => `${key} ${n}`).join(", ");
}

function violationLines(model: ReportModel): string[] {
  const violation = model.firstViolation;
  if (violation === null) return ["Every check held."];
  const lines = [
    `### First violation: \`${violation.invariant}\``,
    "",
    `At ${violation.time} (${offsetText(violation.atUs)}): ${violation.message}`,
  ];
  const steps = violation.context.filter((step) => "pos" in step &&
    violation.positions.includes(step.pos));
  if (steps.length > 0) lines.push("", "Commands involved:", "");
  for (const step of steps) {
    if (!("pos" in step)) continue;
    lines.push(`- #${step.pos} ${step.origin} \`${JSON.stringify(step.command)}\``);
  }
  return lines;
}
