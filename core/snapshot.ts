// Snapshots of the queue state as text, and a digest of it. A snapshot lets a process start
// from position p of the log instead of folding it from the beginning; the digest lets two
// replicas (or the simulator and a live store) check that they hold the same state.
//
// The encoding is canonical: object keys sorted, `undefined` fields dropped, trees written as
// their entries in key order. Equal states therefore give equal text, whatever order their
// objects were built in. Bigints are written as `{"$bigint":"123"}`; a key of user data that
// starts with "$" gets one more "$", so user JSON can never be mistaken for a tag. Storing
// the text is left to the log stores (live/); this file does no I/O.

import { BTree } from "./btree.js";
import {
  compareStrings, emptyCompleted, emptyJobTable, emptyQueue,
} from "./queue-store.js";
import type {
  Agent, CompletedKey, Dispatcher, Job, JobId, Queue, QueueOptions, Quota, State,
} from "./types.js";

const FORMAT = "chronoq-state";
const FORMAT_VERSION = 1;
const BIGINT_TAG = "$bigint";

/** A snapshot text that this version cannot read, or a state that cannot be written. */
export class SnapshotFormatError extends Error {
  override readonly name = "SnapshotFormatError";
}

// Encoding.

/** The canonical text of a state. */
export function encodeState(state: State): string {
  const out: string[] = [];
  out.push(`{"format":${JSON.stringify(FORMAT)},"version":${FORMAT_VERSION}`);
  out.push(`,"nextSeq":${number(state.nextSeq)},"nextPosition":${number(state.nextPosition)}`);
  out.push(`,"nextCompletion":${number(state.nextCompletion)},"queues":[`);
  let first = true;
  for (const queue of state.queues.values()) {
    if (!first) out.push(",");
    first = false;
    inContext(`queue '${queue.name}'`, () => writeQueue(out, queue));
  }
  out.push(`],"jobs":`);
  writeEntries(out, state.jobs, (id, job) => inContext(`job '${id}'`, () => writeValue(out, job)));
  out.push("}");
  return out.join("");
}

function writeQueue(out: string[], queue: Queue): void {
  const plain = (_key: unknown, value: unknown) => writeValue(out, value);
  out.push(`{"name":${JSON.stringify(queue.name)},"options":`);
  writeValue(out, queue.options);
  out.push(`,"putback":`);
  writeEntries(out, queue.putback, plain);
  out.push(`,"fifo":`);
  writeEntries(out, queue.fifo, plain);
  out.push(`,"held":`);
  writeEntries(out, queue.held, plain);
  out.push(`,"quotas":`);
  writeEntries(out, queue.quotas, plain);
  out.push(`,"dispatchers":`);
  writeEntries(out, queue.dispatchers, (_uuid, dispatcher) => writeDispatcher(out, dispatcher));
  out.push("}");
}

/** A dispatcher as plain data, except that each agent's completed tree becomes entries. */
function writeDispatcher(out: string[], dispatcher: Dispatcher): void {
  const { agents, ...rest } = dispatcher;
  out.push(`{"agents":[`);
  agents.forEach((agent, index) => {
    const { completed, ...fields } = agent;
    out.push(index === 0 ? `{"completed":` : `,{"completed":`);
    writeEntries(out, completed, (_key, id) => writeValue(out, id));
    out.push(`,"fields":`);
    writeValue(out, fields);
    out.push("}");
  });
  out.push(`],"fields":`);
  writeValue(out, rest);
  out.push("}");
}

/** Writes a tree as `[[key,value],...]` in key order; `write` writes the value. */
function writeEntries<K, V>(
  out: string[], tree: BTree<K, V>, write: (key: K, value: V) => void,
): void {
  out.push("[");
  let first = true;
  for (const [key, value] of tree.entries()) {
    out.push(first ? "[" : ",[");
    first = false;
    writeValue(out, key);
    out.push(",");
    write(key, value);
    out.push("]");
  }
  out.push("]");
}

/** Plain data: JSON values plus bigints. Anything else (a tree, a Map, a Date) is refused. */
function writeValue(out: string[], value: unknown): void {
  switch (typeof value) {
    case "string":
      out.push(JSON.stringify(value));
      return;
    case "number":
      out.push(number(value));
      return;
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "bigint":
      out.push(`{"${BIGINT_TAG}":"${value.toString()}"}`);
      return;
    case "object":
      if (value === null) out.push("null");
      else if (Array.isArray(value)) writeArray(out, value);
      else writeObject(out, value);
      return;
    default:
      throw new SnapshotFormatError(`cannot encode a value of type ${typeof value}`);
  }
}

function writeArray(out: string[], items: readonly unknown[]): void {
  out.push("[");
  for (let index = 0; index < items.length; index++) {
    if (index > 0) out.push(",");
    if (items[index] === undefined) {
      throw new SnapshotFormatError(`cannot encode undefined at array index ${index}`);
    }
    writeValue(out, items[index]);
  }
  out.push("]");
}

function writeObject(out: string[], value: object): void {
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
    throw new SnapshotFormatError(`cannot encode a ${kind} as plain data`);
  }
  const record = value as { readonly [key: string]: unknown };
  const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort(compareStrings);
  out.push("{");
  keys.forEach((key, index) => {
    if (index > 0) out.push(",");
    out.push(JSON.stringify(key.startsWith("$") ? `$${key}` : key), ":");
    writeValue(out, record[key]);
  });
  out.push("}");
}

function number(value: number): string {
  if (!Number.isFinite(value)) throw new SnapshotFormatError(`cannot encode the number ${value}`);
  return JSON.stringify(value);
}

function inContext<T>(context: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof SnapshotFormatError)) throw error;
    throw new SnapshotFormatError(`${context}: ${error.message}`);
  }
}

// Decoding.

/** Reads a state written by `encodeState`; a malformed text fails with the place it broke. */
export function decodeState(text: string): State {
  let document: unknown;
  try {
    document = JSON.parse(text, revive);
  } catch (error) {
    if (error instanceof SnapshotFormatError) throw error;
    throw new SnapshotFormatError(`snapshot is not JSON: ${(error as Error).message}`);
  }
  const root = record(document, "snapshot");
  if (root.format !== FORMAT) throw new SnapshotFormatError("snapshot: not a chronoq state");
  if (root.version !== FORMAT_VERSION) {
    throw new SnapshotFormatError(`snapshot: format version ${String(root.version)} is not ` +
      `supported (this chronoq reads version ${FORMAT_VERSION})`);
  }

  const queues = array(root.queues, "snapshot.queues").map((item, index) =>
    inContext(`snapshot.queues[${index}]`, () => readQueue(item)));
  // TODO: check each job's fields against the Job type; past its shape a snapshot is trusted.
  const jobs = emptyJobTable();
  for (const [id, job] of pairs(root.jobs, "snapshot.jobs")) {
    if (typeof id !== "string" || record(job, `job '${String(id)}'`).id !== id) {
      throw new SnapshotFormatError(`snapshot.jobs: entry '${String(id)}' is not a job`);
    }
    jobs.set(id as JobId, job as Job);
  }
  return {
    queues: new BTree(queues.map((queue) => [queue.name, queue]), compareStrings),
    jobs,
    nextSeq: integer(root.nextSeq, "snapshot.nextSeq"),
    nextPosition: integer(root.nextPosition, "snapshot.nextPosition"),
    nextCompletion: integer(root.nextCompletion, "snapshot.nextCompletion"),
  };
}

/** Turns tags back into bigints and strips the escape from user keys, innermost first. */
function revive(_key: string, value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const fields = value as { [key: string]: unknown };
  const keys = Object.keys(fields);
  if (keys.length === 1 && keys[0] === BIGINT_TAG) {
    const digits = fields[BIGINT_TAG];
    if (typeof digits !== "string" || !/^-?\d+$/.test(digits)) {
      throw new SnapshotFormatError(`snapshot: bad bigint ${JSON.stringify(digits)}`);
    }
    return BigInt(digits);
  }
  if (!keys.some((key) => key.startsWith("$"))) return value;

  const plain: { [key: string]: unknown } = {};
  for (const key of keys) {
    if (!key.startsWith("$$")) throw new SnapshotFormatError(`snapshot: unknown tag '${key}'`);
    plain[key.slice(1)] = fields[key];
  }
  return plain;
}

function readQueue(item: unknown): Queue {
  const fields = record(item, "queue");
  if (typeof fields.name !== "string") throw new SnapshotFormatError("name: expected a string");
  const options = record(fields.options, "options") as unknown as QueueOptions;
  const queue = emptyQueue(fields.name, options);
  fill(queue.putback, pairs(fields.putback, "putback"));
  fill(queue.fifo, pairs(fields.fifo, "fifo"));
  fill(queue.held, pairs(fields.held, "held"));
  fill(queue.quotas, pairs(fields.quotas, "quotas") as [string, Quota][]);
  fill(queue.dispatchers, pairs(fields.dispatchers, "dispatchers").map(
    ([uuid, value]) => [uuid, readDispatcher(value, `dispatcher '${String(uuid)}'`)]));
  return queue;
}

function readDispatcher(item: unknown, where: string): Dispatcher {
  const fields = record(item, where);
  const agents = array(fields.agents, `${where}.agents`).map((agentItem, index): Agent => {
    const agent = record(agentItem, `${where}.agents[${index}]`);
    const completed = emptyCompleted();
    fill(completed, pairs(agent.completed, `${where}.agents[${index}].completed`) as
      [CompletedKey, JobId][]);
    const rest = record(agent.fields, `${where}.agents[${index}]`);
    return { ...rest, completed } as unknown as Agent;
  });
  return { ...record(fields.fields, where), agents } as unknown as Dispatcher;
}

function fill<K, V>(tree: BTree<K, V>, entries: [unknown, unknown][]): void {
  for (const [key, value] of entries) {
    if (!tree.set(key as K, value as V, false)) {
      throw new SnapshotFormatError(`duplicate key ${JSON.stringify(String(key))}`);
    }
  }
}

function record(value: unknown, where: string): { readonly [key: string]: unknown } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SnapshotFormatError(`${where}: expected an object`);
  }
  return value as { readonly [key: string]: unknown };
}

function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new SnapshotFormatError(`${where}: expected an array`);
  return value;
}

function pairs(value: unknown, where: string): [unknown, unknown][] {
  return array(value, where).map((entry, index) => {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new SnapshotFormatError(`${where}[${index}]: expected a [key, value] pair`);
    }
    return entry as [unknown, unknown];
  });
}

function integer(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value)) throw new SnapshotFormatError(`${where}: expected an integer`);
  return value as number;
}

// Digest.

/** FNV-1a 64 of the canonical encoding, as 16 hex digits. */
export function stateDigest(state: State): string {
  return fnv1a64(encodeState(state));
}

const FNV_PRIME_LOW = 0x1b3;

/**
 * FNV-1a 64 over the UTF-8 bytes of a text, as 16 hex digits. The 64-bit product is done in
 * two 32-bit halves: the prime is 2^40 + 0x1b3, so h * prime = h * 0x1b3 + (h << 40), and
 * every partial product stays below 2^53, where doubles are exact. BigInt would be simpler but
 * far slower on the megabytes of a large state.
 */
export function fnv1a64(text: string): string {
  let high = 0xcbf29ce4;
  let low = 0x84222325;
  const mix = (byte: number) => {
    low = (low ^ byte) >>> 0;
    const product = low * FNV_PRIME_LOW;
    const carry = Math.floor(product / 0x1_0000_0000);
    high = (Math.imul(high, FNV_PRIME_LOW) + (low << 8) + carry) >>> 0;
    low = product >>> 0;
  };
  for (let index = 0; index < text.length; index++) {
    const point = text.codePointAt(index)!;
    if (point > 0xffff) index++;
    utf8(point, mix);
  }
  return high.toString(16).padStart(8, "0") + low.toString(16).padStart(8, "0");
}

/** Feeds the UTF-8 bytes of one code point (a lone surrogate is encoded as is, like WTF-8). */
function utf8(point: number, emit: (byte: number) => void): void {
  if (point < 0x80) {
    emit(point);
  } else if (point < 0x800) {
    emit(0xc0 | (point >> 6));
    emit(0x80 | (point & 0x3f));
  } else if (point < 0x10000) {
    emit(0xe0 | (point >> 12));
    emit(0x80 | ((point >> 6) & 0x3f));
    emit(0x80 | (point & 0x3f));
  } else {
    emit(0xf0 | (point >> 18));
    emit(0x80 | ((point >> 12) & 0x3f));
    emit(0x80 | ((point >> 6) & 0x3f));
    emit(0x80 | (point & 0x3f));
  }
}
