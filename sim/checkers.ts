// Checkers that watch every folded command: the core's state invariants, plus history checks
// that need more than one state (who reaped whom, what was running where, what finished).
// A violation names the invariant, the virtual time and the log positions involved.

import {
  checkInvariants, formatDuration, formatTime, isDead, isSystemTask, parseTime, type Command,
  type Event, type State,
} from "../core/index.js";
import type { Holder } from "../core/types.js";

/** One command as folded, with who appended it. */
export interface Folded {
  readonly position: number;
  readonly origin: string;
  readonly command: Command;
  readonly events: readonly Event[];
}

/** A job a simulated process is executing right now, with the token it started under. */
export interface Executing {
  readonly process: string;
  readonly job: string;
  readonly holder: Holder;
}

export interface Finding {
  readonly invariant: string;
  readonly message: string;
  /** Log positions of the commands involved, the folded one last. */
  readonly positions: readonly number[];
}

export class HistoryChecker {
  /** Which incarnation activated each dispatcher record last (null once deactivated). */
  private readonly holders = new Map<string, string | null>();
  private readonly completed = new Set<string>();
  /** Positions of the commands that claimed or started each job, for violation reports. */
  private readonly touches = new Map<string, number[]>();
  private folds = 0;

  constructor(private readonly invariantEvery: number) {}

  afterFold(
    folded: Folded, before: State, after: State, executing: Iterable<Executing>,
  ): Finding | null {
    this.folds++;
    this.remember(folded);
    return this.checkState(folded, after) ??
      this.checkEvents(folded, before, after) ??
      this.checkExecuting(folded, after, executing);
  }

  /** The core's invariants; sampled every `invariantEvery` folds when that is above one. */
  checkState(folded: Folded, after: State, force = false): Finding | null {
    if (!force && this.folds % this.invariantEvery !== 0) return null;
    const violations = checkInvariants(after);
    if (violations.length === 0) return null;
    const first = violations[0]!;
    return { invariant: first.invariant, message: first.message, positions: [folded.position] };
  }

  private remember(folded: Folded): void {
    for (const event of folded.events) {
      const id = event.job;
      if (typeof id !== "string") continue;
      if (event.type !== "job/claimed" && event.type !== "job/started") continue;
      const list = this.touches.get(id) ?? [];
      list.push(folded.position);
      this.touches.set(id, list.slice(-6));
    }
  }

  private involving(job: string, folded: Folded): number[] {
    return [...(this.touches.get(job) ?? []).filter((p) => p !== folded.position),
      folded.position];
  }

  private checkEvents(folded: Folded, before: State, after: State): Finding | null {
    const pruned = prunedJobs(folded.events);
    for (const event of folded.events) {
      const finding = this.checkEvent(folded, event, before, after, pruned);
      if (finding !== null) return finding;
      this.trackHolder(folded, event);
    }
    return null;
  }

  private checkEvent(
    folded: Folded, event: Event, before: State, after: State, pruned: Set<string>,
  ): Finding | null {
    const here = (invariant: string, message: string, job?: string): Finding => ({
      invariant, message,
      positions: job === undefined ? [folded.position] : this.involving(job, folded),
    });
    const id = typeof event.job === "string" ? event.job : undefined;

    if (event.type === "dispatcher/deactivated") return this.checkReap(folded, event, before);
    if (event.type === "job/started" && id !== undefined) {
      const job = after.jobs.get(id);
      const atUs = parseTime(folded.command.at, "at");
      if (job !== undefined && !isSystemTask(job.task) && job.beginBy !== null &&
          job.beginAfter !== null && job.beginAfter + job.beginBy < atUs) {
        return here("deadline-never-started", `job '${id}' started after its deadline`, id);
      }
    }
    if (event.type === "job/completed" && id !== undefined) {
      if (this.completed.has(id)) return here("finished-once", `job '${id}' completed twice`, id);
      this.completed.add(id);
    }
    if (id !== undefined && !after.jobs.has(id) && !pruned.has(id)) {
      return here("no-job-lost", `job '${id}' left the state without being pruned`, id);
    }
    return null;
  }

  /** Reaping only of a record that was dead on the reaper's clock, unless its holder quits. */
  private checkReap(folded: Folded, event: Event, before: State): Finding | null {
    const uuid = String(event.dispatcher);
    const queue = typeof event.queue === "string" ? event.queue : "";
    const record = before.queues.get(queue)?.dispatchers.get(uuid);
    const byHolder = event.reapedBy === undefined && this.holders.get(uuid) === folded.origin;
    if (record === undefined || byHolder) return null;
    const atUs = parseTime(folded.command.at, "at");
    if (isDead(record, atUs)) return null;
    return { invariant: "reap-only-dead", positions: [folded.position],
      message: `dispatcher '${uuid}' was deactivated by ${folded.origin} at ` +
        `${folded.command.at} while alive (last ping ` +
        `${record.lastPing === null ? "never" : formatTime(record.lastPing)}, activated ` +
        `${record.activated === null ? "never" : formatTime(record.activated)}, death ` +
        `interval ${formatDuration(record.deathIntervalUs)})` };
  }

  private trackHolder(folded: Folded, event: Event): void {
    const uuid = String(event.dispatcher);
    if (event.type === "dispatcher/activated" || event.type === "dispatcher/reactivated") {
      this.holders.set(uuid, folded.origin);
    } else if (event.type === "dispatcher/deactivated") {
      this.holders.set(uuid, null);
    }
  }

  /** No job run by two live holders at once; no quota exceeded by jobs really running. */
  private checkExecuting(
    folded: Folded, after: State, executing: Iterable<Executing>,
  ): Finding | null {
    const live = new Map<string, string>();
    const perQuota = new Map<string, number>();
    for (const run of executing) {
      const job = after.jobs.get(run.job);
      const holder = job?.holder;
      if (job === undefined || job.phase !== "ACTIVE" || holder === null || holder === undefined ||
          holder.dispatcher !== run.holder.dispatcher || holder.agent !== run.holder.agent ||
          holder.attempt !== run.holder.attempt) continue;
      const other = live.get(run.job);
      if (other !== undefined) {
        return { invariant: "one-live-holder", positions: this.involving(run.job, folded),
          message: `job '${run.job}' is run by ${other} and ${run.process} under one token` };
      }
      live.set(run.job, run.process);
      for (const name of job.quotaNames) {
        const count = (perQuota.get(`${job.queue}\u0000${name}`) ?? 0) + 1;
        perQuota.set(`${job.queue}\u0000${name}`, count);
        const size = after.queues.get(job.queue)?.quotas.get(name)?.size;
        if (size !== undefined && count > size) {
          return { invariant: "quota-respected", positions: this.involving(run.job, folded),
            message: `quota '${name}' of size ${size} has ${count} jobs running` };
        }
      }
    }
    return null;
  }
}

function prunedJobs(events: readonly Event[]): Set<string> {
  const pruned = new Set<string>();
  for (const event of events) {
    if (event.type !== "agent/pruned" || !Array.isArray(event.jobs)) continue;
    for (const id of event.jobs) if (typeof id === "string") pruned.add(id);
  }
  // A pruned wrapper takes the job it settled with it: `<job>/<kind>/<n>` names that job.
  for (const id of [...pruned]) {
    const parts = id.split("/");
    if (parts.length >= 3) pruned.add(parts.slice(0, -2).join("/"));
  }
  return pruned;
}
