// Agents: the claiming units of a dispatcher, each with a size (how many jobs it holds at
// once), an optional filter, and its collection of completed jobs. Also the small helpers
// that rewrite one dispatcher or agent inside the nested, read-only state.

import { Rejection } from "./errors.js";
import type { Draft } from "./draft.js";
import { forgetJob } from "./lifecycle.js";
import { emptyCompleted } from "./queue-store.js";
import { DAY_US, parseDuration } from "./time.js";
import type { Agent, Dispatcher, Filter, Queue } from "./types.js";

export const DEFAULT_AGENT_SIZE = 3;
export const DEFAULT_RETENTION_US = 7n * DAY_US;

export function requireDispatcher(queue: Queue, uuid: unknown): Dispatcher {
  if (typeof uuid !== "string") {
    throw new Rejection("invalid-argument", "dispatcher: expected a dispatcher id string");
  }
  const dispatcher = queue.dispatchers.get(uuid);
  if (dispatcher === undefined) {
    throw new Rejection("unknown-dispatcher",
      `no dispatcher '${uuid}' is registered in queue '${queue.name}'`);
  }
  return dispatcher;
}

export function requireAgent(dispatcher: Dispatcher, name: unknown): Agent {
  const agent = dispatcher.agents.find((candidate) => candidate.name === name);
  if (agent === undefined) {
    throw new Rejection("unknown-agent",
      `dispatcher '${dispatcher.uuid}' has no agent '${String(name)}'`);
  }
  return agent;
}

export function findAgent(
  draft: Draft, queueName: string, uuid: string, agentName: string,
): Agent | undefined {
  const dispatcher = draft.queues.get(queueName)?.dispatchers.get(uuid);
  return dispatcher?.agents.find((agent) => agent.name === agentName);
}

export function updateDispatcher(
  draft: Draft, queueName: string, uuid: string, change: (d: Dispatcher) => Dispatcher,
): Dispatcher {
  const queue = draft.queue(queueName);
  const updated = change(requireDispatcher(queue, uuid));
  draft.setQueue({ ...queue, dispatchers: draft.put(queue.dispatchers, uuid, updated) });
  return updated;
}

export function updateAgent(
  draft: Draft, queueName: string, uuid: string, agentName: string,
  change: (agent: Agent) => Agent,
): void {
  updateDispatcher(draft, queueName, uuid, (dispatcher) => ({
    ...dispatcher,
    agents: dispatcher.agents.map((agent) => (agent.name === agentName ? change(agent) : agent)),
  }));
}

export function addAgent(
  draft: Draft, queueName: string, uuid: string, name: unknown, size: unknown, filter: unknown,
  retention: unknown,
): Agent {
  if (typeof name !== "string") {
    throw new Rejection("invalid-argument", "agent: expected an agent name string");
  }
  const sizeValue = size ?? DEFAULT_AGENT_SIZE;
  if (typeof sizeValue !== "number" || !Number.isInteger(sizeValue) || sizeValue < 1) {
    throw new Rejection("invalid-argument", `size: expected a positive integer, got ${size}`);
  }
  const retentionUs = retention === undefined ? DEFAULT_RETENTION_US
    : parseDuration(retention, "retention");
  if (retentionUs < 0n) {
    throw new Rejection("negative-duration", "retention: negative durations are not allowed");
  }
  const agent: Agent = {
    name, size: sizeValue, filter: parseFilter(filter), jobs: [], completed: emptyCompleted(),
    retentionUs,
  };

  updateDispatcher(draft, queueName, uuid, (dispatcher) => {
    if (dispatcher.agents.some((existing) => existing.name === name)) {
      throw new Rejection("duplicate-agent", `dispatcher '${uuid}' already has agent '${name}'`);
    }
    const agents = [...dispatcher.agents, agent].sort((a, b) => (a.name < b.name ? -1 : 1));
    return { ...dispatcher, agents };
  });
  draft.emit({ type: "agent/added", dispatcher: uuid, agent: name, size: sizeValue });
  return agent;
}

/** Removes an empty agent; the jobs in its completed collection leave the state with it. */
export function removeAgent(draft: Draft, queueName: string, uuid: string, name: unknown): void {
  const agent = requireAgent(requireDispatcher(draft.queue(queueName), uuid), name);
  if (agent.jobs.length > 0) {
    throw new Rejection("agent-has-jobs",
      `cannot remove agent '${agent.name}': it holds ${agent.jobs.length} job(s)`);
  }
  forgetCompleted(draft, uuid, agent);
  updateDispatcher(draft, queueName, uuid, (dispatcher) => (
    { ...dispatcher, agents: dispatcher.agents.filter((a) => a.name !== agent.name) }));
  draft.emit({ type: "agent/removed", dispatcher: uuid, agent: agent.name });
}

/** Forgets the completed jobs of an agent that goes away (as retention would, later). */
export function forgetCompleted(draft: Draft, uuid: string, agent: Agent): void {
  const ids = [...agent.completed.values()];
  if (ids.length === 0) return;
  for (const id of ids) forgetJob(draft, id);
  draft.emit({ type: "agent/pruned", dispatcher: uuid, agent: agent.name, jobs: ids });
}

/** Validates filter data: `{task}`, `{taskIn}` or `{taskNotIn}`, or none. */
export function parseFilter(filter: unknown): Filter | null {
  if (filter === undefined || filter === null) return null;
  if (typeof filter === "object" && !Array.isArray(filter)) {
    const keys = Object.keys(filter);
    const record = filter as Record<string, unknown>;
    if (keys.length === 1 && typeof record.task === "string") return { task: record.task };
    for (const key of ["taskIn", "taskNotIn"] as const) {
      const list = record[key];
      if (keys.length === 1 && Array.isArray(list) && list.every((t) => typeof t === "string")) {
        return key === "taskIn" ? { taskIn: list } : { taskNotIn: list };
      }
    }
  }
  throw new Rejection("invalid-argument",
    `filter: expected {"task": name}, {"taskIn": [names]} or {"taskNotIn": [names]}, got ` +
    JSON.stringify(filter));
}

export function filterAccepts(filter: Filter | null, task: string): boolean {
  if (filter === null) return true;
  if ("task" in filter) return filter.task === task;
  if ("taskIn" in filter) return filter.taskIn.includes(task);
  return !filter.taskNotIn.includes(task);
}
