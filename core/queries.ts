// Read-only views of a state, in the shapes of the scenario contract's query operations
// (list, job, quota, dispatcher, agent). Times stay bigint here; see present.ts.

import { requireAgent, requireDispatcher } from "./agents.js";
import { isDead } from "./dispatchers.js";
import { Rejection } from "./errors.js";
import { statusOf } from "./lifecycle.js";
import { queueJobIds, queueLength } from "./queue-store.js";
import { isFilled, requireQuota } from "./quotas.js";
import type { Micros } from "./time.js";
import type { Queue, State } from "./types.js";
import type { Reply } from "./reduce.js";

function requireQueue(state: State, name: string): Queue {
  const queue = state.queues.get(name);
  if (queue === undefined) throw new Rejection("unknown-queue", `no queue named '${name}'`);
  return queue;
}

export function listQueue(state: State, queueName: string): Reply {
  const queue = requireQueue(state, queueName);
  return { jobs: queueJobIds(queue), length: queueLength(queue) };
}

export function describeJob(state: State, id: string): Reply {
  const job = state.jobs.get(id);
  if (job === undefined) throw new Rejection("unknown-job", `no job '${id}' is known`);
  const reply: { [key: string]: unknown } = {
    status: statusOf(state.jobs, job),
    task: job.task,
    args: job.args,
    queue: job.queue,
    beginAfter: job.beginAfter,
    beginBy: job.beginBy,
    quotaNames: job.quotaNames,
    attempts: job.attempts,
  };
  if (job.wraps !== undefined) reply.wraps = job.wraps;
  if (job.failure !== undefined) reply.failure = job.failure;
  else if (job.phase === "CALLBACKS" || job.phase === "COMPLETED") {
    reply.result = job.result ?? null;
  }
  if (job.holder !== null) reply.holder = job.holder;
  if (job.callbacks.length > 0) reply.callbacks = job.callbacks;
  return reply;
}

export function describeQuota(state: State, queueName: string, name: string): Reply {
  const quota = requireQuota(requireQueue(state, queueName), name);
  return { size: quota.size, members: quota.members, filled: isFilled(quota) };
}

export function describeDispatcher(
  state: State, queueName: string, uuid: string, at: Micros,
): Reply {
  const dispatcher = requireDispatcher(requireQueue(state, queueName), uuid);
  return {
    activated: dispatcher.activated,
    lastPing: dispatcher.lastPing,
    dead: isDead(dispatcher, at),
    agents: dispatcher.agents.map((agent) => agent.name),
  };
}

export function describeAgent(state: State, queueName: string, uuid: string, name: string): Reply {
  const dispatcher = requireDispatcher(requireQueue(state, queueName), uuid);
  const agent = requireAgent(dispatcher, name);
  return {
    jobs: agent.jobs,
    completed: [...agent.completed.values()],
    size: agent.size,
    filter: agent.filter,
  };
}
