// The three stores of a queue and the order in which claims, pulls and listings see them:
// put-back jobs first, then a merge of the FIFO and the held index that compares only their
// heads (reference 2.2). The FIFO is never re-sorted and held jobs never move to it when
// they fall due; the merge alone decides the order.

import { BTree } from "./btree.js";
import type { Draft } from "./draft.js";
import type { Micros } from "./time.js";
import type {
  CompletedKey, HeldKey, Job, JobId, Location, Queue, QueueEntry, QueueOptions,
} from "./types.js";

/** B+ tree node size: small nodes keep the copy made by each persistent update short. */
const NODE_SIZE = 16;

export function compareHeld(a: HeldKey, b: HeldKey): number {
  if (a.beginAfter < b.beginAfter) return -1;
  if (a.beginAfter > b.beginAfter) return 1;
  return a.seq - b.seq;
}

/** Newest first: a later time sorts before, then a later completion number. */
export function compareCompleted(a: CompletedKey, b: CompletedKey): number {
  if (a.completedAt > b.completedAt) return -1;
  if (a.completedAt < b.completedAt) return 1;
  return b.seq - a.seq;
}

export function compareNumbers(a: number, b: number): number {
  return a - b;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function emptyQueue(name: string, options: QueueOptions): Queue {
  return {
    name,
    options,
    putback: new BTree<number, QueueEntry>(undefined, compareNumbers, NODE_SIZE),
    fifo: new BTree<number, QueueEntry>(undefined, compareNumbers, NODE_SIZE),
    held: new BTree<HeldKey, JobId>(undefined, compareHeld, NODE_SIZE),
    quotas: new BTree(undefined, compareStrings, NODE_SIZE),
    dispatchers: new BTree(undefined, compareStrings, NODE_SIZE),
  };
}

export function emptyJobTable(): BTree<JobId, Job> {
  return new BTree<JobId, Job>(undefined, compareStrings, NODE_SIZE);
}

export function emptyCompleted(): BTree<CompletedKey, JobId> {
  return new BTree<CompletedKey, JobId>(undefined, compareCompleted, NODE_SIZE);
}

export function queueLength(queue: Queue): number {
  return queue.putback.size + queue.fifo.size + queue.held.size;
}

/** Puts a job in the FIFO when it is due at `at`, else in the held index. */
export function enqueue(
  draft: Draft, queueName: string, job: Pick<Job, "id" | "seq">, beginAfter: Micros,
): Location {
  const queue = draft.queue(queueName);
  if (beginAfter <= draft.at) {
    const key = draft.takePosition();
    draft.setQueue({ ...queue, fifo: draft.put(queue.fifo, key, { job: job.id, beginAfter }) });
    return { kind: "queue", queue: queue.name, store: "fifo", key };
  }
  const key: HeldKey = { beginAfter, seq: job.seq };
  draft.setQueue({ ...queue, held: draft.put(queue.held, key, job.id) });
  return { kind: "held", queue: queue.name, key };
}

/** Puts a job first in line (a retry "now"). */
export function putBack(
  draft: Draft, queueName: string, job: Pick<Job, "id">, beginAfter: Micros,
): Location {
  const queue = draft.queue(queueName);
  const key = draft.takePosition();
  draft.setQueue({ ...queue,
    putback: draft.put(queue.putback, key, { job: job.id, beginAfter }) });
  return { kind: "queue", queue: queue.name, store: "putback", key };
}

/** Takes a queued job out of its store; the caller gives it a new location. */
export function dequeue(draft: Draft, job: Job): void {
  const location = job.location;
  if (location.kind === "held") {
    const queue = draft.queue(location.queue);
    draft.setQueue({ ...queue, held: draft.drop(queue.held, location.key) });
  } else if (location.kind === "queue") {
    const queue = draft.queue(location.queue);
    draft.setQueue(location.store === "fifo"
      ? { ...queue, fifo: draft.drop(queue.fifo, location.key) }
      : { ...queue, putback: draft.drop(queue.putback, location.key) });
  }
}

export function isQueued(job: Job): boolean {
  return job.location.kind === "queue" || job.location.kind === "held";
}

export interface OrderedEntry {
  readonly job: JobId;
  readonly beginAfter: Micros;
}

/** Iterates a queue in claim order. */
export function* queueOrder(queue: Queue): Generator<OrderedEntry> {
  for (const [, entry] of queue.putback.entries()) yield entry;

  const fifo = queue.fifo.entries();
  const held = queue.held.entries();
  let fifoNext = fifo.next();
  let heldNext = held.next();
  while (!fifoNext.done || !heldNext.done) {
    const takeHeld = fifoNext.done ||
      (!heldNext.done && heldNext.value[0].beginAfter <= fifoNext.value[1].beginAfter);
    if (takeHeld) {
      const [key, id] = heldNext.value!;
      yield { job: id, beginAfter: key.beginAfter };
      heldNext = held.next();
    } else {
      yield fifoNext.value![1];
      fifoNext = fifo.next();
    }
  }
}

export function queueJobIds(queue: Queue): JobId[] {
  const ids: JobId[] = [];
  for (const entry of queueOrder(queue)) ids.push(entry.job);
  return ids;
}
