// Figures that need the queue's state, not just its events: the report folds the trace's
// commands with the core's own reducer (as replay does) and reads queue length, quota
// occupancy and each job's beginAfter from the state. Quota membership is not visible in
// events, so folding is the only exact way to draw it.

import {
  describeJob, initialState, parseTime, presentReply, queueLength, reduce, type State,
} from "../core/index.js";
import type { Change } from "./stats.js";
import type { FoldRecord } from "./trace-read.js";

export interface QuotaChanges {
  readonly queue: string;
  readonly name: string;
  /** The size at the end of the run (quotas may be resized). */
  size: number;
  readonly changes: Change[];
}

/** Lateness of one job's first start: the start command's `at` minus its beginAfter. */
export interface Lateness {
  readonly job: string;
  readonly lateUs: number;
}

export class StateCollector {
  private state: State;
  readonly queueChanges: Change[] = [];
  readonly quotas = new Map<string, QuotaChanges>();
  readonly lateness: Lateness[] = [];
  private readonly started = new Set<string>();
  private queued = -1;

  constructor(queues: { readonly [name: string]: object } | undefined,
    private readonly isUserJob: (job: string) => boolean) {
    this.state = initialState((queues ?? { "": {} }) as never);
  }

  fold(record: FoldRecord): void {
    this.state = reduce(this.state, record.command).state;
    this.sampleQueues(record.t);
    for (const event of record.events) {
      if (event.type !== "job/started" || typeof event.job !== "string") continue;
      this.noteStart(event.job, record);
    }
  }

  private sampleQueues(t: number): void {
    let queued = 0;
    for (const [queueName, queue] of this.state.queues.entries()) {
      queued += queueLength(queue);
      for (const [name, quota] of queue.quotas.entries()) {
        const key = `${queueName}\u0000${name}`;
        let series = this.quotas.get(key);
        if (series === undefined) {
          series = { queue: queueName, name, size: quota.size, changes: [] };
          this.quotas.set(key, series);
        }
        series.size = quota.size;
        const last = series.changes[series.changes.length - 1]?.v ?? 0;
        if (quota.members.length !== last) series.changes.push({ t, v: quota.members.length });
      }
    }
    if (queued !== this.queued) {
      this.queued = queued;
      this.queueChanges.push({ t, v: queued });
    }
  }

  private noteStart(job: string, record: FoldRecord): void {
    if (this.started.has(job) || !this.isUserJob(job)) return;
    this.started.add(job);
    const beginAfter = this.state.jobs.get(job)?.beginAfter;
    if (beginAfter === null || beginAfter === undefined) return;
    const at = parseTime(record.command.at, "at");
    this.lateness.push({ job, lateUs: Number(at - beginAfter) });
  }

  /** A job as the core describes it now, or null once it left the state. */
  describe(job: string): unknown {
    try {
      return presentReply(describeJob(this.state, job));
    } catch {
      return null;
    }
  }
}
