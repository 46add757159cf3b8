// A draft of the next state, used by one reducer call. It clones the persistent trees it
// touches (an O(1) copy-on-write clone), so the reducer can write step by step while the old
// state stays intact. A reducer that throws a Rejection simply drops its draft: the command is
// all or nothing without any undo code.

import { BTree } from "./btree.js";
import { Rejection } from "./errors.js";
import type { Micros } from "./time.js";
import type { Event, Job, JobId, Queue, State } from "./types.js";

export class Draft {
  jobs: BTree<JobId, Job>;
  queues: BTree<string, Queue>;
  nextSeq: number;
  nextPosition: number;
  nextCompletion: number;
  readonly events: Event[] = [];
  private jobsCloned = false;

  constructor(readonly base: State, readonly at: Micros) {
    this.jobs = base.jobs;
    this.queues = base.queues;
    this.nextSeq = base.nextSeq;
    this.nextPosition = base.nextPosition;
    this.nextCompletion = base.nextCompletion;
  }

  job(id: JobId): Job | undefined {
    return this.jobs.get(id);
  }

  requireJob(id: unknown): Job {
    if (typeof id !== "string") {
      throw new Rejection("invalid-argument", "job: expected a job id string");
    }
    const job = this.jobs.get(id);
    if (job === undefined) throw new Rejection("unknown-job", `no job '${id}' is known`);
    return job;
  }

  setJob(job: Job): Job {
    this.ensureJobsCloned();
    this.jobs.set(job.id, job, true);
    return job;
  }

  dropJob(id: JobId): void {
    this.ensureJobsCloned();
    this.jobs.delete(id);
  }

  queue(name: unknown): Queue {
    if (typeof name !== "string") {
      throw new Rejection("invalid-argument", "queue: expected a queue name string");
    }
    const queue = this.queues.get(name);
    if (queue === undefined) throw new Rejection("unknown-queue", `no queue named '${name}'`);
    return queue;
  }

  setQueue(queue: Queue): void {
    this.queues = this.queues.with(queue.name, queue, true);
  }

  takeSeq(): number {
    return this.nextSeq++;
  }

  takePosition(): number {
    return this.nextPosition++;
  }

  takeCompletion(): number {
    return this.nextCompletion++;
  }

  emit(event: Event): void {
    this.events.push(event);
  }

  toState(): State {
    return {
      queues: this.queues,
      jobs: this.jobs,
      nextSeq: this.nextSeq,
      nextPosition: this.nextPosition,
      nextCompletion: this.nextCompletion,
    };
  }

  private ensureJobsCloned(): void {
    if (this.jobsCloned) return;
    this.jobs = this.jobs.clone();
    this.jobsCloned = true;
  }
}
