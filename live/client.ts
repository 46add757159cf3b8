// What clients of a live log do: append commands (puts, queue settings) and learn the core's
// replies by folding the log up to them, and summarise the state for `chronoq status`
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

/** The `job/put` command for a request; a job without an id gets a new UUID. */
export function putCommand(request: PutRequest, nowUs: Micros): Command {
  return {
    type: "job/put", at: formatTime(nowUs), queue: request.queue ?? "",
    job: request.job ?? randomUUID(), task: request.task, args: request.args ?? [],
    ...(request.beginAfter === undefined ? {} : { beginAfter: request.beginAfter }),
    ...(request.beginBy === undefined ? {} : { beginBy: request.beginBy }),
    ...(request.quotaNames === undefined ? {} : { quotaNames: request.quotaNames }),
  };
}

export interface QueueSettings {
  readonly queue?: string;
  /** A duration such as "1h", or null for no default deadline. */
  readonly defaultBeginBy?: string | null;
  /** "fail", or a retry policy: "commonFourTimes", "commonForever", "never". */
  readonly interruptPolicy?: string;
}

/** The result of an appended command: where it sits and what the core replied. */
export interface Appended {
  readonly position: number;
  readonly reply: unknown;
}

/**
 * A client of a log: appends commands and learns the core's replies by folding the log up to
 * them. It keeps its replica between calls, so each call folds only what is new.
 */
export class LogClient {
  private readonly replica: Replica;
  private loaded = false;
  private readonly origin = `client:${randomUUID()}`;
  private nextToken = 1;

  constructor(readonly store: LogStore) {
    this.replica = new Replica(store);
  }

  /** Appends the commands in one transaction; resolves with each one's reply, in order. */
  async appendAll(commands: readonly Command[]): Promise<Appended[]> {
    if (commands.length === 0) return [];
    const stamped = commands.map((command) => stamp(command, this.origin, this.nextToken++));
    const { first, last } = await this.store.append(stamped);
    const replies = new Map<number, unknown>();
    while (replies.size < commands.length) {
      if (this.replica.position >= last) {
        throw new Error(`positions ${first}..${last} were folded into a snapshot unread`);
      }
      for (const entry of await this.fold()) {
        if (entry.position >= first && entry.position <= last) {
          replies.set(entry.position, presentReply(entry.reply));
        }
      }
    }
    return commands.map((_, i) => ({ position: first + i, reply: replies.get(first + i) }));
  }

  async append(command: Command): Promise<Appended> {
    return (await this.appendAll([command]))[0]!;
  }

  /** The state as of now. */
  async state(): Promise<{ state: State; position: number }> {
    await this.fold();
    return { state: this.replica.state, position: this.replica.position };
  }

  /** Creates the queue if it is new, else changes its options. */
  async configure(settings: QueueSettings, nowUs: Micros): Promise<Appended> {
    const queue = settings.queue ?? "";
    const { state } = await this.state();
    const options = {
      ...(settings.defaultBeginBy === undefined ? {}
        : { defaultBeginBy: settings.defaultBeginBy }),
      ...(settings.interruptPolicy === undefined ? {}
        : { interruptPolicy: settings.interruptPolicy }),
    };
    const type = state.queues.has(queue) ? "queue/configure" : "queue/create";
    return this.append({ type, at: formatTime(nowUs), queue, ...options });
  }

  private async fold() {
    if (!this.loaded) {
      await this.replica.load();
      this.loaded = true;
    }
    return this.replica.catchUp();
  }
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
