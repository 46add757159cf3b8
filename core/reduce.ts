// The one entry point of the core: reduce(state, command) -> { state, reply, events }.
// A rejected command returns the state it was given, an error reply with a stable code, and
// no events. Replies carry times as bigint microseconds; `presentReply` (present.ts) turns
// them into the ISO text of the scenario contract.

import {
  addAgent, parseFilter, removeAgent, requireAgent, requireDispatcher, updateAgent,
} from "./agents.js";
import { BTree } from "./btree.js";
import { claimFromQueue } from "./claim.js";
import type { Command } from "./commands.js";
import { activate, deactivate, isDead, ping, register, unregister } from "./dispatchers.js";
import { Draft } from "./draft.js";
import { Rejection, type ErrorReply } from "./errors.js";
import * as jobs from "./job-reducers.js";
import { startJob, statusOf } from "./lifecycle.js";
import { isSystemTask } from "./tasks.js";
import { createQuota, removeQuota, resizeQuota } from "./quotas.js";
import { compareStrings, emptyJobTable, emptyQueue } from "./queue-store.js";
import { HOUR_US, parseTime } from "./time.js";
import type { Dispatcher, Event, InterruptPolicy, Job, QueueOptions, State } from "./types.js";
import { RETRY_POLICIES } from "./policies.js";

export type ReplyValue = unknown;
export type Reply = { readonly [key: string]: ReplyValue };

export interface Reduction {
  readonly state: State;
  readonly reply: Reply | ErrorReply;
  readonly events: readonly Event[];
}

/** The defaults reproduce the reference walkthrough (decisions.md). */
export const DEFAULT_QUEUE_OPTIONS: QueueOptions = {
  defaultBeginBy: HOUR_US,
  interruptPolicy: "fail",
};

export interface QueueOptionsInput {
  readonly defaultBeginBy?: unknown;
  readonly interruptPolicy?: unknown;
}

export function parseQueueOptions(input: QueueOptionsInput | undefined): QueueOptions {
  const defaultBeginBy = input?.defaultBeginBy === undefined
    ? DEFAULT_QUEUE_OPTIONS.defaultBeginBy
    : jobs.parseDeadline(input.defaultBeginBy);
  const policy = input?.interruptPolicy ?? DEFAULT_QUEUE_OPTIONS.interruptPolicy;
  if (policy !== "fail" && !RETRY_POLICIES.includes(policy as never)) {
    throw new Rejection("invalid-argument",
      `interruptPolicy: expected "fail" or one of ${RETRY_POLICIES.join(", ")}`);
  }
  return { defaultBeginBy, interruptPolicy: policy as InterruptPolicy };
}

/** A state with the given queues (by default one queue named "" with default options). */
export function initialState(
  queues: { readonly [name: string]: QueueOptionsInput } = { "": {} },
): State {
  const entries = Object.keys(queues).sort(compareStrings)
    .map((name) => [name, emptyQueue(name, parseQueueOptions(queues[name]))] as [string, never]);
  return {
    queues: new BTree(entries, compareStrings),
    jobs: emptyJobTable(),
    nextSeq: 0,
    nextPosition: 0,
    nextCompletion: 0,
  };
}

export function reduce(state: State, command: Command): Reduction {
  try {
    const draft = new Draft(state, parseTime(command.at, "at"));
    const reply = apply(draft, command);
    return { state: draft.toState(), reply, events: draft.events };
  } catch (error) {
    if (error instanceof Rejection) return { state, reply: error.toReply(), events: [] };
    throw error;
  }
}

export interface Fold {
  readonly state: State;
  readonly replies: readonly (Reply | ErrorReply)[];
  /** The events of each command, by the command's index. */
  readonly events: readonly (readonly Event[])[];
}

/**
 * Folds commands in order, as a log is folded. The results equal reducing them one by one,
 * but the persistent trees are cloned once for the whole batch rather than once per command.
 */
export function foldCommands(state: State, commands: readonly Command[]): Fold {
  const draft = new Draft(state, 0n);
  const replies: (Reply | ErrorReply)[] = [];
  const events: Event[][] = [];
  for (const command of commands) {
    const writesBefore = draft.writes;
    draft.events = [];
    try {
      draft.at = parseTime(command.at, "at");
      replies.push(apply(draft, command));
      events.push(draft.events);
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      if (draft.writes !== writesBefore) {
        throw new Error(`chronoq: a rejected ${command.type} command wrote to the state`);
      }
      replies.push(error.toReply());
      events.push([]);
    }
  }
  return { state: draft.toState(), replies, events };
}

function apply(draft: Draft, command: Command): Reply {
  const queueName = "queue" in command && command.queue !== undefined ? command.queue : "";
  switch (command.type) {
    case "queue/create": {
      if (draft.queues.has(command.queue)) {
        throw new Rejection("invalid-argument", `queue '${command.queue}' already exists`);
      }
      draft.setQueue(emptyQueue(command.queue, parseQueueOptions(command)));
      draft.emit({ type: "queue/created", queue: command.queue });
      return { queue: command.queue };
    }
    case "queue/configure": {
      // Options given replace the queue's; options left out keep their current value.
      const queue = draft.queue(command.queue);
      const given = parseQueueOptions({ ...command });
      const options = {
        defaultBeginBy: command.defaultBeginBy === undefined ? queue.options.defaultBeginBy
          : given.defaultBeginBy,
        interruptPolicy: command.interruptPolicy === undefined ? queue.options.interruptPolicy
          : given.interruptPolicy,
      };
      draft.setQueue({ ...queue, options });
      draft.emit({ type: "queue/configured", queue: queue.name });
      return { queue: queue.name };
    }
    case "job/put": {
      const job = jobs.put(draft, command);
      return { job: job.id, beginAfter: job.beginAfter, beginBy: job.beginBy,
        status: statusOf(draft.jobs, job) };
    }
    case "queue/pull":
      return { job: jobs.pull(draft, queueName, command.index).id };
    case "queue/remove":
      return { job: jobs.remove(draft, queueName, command.job).id };
    case "queue/claim":
      return claimReply(claimFromQueue(draft, queueName, parseFilter(command.filter),
        { kind: "detached" }));
    case "job/setQuotaNames":
      return { quotaNames: jobs.setQuotaNames(draft, command.job, command.quotaNames).quotaNames };
    case "job/setBeginBy":
      return { beginBy: jobs.setBeginBy(draft, command.job, command.beginBy).beginBy };
    case "quota/create":
      return quotaReply(createQuota(draft, queueName, command.name, command.size));
    case "quota/resize":
      return quotaReply(resizeQuota(draft, queueName, command.name, command.size));
    case "quota/remove":
      return { name: removeQuota(draft, queueName, command.name).name };
    case "dispatcher/register":
      return { dispatcher: register(draft, queueName, command.dispatcher, command.pingInterval,
        command.deathInterval).uuid };
    case "dispatcher/unregister":
      return { dispatcher: unregister(draft, queueName, command.dispatcher).uuid };
    case "dispatcher/activate":
      return dispatcherReply(activate(draft, queueName, command.dispatcher));
    case "dispatcher/deactivate":
      return dispatcherReply(deactivate(draft, queueName, command.dispatcher, undefined,
        command.ifDead === true));
    case "dispatcher/ping":
      return dispatcherReply(ping(draft, queueName, command.dispatcher));
    case "agent/add":
      requireDispatcher(draft.queue(queueName), command.dispatcher);
      return { agent: addAgent(draft, queueName, command.dispatcher, command.agent, command.size,
        command.filter, command.retention).name };
    case "agent/remove":
      removeAgent(draft, queueName, command.dispatcher, command.agent);
      return { agent: command.agent };
    case "agent/claim": {
      const job = agentClaim(draft, queueName, command.dispatcher, command.agent);
      if (job === null || command.start !== true || isSystemTask(job.task)) {
        return claimReply(job);
      }
      const started = startJob(draft, job);
      return { ...claimReply(started), status: "ACTIVE", attempt: started.holder!.attempt };
    }
    case "job/start":
      return { status: statusOf(draft.jobs, jobs.start(draft, command.job, command.holder)) };
    case "job/finish":
      return outcomeReply(draft, jobs.finish(draft, command.job, command.holder, command));
    case "job/run":
      return outcomeReply(draft, jobs.run(draft, command.job, command.holder));
    case "job/fail":
      return outcomeReply(draft, jobs.fail(draft, command.job, command.holder, command.error,
        command.message));
    case "job/addCallback":
      return { job: jobs.addCallback(draft, command.job, command.callback, command.task,
        command.args, command.on).id };
    default: {
      const unknown = command as { type?: unknown };
      throw new Rejection("invalid-argument", `unknown command type '${String(unknown.type)}'`);
    }
  }
}

/** An agent claims only while its dispatcher is activated and alive, and it has room (1.5). */
function agentClaim(draft: Draft, queueName: string, uuid: unknown, agentName: unknown) {
  const dispatcher: Dispatcher = requireDispatcher(draft.queue(queueName), uuid);
  const agent = requireAgent(dispatcher, agentName);
  if (dispatcher.activated === null || isDead(dispatcher, draft.at)) return null;
  if (agent.jobs.length >= agent.size) return null;

  const job = claimFromQueue(draft, queueName, agent.filter,
    { kind: "agent", dispatcher: dispatcher.uuid, agent: agent.name });
  if (job !== null) {
    updateAgent(draft, queueName, dispatcher.uuid, agent.name,
      (current) => ({ ...current, jobs: [...current.jobs, job.id] }));
  }
  return job;
}

function claimReply(job: Job | null): Reply {
  if (job === null) return { job: null };
  if (job.wraps !== undefined) return { job: job.id, task: job.task, wraps: job.wraps };
  return { job: job.id, task: job.task };
}

function quotaReply(quota: { name: string; size: number }): Reply {
  return { name: quota.name, size: quota.size };
}

function dispatcherReply(dispatcher: Dispatcher): Reply {
  return { dispatcher: dispatcher.uuid, activated: dispatcher.activated,
    lastPing: dispatcher.lastPing };
}

function outcomeReply(draft: Draft, job: Job): Reply {
  const current = draft.job(job.id) ?? job;
  const reply: { [key: string]: ReplyValue } = { status: statusOf(draft.jobs, current) };
  if (current.failure !== undefined) reply.failure = current.failure;
  else if (current.phase === "CALLBACKS" || current.phase === "COMPLETED") {
    reply.result = current.result ?? null;
  }
  return reply;
}
