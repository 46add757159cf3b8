// The checks a run was held to and the context of its first violation: the commands around
// it (kept in a small ring while the trace streams past) and the jobs they touched.
// TODO: the trace does not list the checks it ran; this list mirrors core/invariants.ts and
// sim/checkers.ts and must follow them until the run header carries the names.

import type { FoldRecord, QueryRecord } from "./trace-read.js";

export interface CheckInfo {
  readonly name: string;
  readonly source: "core" | "history" | "liveness" | "script";
  readonly description: string;
}

export const WORLD_CHECKS: readonly CheckInfo[] = [
  { name: "one-place-per-job", source: "core",
    description: "each job lives in exactly one place" },
  { name: "status-agrees-with-location", source: "core",
    description: "a job's status agrees with where it lives" },
  { name: "no-dangling-ids", source: "core", description: "every listed id is a known job" },
  { name: "queue-keys-match-jobs", source: "core",
    description: "held keys match the jobs' beginAfter" },
  { name: "holder-matches-agent", source: "core",
    description: "a claimed job's holder is the agent that lists it" },
  { name: "agent-size", source: "core", description: "no agent holds more jobs than its size" },
  { name: "callback-listed", source: "core", description: "callbacks are listed by their job" },
  { name: "wrapper-owns-job", source: "core", description: "a wrapper owns the job it settles" },
  { name: "quota-membership", source: "core", description: "quota membership is exact" },
  { name: "one-live-holder", source: "history",
    description: "no job runs under two live holders at once" },
  { name: "quota-respected", source: "history",
    description: "no quota exceeded by jobs really running" },
  { name: "no-job-lost", source: "history",
    description: "a job leaves the state only by pruning" },
  { name: "finished-once", source: "history", description: "no job completes twice" },
  { name: "deadline-never-started", source: "history",
    description: "no job starts after its deadline" },
  { name: "reap-only-dead", source: "history",
    description: "only a dead dispatcher is reaped by a sibling" },
  { name: "liveness", source: "liveness",
    description: "after healing, every job put completes within the bound" },
];

export const SCRIPT_CHECKS: readonly CheckInfo[] = [
  { name: "step-expectations", source: "script",
    description: "every step's reply matches what the script expects" },
];

export type Step = FoldRecord | QueryRecord;

/** The last few steps, and once asked to, the few that follow a marked one. */
export class ContextRing {
  private readonly ring: Step[] = [];
  private frozen: Step[] | null = null;
  private after = 0;

  constructor(private readonly before: number, private readonly following: number) {}

  push(step: Step): void {
    if (this.frozen !== null && this.after > 0) {
      this.frozen.push(step);
      this.after--;
    }
    this.ring.push(step);
    if (this.ring.length > this.before + 1) this.ring.shift();
  }

  /** Keeps the steps up to the one just pushed, and the next `following` ones. */
  mark(): void {
    if (this.frozen !== null) return;
    this.frozen = [...this.ring];
    this.after = this.following;
  }

  get marked(): boolean {
    return this.frozen !== null;
  }

  /** The marked context, or the folded commands near these log positions. */
  around(positions: readonly number[]): Step[] {
    if (this.frozen !== null) return this.frozen;
    if (positions.length === 0) return [];
    const low = Math.min(...positions) - this.before;
    const high = Math.max(...positions) + this.following;
    return this.ring.filter((step) => "pos" in step && step.pos >= low && step.pos <= high);
  }
}
