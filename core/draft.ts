// A draft of the next state. It clones each persistent tree the first time it writes to it
// (an O(1) copy-on-write clone) and then writes that copy in place, so the state it started
// from stays intact. A reducer that throws a Rejection simply drops its draft: the command is
// all or nothing without any undo code.
//
// One draft may also serve a whole batch of commands (see foldCommands in reduce.ts): trees
// are then cloned once per batch instead of once per command, which is most of the cost of a
// persistent update. Reducers validate before they write, so a rejected command in a batch
// has written nothing; `writes` lets the fold check that promise.

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
  events: Event[] = [];
  /** How many writes this draft has made; a fold checks it around rejected commands. */
  writes = 0;
  private readonly owned = new Set<BTree<unknown, unknown>>();

  constructor(readonly base: State, public at: Micros) {
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
    this.jobs = this.put(this.jobs, job.id, job);
    return job;
  }

  dropJob(id: JobId): void {
    this.jobs = this.drop(this.jobs, id);
  }

  /** Writes `key -> value` into the draft's own copy of `tree`; returns that copy. */
  put<K, V>(tree: BTree<K, V>, key: K, value: V): BTree<K, V> {
    const own = this.own(tree);
    own.set(key, value, true);
    this.writes++;
    return own;
  }

  /** Deletes `key` from the draft's own copy of `tree`; returns that copy. */
  drop<K, V>(tree: BTree<K, V>, key: K): BTree<K, V> {
    const own = this.own(tree);
    own.delete(key);
    this.writes++;
    return own;
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
    this.queues = this.put(this.queues, queue.name, queue);
  }

  takeSeq(): number {
    this.writes++;
    return this.nextSeq++;
  }

  takePosition(): number {
    this.writes++;
    return this.nextPosition++;
  }

  takeCompletion(): number {
    this.writes++;
    return this.nextCompletion++;
  }

  emit(event: Event): void {
    this.events.push(event);
  }

  /**
   * The state as drafted so far. The draft gives up its trees: a later write clones them
   * again, so the state returned here never changes.
   */
  toState(): State {
    this.owned.clear();
    return {
      queues: this.queues,
      jobs: this.jobs,
      nextSeq: this.nextSeq,
      nextPosition: this.nextPosition,
      nextCompletion: this.nextCompletion,
    };
  }

  private own<K, V>(tree: BTree<K, V>): BTree<K, V> {
    if (this.owned.has(tree as BTree<unknown, unknown>)) return tree;
    const copy = tree.clone();
    this.owned.add(copy as BTree<unknown, unknown>);
    return copy;
  }
}
