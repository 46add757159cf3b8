// A deliberately naive, mutable job queue: the baseline that bench/core.ts runs beside the
// pure core on the same put/claim workload. One plain array of jobs; a put pushes, a claim
// takes the due job with the earliest beginAfter (ties: put order) with shift, or with a
// scan and splice once pushes have broken begin-after order. It understands only `job/put`
// and `queue/claim` on one queue, keeps no id index (so it does not catch a reused id), and
// keeps no claimed jobs. It parses times with the core's own parser, so the comparison is
// about state handling, not about parsing.

import { parseTime, type Command } from "../core/index.js";

interface NaiveJob {
  readonly id: string;
  readonly task: string;
  readonly beginAfter: bigint;
  readonly seq: number;
}

/** What `apply` answers: the job put or claimed, or null when nothing was due. */
export interface NaiveReply {
  readonly job: string | null;
}

export class NaiveQueue {
  private readonly jobs: NaiveJob[] = [];
  /** True while every push kept the array sorted by beginAfter; the head is then first. */
  private sorted = true;
  private nextSeq = 0;

  get length(): number {
    return this.jobs.length;
  }

  apply(command: Command): NaiveReply {
    const at = parseTime(command.at, "at");
    switch (command.type) {
      case "job/put": {
        const beginAfter = command.beginAfter === undefined || command.beginAfter === null
          ? at : parseTime(command.beginAfter, "beginAfter");
        this.put(command.job, command.task ?? "", beginAfter);
        return { job: command.job };
      }
      case "queue/claim": {
        const job = this.claim(at);
        return { job: job === null ? null : job.id };
      }
      default:
        throw new Error(`naive queue: unsupported command ${command.type}`);
    }
  }

  put(id: string, task: string, beginAfter: bigint): void {
    const last = this.jobs[this.jobs.length - 1];
    if (last !== undefined && beginAfter < last.beginAfter) this.sorted = false;
    this.jobs.push({ id, task, beginAfter, seq: this.nextSeq++ });
  }

  claim(now: bigint): NaiveJob | null {
    const jobs = this.jobs;
    if (this.sorted) {
      const head = jobs[0];
      if (head === undefined || head.beginAfter > now) return null;
      return jobs.shift()!;
    }
    // Unsorted: scan everything for the earliest due job; the first of equals is the oldest.
    let best = -1;
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      if (job.beginAfter > now) continue;
      if (best < 0 || job.beginAfter < jobs[best]!.beginAfter) best = i;
    }
    if (best < 0) return null;
    const taken = best === 0 ? jobs.shift()! : jobs.splice(best, 1)[0]!;
    if (jobs.length === 0) this.sorted = true;
    return taken;
  }
}
