// What `chronoq put` and `chronoq status` do against a live log: put a job (append the
// command, then fold the log up to it to learn the core's reply), and summarise the state
// (queues, dispatchers alive or dead, agents, quotas, jobs by status).

import { randomUUID } from "node:crypto";
import {
  formatTime, isDead, presentReply, queueLength, statusOf, type Command, type Json,
  type Micros, type State,
} from "../core/index.js";
import type { LogStore } from "./log-store.js";
import { Replica, stamp } from "./replica.js";

export interface PutRequest {
  readonly task: string;
  readonly args?: Json[];
  readonly job?: string;
  readonly queue?: string;
  readonly beginAfter?: string;
  readonly beginBy?: string;
  readonly quotaNames?: string[];
}

/** Appends a `job/put` and returns the core's reply to it (an error reply if refused). */
export async function putJob(store: LogStore, request: PutRequest, nowUs: Micros) {
  const command: Command = {
    type: "job/put", at: formatTime(nowUs), queue: request.queue ?? "",
    job: request.job ?? randomUUID(), task: request.task, args: request.args ?? [],
    ...(request.beginAfter === undefined ? {} : { beginAfter: request.beginAfter }),
    ...(request.beginBy === undefined ? {} : { beginBy: request.beginBy }),
    ...(request.quotaNames === undefined ? {} : { quotaNames: request.quotaNames }),
  };
  return appendAndRead(store, command);
}

export interface QueueSettings {
  readonly queue?: string;
  /** A duration such as "1h", or null for no default deadline. */
  readonly defaultBeginBy?: string | null;
  /** "fail", or a retry policy: "commonFourTimes", "commonForever", "never". */
  readonly interruptPolicy?: string;
}

/** Creates the queue if it is new, else changes its options; returns the core's reply. */
export async function configureQueue(store: LogStore, settings: QueueSettings, nowUs: Micros) {
  const queue = settings.queue ?? "";
  const { state } = await readState(store);
  const options = {
    ...(settings.defaultBeginBy === undefined ? {} : { defaultBeginBy: settings.defaultBeginBy }),
    ...(settings.interruptPolicy === undefined ? {}
      : { interruptPolicy: settings.interruptPolicy }),
  };
  const type = state.queues.has(queue) ? "queue/configure" : "queue/create";
  return appendAndRead(store, { type, at: formatTime(nowUs), queue, ...options });
}

/** Appends one command and folds the log up to it; returns its position and reply. */
export async function appendAndRead(store: LogStore, command: Command) {
  const { last } = await store.append([stamp(command, `client:${randomUUID()}`, 1)]);
  const replica = new Replica(store);
  await replica.load();
  for (;;) {
    const folded = await replica.catchUp();
    const entry = folded.find((candidate) => candidate.position === last);
    if (entry !== undefined) return { position: last, reply: presentReply(entry.reply) };
    if (replica.position >= last) {
      throw new Error(`position ${last} was folded into a snapshot before it was read`);
    }
  }
}

/** Reads the whole state as of now. */
export async function readState(store: LogStore): Promise<{ state: State; position: number }> {
  const replica = new Replica(store);
  await replica.load();
  await replica.catchUp();
  return { state: replica.state, position: replica.position };
}

export function summarise(state: State, position: number, nowUs: Micros) {
  const counts: Record<string, number> = {};
  for (const job of state.jobs.values()) {
    const status = statusOf(state.jobs, job);
    counts[status] = (counts[status] ?? 0) + 1;
  }
  const queues = [...state.queues.values()].map((queue) => ({
    name: queue.name,
    length: queueLength(queue),
    quotas: [...queue.quotas.values()].map((quota) => ({ name: quota.name, size: quota.size,
      members: quota.members.length })),
    dispatchers: [...queue.dispatchers.values()].map((dispatcher) => ({
      dispatcher: dispatcher.uuid,
      state: dispatcher.activated === null ? "deactivated"
        : isDead(dispatcher, nowUs) ? "dead" : "alive",
      activated: dispatcher.activated,
      lastPing: dispatcher.lastPing,
      agents: dispatcher.agents.map((agent) => ({ name: agent.name, size: agent.size,
        jobs: agent.jobs.length, completed: agent.completed.size })),
    })),
  }));
  return presentReply({ position, at: nowUs, jobs: counts, queues }) as Record<string, unknown>;
}
