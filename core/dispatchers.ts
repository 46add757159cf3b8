// Dispatcher records of a queue: registration, activation, pings, death, and reaping
// (reference 2.6 and 2.7). Death is judged at the command's own time, on the clock of the
// process that asks; `lastPing` never decreases, whatever order clocks deliver commands in.

import {
  forgetCompleted, requireDispatcher, updateAgent, updateDispatcher,
} from "./agents.js";
import type { Draft } from "./draft.js";
import { Rejection, assert } from "./errors.js";
import { countWrapper, newJob, nextWrapperId } from "./lifecycle.js";
import { enqueue } from "./queue-store.js";
import { leaveQuotas } from "./quotas.js";
import { SYSTEM_TASKS } from "./tasks.js";
import { parseDuration, seconds, type Micros } from "./time.js";
import type { Dispatcher, Job, WrapperKind } from "./types.js";

export const DEFAULT_PING_INTERVAL_US = seconds(30);
export const DEFAULT_DEATH_INTERVAL_US = seconds(60);

/** Dead when the later of activation and last ping is older than the death interval. */
export function isDead(dispatcher: Dispatcher, at: Micros): boolean {
  const { activated, lastPing } = dispatcher;
  const reference = activated !== null && (lastPing === null || activated > lastPing)
    ? activated : lastPing;
  if (reference === null) return false;
  return reference + dispatcher.deathIntervalUs < at;
}

export function register(
  draft: Draft, queueName: string, uuid: unknown, pingInterval: unknown, deathInterval: unknown,
): Dispatcher {
  const queue = draft.queue(queueName);
  if (typeof uuid !== "string" || uuid === "") {
    throw new Rejection("invalid-argument", "dispatcher: expected a non-empty id string");
  }
  if (queue.dispatchers.has(uuid)) {
    throw new Rejection("duplicate-dispatcher", `dispatcher '${uuid}' is already registered`);
  }
  const dispatcher: Dispatcher = {
    uuid,
    activated: null,
    lastPing: null,
    pingIntervalUs: positiveDuration(pingInterval, "pingInterval", DEFAULT_PING_INTERVAL_US),
    deathIntervalUs: positiveDuration(deathInterval, "deathInterval", DEFAULT_DEATH_INTERVAL_US),
    agents: [],
  };
  draft.setQueue({ ...queue, dispatchers: draft.put(queue.dispatchers, uuid, dispatcher) });
  draft.emit({ type: "dispatcher/registered", dispatcher: uuid, queue: queueName });
  return dispatcher;
}

function positiveDuration(text: unknown, field: string, fallback: Micros): Micros {
  if (text === undefined) return fallback;
  const value = parseDuration(text, field);
  if (value <= 0n) throw new Rejection("negative-duration", `${field}: must be positive`);
  return value;
}

export function unregister(draft: Draft, queueName: string, uuid: unknown): Dispatcher {
  const queue = draft.queue(queueName);
  const dispatcher = requireDispatcher(queue, uuid);
  if (dispatcher.activated !== null) {
    throw new Rejection("already-activated",
      `dispatcher '${dispatcher.uuid}' is activated; deactivate it before unregistering`);
  }
  for (const agent of dispatcher.agents) forgetCompleted(draft, dispatcher.uuid, agent);
  draft.setQueue({ ...draft.queue(queueName),
    dispatchers: draft.drop(queue.dispatchers, dispatcher.uuid) });
  draft.emit({ type: "dispatcher/unregistered", dispatcher: dispatcher.uuid, queue: queueName });
  return dispatcher;
}

/** Activation first reaps whatever the dispatcher's agents still hold (1.5). */
export function activate(draft: Draft, queueName: string, uuid: unknown): Dispatcher {
  const dispatcher = requireDispatcher(draft.queue(queueName), uuid);
  if (dispatcher.activated !== null) {
    throw new Rejection("already-activated",
      `dispatcher '${dispatcher.uuid}' is already activated`);
  }
  reapAgents(draft, queueName, dispatcher.uuid, dispatcher.uuid);
  const activated = updateDispatcher(draft, queueName, dispatcher.uuid,
    (current) => ({ ...current, activated: draft.at }));
  draft.emit({ type: "dispatcher/activated", dispatcher: dispatcher.uuid, queue: queueName });
  return activated;
}

/**
 * Deactivates a record and reaps its agents. With `ifDead`, a process taking over a record it
 * saw dead is refused when the holder pinged in the meantime: the check and the takeover
 * happen in one fold, as they did in one transaction in the original.
 */
export function deactivate(
  draft: Draft, queueName: string, uuid: unknown, by?: string, ifDead = false,
): Dispatcher {
  const dispatcher = requireDispatcher(draft.queue(queueName), uuid);
  if (dispatcher.activated === null) {
    throw new Rejection("not-activated", `dispatcher '${dispatcher.uuid}' is not activated`);
  }
  if (ifDead && !isDead(dispatcher, draft.at)) {
    throw new Rejection("already-activated",
      `dispatcher '${dispatcher.uuid}' is activated and alive; it was not taken over`);
  }
  const deactivated = updateDispatcher(draft, queueName, dispatcher.uuid,
    (current) => ({ ...current, activated: null }));
  reapAgents(draft, queueName, dispatcher.uuid, by ?? dispatcher.uuid);
  draft.emit(by === undefined
    ? { type: "dispatcher/deactivated", dispatcher: dispatcher.uuid, queue: queueName }
    : { type: "dispatcher/deactivated", dispatcher: dispatcher.uuid, queue: queueName,
        reapedBy: by });
  return deactivated;
}

/**
 * A ping reactivates a record that is not activated (a wrongly reaped live process recovers),
 * records the time at most once per interval, then checks the next activated sibling on the
 * UUID ring and deactivates it if it is dead.
 */
export function ping(draft: Draft, queueName: string, uuid: unknown): Dispatcher {
  let dispatcher = requireDispatcher(draft.queue(queueName), uuid);
  if (dispatcher.activated === null) {
    dispatcher = updateDispatcher(draft, queueName, dispatcher.uuid,
      (current) => ({ ...current, activated: draft.at }));
    draft.emit({ type: "dispatcher/reactivated", dispatcher: dispatcher.uuid, queue: queueName });
  }
  const lastPing = dispatcher.lastPing;
  if (lastPing === null || lastPing + dispatcher.pingIntervalUs <= draft.at) {
    dispatcher = updateDispatcher(draft, queueName, dispatcher.uuid,
      (current) => ({ ...current, lastPing: draft.at }));
  }

  const sibling = nextActiveSibling(draft, queueName, dispatcher.uuid);
  if (sibling !== undefined && isDead(sibling, draft.at)) {
    deactivate(draft, queueName, sibling.uuid, dispatcher.uuid);
  }
  return draft.queue(queueName).dispatchers.get(dispatcher.uuid)!;
}

/** The first activated record after `uuid` in UUID order, wrapping around; never itself. */
export function nextActiveSibling(
  draft: Draft, queueName: string, uuid: string,
): Dispatcher | undefined {
  const dispatchers = draft.queue(queueName).dispatchers;
  for (const [key, record] of dispatchers.entries(uuid)) {
    if (key !== uuid && record.activated !== null) return record;
  }
  for (const [key, record] of dispatchers.entries()) {
    if (key >= uuid) break;
    if (record.activated !== null) return record;
  }
  return undefined;
}

/**
 * Empties every agent of a dispatcher, agents in name order and jobs first to last: an
 * assigned job goes back to its queue, an ACTIVE job is handed to a wrapper that fails or
 * retries it (the queue's interrupt policy), a job in CALLBACKS to one that resumes them.
 */
function reapAgents(draft: Draft, queueName: string, uuid: string, reaper: string): void {
  const dispatcher = requireDispatcher(draft.queue(queueName), uuid);
  for (const agent of dispatcher.agents) {
    for (const id of agent.jobs) {
      const job = draft.job(id)!;
      assert(job.phase !== "COMPLETED", `completed job '${id}' left in agent '${agent.name}'`);
      if (job.phase === "NEW") {
        requeue(draft, queueName, job, reaper);
      } else {
        const kind: WrapperKind = job.phase === "CALLBACKS" ? "resumeCallbacks"
          : draft.queue(queueName).options.interruptPolicy === "fail" ? "fail"
          : "handleInterrupt";
        wrapReaped(draft, queueName, job, kind, reaper);
      }
    }
    if (agent.jobs.length > 0) {
      updateAgent(draft, queueName, uuid, agent.name, (current) => ({ ...current, jobs: [] }));
    }
  }
}

function requeue(draft: Draft, queueName: string, job: Job, reaper: string): void {
  const queue = draft.queue(queueName);
  const beginAfter = job.beginAfter ?? draft.at;
  const stale = job.quotaNames.filter((name) => !queue.quotas.has(name));
  const location = enqueue(draft, queueName, job, beginAfter);
  const requeued = draft.setJob({ ...job, location, holder: null, notBefore: null });
  if (beginAfter > draft.at) leaveQuotas(draft, requeued);

  draft.emit({ type: "job/reaped", job: job.id, action: "requeued", reapedBy: reaper });
  if (stale.length > 0) {
    // A removed quota never aborts reaping (decisions.md); the stale names are reported.
    draft.emit({ type: "job/staleQuotaNames", job: job.id, quotaNames: stale });
  }
}

function wrapReaped(
  draft: Draft, queueName: string, job: Job, kind: WrapperKind, reaper: string,
): void {
  const wrapperId = nextWrapperId(job, kind);
  const wrapper = newJob(draft, {
    id: wrapperId, task: SYSTEM_TASKS[kind], args: [], queue: queueName,
    location: { kind: "detached" }, beginAfter: draft.at, beginBy: null,
    wraps: job.id, wrapperKind: kind, wrapperReason: "interrupted",
  });
  const location = enqueue(draft, queueName, wrapper, draft.at);
  draft.setJob({ ...wrapper, location });
  draft.setJob({ ...countWrapper(job, kind), holder: null,
    location: { kind: "ownedBy", wrapper: wrapperId } });
  draft.emit({ type: "job/reaped", job: job.id, action: kind, wrapper: wrapperId,
    reapedBy: reaper });
}
