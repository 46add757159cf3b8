// Trace -> report model: one pass over the records feeds the collectors (timeline, state
// series, outcomes, violation context), then the figures are fixed. The model is plain data
// and the same trace always gives the same model; html.ts, markdown.ts, json.ts render it.

import { formatTime } from "../core/index.js";
import { ContextRing, SCRIPT_CHECKS, WORLD_CHECKS, type CheckInfo, type Step } from "./checks.js";
import { OutcomeCollector, type Outcomes } from "./outcomes.js";
import { StateCollector } from "./state-series.js";
import { bucketise, histogram, summarise, type Bin, type Bucket, type Summary } from "./stats.js";
import { TimelineCollector, type Timeline } from "./timeline.js";
import {
  TraceFormatError, type FoldRecord, type RunHeader, type TraceRecord, type VerdictRecord,
} from "./trace-read.js";

/** How many buckets a series over time is folded into, whatever the run's length. */
export const SERIES_BUCKETS = 400;

export interface RunInfo {
  readonly kind: "world" | "script";
  readonly name: string;
  readonly description: string;
  readonly seed: number | null;
  /** Virtual time zero, as UTC text. */
  readonly start: string;
  readonly startUs: number;
  readonly endUs: number;
  readonly reproduce: string;
}

export interface VerdictInfo {
  /** `pass`, `safety`, `liveness` (worlds), `fail` (scripts), or `unknown` (no verdict line). */
  readonly kind: string;
  readonly folded: number;
  readonly digest: string | null;
  readonly probes: { readonly [probe: string]: number };
  readonly missingProbes: readonly string[];
}

export interface Counts {
  readonly commands: number;
  readonly rejected: { readonly [code: string]: number };
  readonly events: { readonly [type: string]: number };
  readonly faults: { readonly [kind: string]: number };
  readonly pings: number;
  readonly reaps: number;
  readonly restarts: number;
  readonly attempts: number;
}

export interface QuotaSeries {
  readonly queue: string;
  readonly name: string;
  readonly size: number;
  readonly buckets: readonly Bucket[];
}

export interface CheckStatus extends CheckInfo {
  /** `held`; `violated`; or `not reached` when the run stopped at an earlier violation. */
  readonly status: "held" | "violated" | "not reached";
}

export interface FirstViolation {
  readonly invariant: string;
  readonly message: string;
  readonly atUs: number;
  readonly time: string;
  readonly positions: readonly number[];
  /** Folded commands (and script steps) around the violation, in order. */
  readonly context: readonly Step[];
  /** The jobs involved, as the core describes them at the end of the trace. */
  readonly jobs: { readonly [job: string]: unknown };
}

export interface ReportModel {
  readonly run: RunInfo;
  readonly verdict: VerdictInfo;
  readonly counts: Counts;
  readonly timeline: Timeline;
  readonly bucketUs: number;
  readonly queueLength: readonly Bucket[];
  readonly quotas: readonly QuotaSeries[];
  readonly lateness: { readonly summary: Summary; readonly bins: readonly Bin[] };
  readonly outcomes: Outcomes;
  readonly checks: readonly CheckStatus[];
  readonly firstViolation: FirstViolation | null;
}

export interface ModelOptions {
  /** The command that reproduces the run, when the caller knows it better than the trace. */
  readonly reproduce?: string;
}

/** Mutable tallies of one pass. */
class Tally {
  commands = 0;
  pings = 0;
  readonly rejected = new Map<string, number>();
  readonly events = new Map<string, number>();
  readonly faults = new Map<string, number>();

  add(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}

export function buildModel(
  records: Iterable<TraceRecord>, options: ModelOptions = {},
): ReportModel {
  const iterator = records[Symbol.iterator]();
  const first = iterator.next();
  if (first.done === true || first.value.kind !== "header") {
    throw new TraceFormatError(1, "a trace starts with its {\"line\":\"run\"} header");
  }
  const header = first.value.value;
  const pass = new Pass(header);
  for (let next = iterator.next(); next.done !== true; next = iterator.next()) {
    pass.add(next.value);
  }
  return pass.finish(options);
}

/** One streaming pass over a trace's records. */
class Pass {
  readonly tally = new Tally();
  readonly outcomes = new OutcomeCollector();
  readonly timeline: TimelineCollector;
  readonly state: StateCollector;
  readonly ring = new ContextRing(6, 3);
  verdict: VerdictRecord | null = null;
  lastUs = 0;

  constructor(readonly header: RunHeader) {
    this.timeline = new TimelineCollector(header.world);
    this.state = new StateCollector(header.queues, this.outcomes.isUserJob);
  }

  add(record: TraceRecord): void {
    if ("t" in record.value) this.lastUs = Math.max(this.lastUs, record.value.t);
    switch (record.kind) {
      case "fold":
        return this.fold(record.value);
      case "query":
        this.ring.push(record.value);
        if (!record.value.ok) this.ring.mark();
        return;
      case "fault":
        // Healing ends the faults; the timeline draws it, the fault counts leave it out.
        if (record.value.fault !== "healed") this.tally.add(this.tally.faults, record.value.fault);
        return this.timeline.fault(record.value);
      case "lifecycle":
        return this.timeline.lifecycle(record.value);
      case "verdict":
        this.verdict = record.value;
        return;
    }
  }

  private fold(folded: FoldRecord): void {
    const tally = this.tally;
    tally.commands++;
    if (folded.command.type === "dispatcher/ping") tally.pings++;
    const reply = folded.reply as { error?: { code?: string } } | null;
    if (reply !== null && typeof reply === "object" && reply.error !== undefined) {
      tally.add(tally.rejected, String(reply.error.code ?? "error"));
    }
    for (const event of folded.events) {
      tally.add(tally.events, event.type);
      this.outcomes.event(event);
    }
    this.state.fold(folded);
    this.timeline.fold(folded);
    this.ring.push(folded);
    if (folded.ok === false) this.ring.mark();
  }

  finish(options: ModelOptions): ReportModel {
    const run = runInfo(this.header, this.verdict, this.lastUs, options);
    const timeline = this.timeline.finish(run.endUs);
    const endUs = timeline.endUs;
    const bucketUs = Math.max(1, Math.ceil(Math.max(1, endUs) / SERIES_BUCKETS));
    const outcomes = this.outcomes.finish();
    const firstViolation = this.violation(outcomes.unfinished);
    return {
      run: { ...run, endUs },
      verdict: verdictInfo(this.verdict, this.tally.commands),
      counts: this.counts(timeline),
      timeline,
      bucketUs,
      queueLength: bucketise(this.state.queueChanges, endUs, SERIES_BUCKETS),
      quotas: [...this.state.quotas.values()].map((q) => ({ queue: q.queue, name: q.name,
        size: q.size, buckets: bucketise(q.changes, endUs, SERIES_BUCKETS) })),
      lateness: { summary: summarise(this.state.lateness.map((l) => l.lateUs)),
        bins: histogram(this.state.lateness.map((l) => l.lateUs)) },
      outcomes,
      checks: checkStatuses(this.header, firstViolation),
      firstViolation,
    };
  }

  private counts(timeline: Timeline): Counts {
    return { commands: this.tally.commands, rejected: sortedObject(this.tally.rejected),
      events: sortedObject(this.tally.events), faults: sortedObject(this.tally.faults),
      pings: this.tally.pings, reaps: timeline.reaps.length,
      restarts: timeline.restarts.length, attempts: timeline.bars.length };
  }

  private violation(unfinished: readonly string[]): FirstViolation | null {
    const found = this.verdict?.violation;
    if (found !== undefined) {
      const positions = found.commands.map((c) => c.position);
      const context = this.ring.around(positions);
      const ids = found.invariant === "liveness" ? unfinished : jobsIn(context, positions);
      return { invariant: found.invariant, message: found.message, atUs: found.atUs,
        time: found.time, positions, context, jobs: this.describeJobs(ids) };
    }
    if (!this.ring.marked) return null;
    return this.scriptFailure();
  }

  /** A script's first failed step, as a violation of its expectation. */
  private scriptFailure(): FirstViolation {
    const context = this.ring.around([]);
    const failed = context.find((step) => step.ok === false)!;
    const name = "do" in failed ? failed.do : failed.command.type;
    const expected = failed.expect === undefined ? "success" : JSON.stringify(failed.expect);
    const positions = "pos" in failed ? [failed.pos] : [];
    return { invariant: "step-expectations",
      message: `step ${failed.step} (${name}) expected ${expected}, got ` +
        `${JSON.stringify(failed.reply)}`,
      atUs: failed.t, time: formatTime(BigInt(this.header.script?.startUs ?? 0) +
        BigInt(failed.t)), positions, context,
      jobs: this.describeJobs(jobsIn([failed], positions)) };
  }

  private describeJobs(ids: readonly string[]): { [job: string]: unknown } {
    const jobs: { [job: string]: unknown } = {};
    for (const id of ids) jobs[id] = this.state.describe(id);
    return jobs;
  }
}

/** Job ids named by the commands at these positions (or by every step given none). */
function jobsIn(context: readonly Step[], positions: readonly number[]): string[] {
  const ids = new Set<string>();
  for (const step of context) {
    if (!("pos" in step) || (positions.length > 0 && !positions.includes(step.pos))) continue;
    const job = (step.command as { job?: unknown }).job;
    if (typeof job === "string") ids.add(job);
    for (const event of step.events) if (typeof event.job === "string") ids.add(event.job);
  }
  return [...ids].slice(0, 8);
}

function runInfo(
  header: RunHeader, verdict: VerdictRecord | null, lastUs: number, options: ModelOptions,
): RunInfo {
  const script = header.script;
  const world = header.world;
  const startUs = script?.startUs ?? world?.startUs ?? 0;
  const reproduce = options.reproduce ?? (script !== undefined ? `chronoq run ${script.file}`
    : `chronoq sim WORLD_FILE --seed ${header.seed ?? "N"}`);
  return { kind: script !== undefined ? "script" : "world",
    name: script?.name ?? world?.name ?? "unnamed run",
    description: script?.description ?? world?.description ?? "",
    seed: header.seed ?? null, start: formatTime(BigInt(startUs)), startUs,
    endUs: Math.max(lastUs, verdict?.simulatedUs ?? 0), reproduce };
}

function verdictInfo(verdict: VerdictRecord | null, commands: number): VerdictInfo {
  return { kind: verdict?.kind ?? "unknown", folded: verdict?.folded ?? commands,
    digest: verdict?.digest ?? null, probes: verdict?.probes ?? {},
    missingProbes: verdict?.missingProbes ?? [] };
}

function checkStatuses(header: RunHeader, violation: FirstViolation | null): CheckStatus[] {
  const checks = header.script !== undefined ? SCRIPT_CHECKS : WORLD_CHECKS;
  return checks.map((check) => ({ ...check,
    status: violation === null ? "held" : violation.invariant === check.name ? "violated"
      : check.source === "liveness" || check.source === "script" ? "not reached" : "held" }));
}

function sortedObject(map: Map<string, number>): { [key: string]: number } {
  const out: { [key: string]: number } = {};
  for (const key of [...map.keys()].sort()) out[key] = map.get(key)!;
  return out;
}
