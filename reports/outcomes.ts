// Jobs by outcome: every job put (seen as `job/queued`) ends succeeded, failed (by error
// kind), expired (its deadline passed before a start), or is unfinished when the trace ends.
// System wrappers (`j1/fail/1`) are not jobs anyone put, so they are counted apart.

import type { Event } from "../core/index.js";

export type JobOutcome = "succeeded" | "failed" | "expired" | "unfinished";

export const JOB_OUTCOMES: readonly JobOutcome[] = ["succeeded", "failed", "expired",
  "unfinished"];

export interface Outcomes {
  readonly jobs: number;
  readonly byOutcome: { readonly [outcome in JobOutcome]: number };
  /** Failed jobs by error kind, kinds sorted. */
  readonly failedByKind: { readonly [kind: string]: number };
  /** Jobs reaped or retried at least once on their way to their outcome. */
  readonly reaped: number;
  readonly retried: number;
  readonly systemJobs: number;
  /** The first few unfinished jobs, in put order. */
  readonly unfinished: readonly string[];
}

interface JobFate {
  result: "succeeded" | "failed" | null;
  kind: string | null;
  expired: boolean;
  completed: boolean;
  reaped: boolean;
  retried: boolean;
}

export class OutcomeCollector {
  private readonly fates = new Map<string, JobFate>();
  private readonly system = new Set<string>();

  isUserJob = (job: string): boolean => this.fates.has(job);

  event(event: Event): void {
    const job = typeof event.job === "string" ? event.job : null;
    if (job === null) return;
    if (event.type === "job/queued") {
      if (!this.fates.has(job)) {
        this.fates.set(job, { result: null, kind: null, expired: false, completed: false,
          reaped: false, retried: false });
      }
      return;
    }
    const fate = this.fates.get(job);
    if (fate === undefined) {
      if (event.type === "job/claimed") this.system.add(job);
      return;
    }
    this.apply(fate, event);
  }

  private apply(fate: JobFate, event: Event): void {
    switch (event.type) {
      case "job/succeeded":
        fate.result = "succeeded";
        break;
      case "job/failed":
        fate.result = "failed";
        fate.kind = typeof event.kind === "string" ? event.kind : "Error";
        break;
      case "job/expired":
        fate.expired = true;
        break;
      case "job/completed":
        fate.completed = true;
        break;
      case "job/reaped":
        fate.reaped = true;
        break;
      case "job/retried":
        fate.retried = true;
        break;
    }
  }

  finish(): Outcomes {
    const byOutcome = { succeeded: 0, failed: 0, expired: 0, unfinished: 0 };
    const kinds = new Map<string, number>();
    const unfinished: string[] = [];
    let reaped = 0;
    let retried = 0;
    for (const [job, fate] of this.fates) {
      const outcome = outcomeOf(fate);
      byOutcome[outcome]++;
      if (outcome === "failed") kinds.set(fate.kind!, (kinds.get(fate.kind!) ?? 0) + 1);
      if (outcome === "unfinished" && unfinished.length < 5) unfinished.push(job);
      if (fate.reaped) reaped++;
      if (fate.retried) retried++;
    }
    const failedByKind: { [kind: string]: number } = {};
    for (const kind of [...kinds.keys()].sort()) failedByKind[kind] = kinds.get(kind)!;
    return { jobs: this.fates.size, byOutcome, failedByKind, reaped, retried,
      systemJobs: this.system.size, unfinished };
  }
}

function outcomeOf(fate: JobFate): JobOutcome {
  if (!fate.completed) return "unfinished";
  if (fate.expired) return "expired";
  return fate.result ?? "succeeded";
}
