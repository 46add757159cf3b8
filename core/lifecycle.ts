// The life of a job after its claim: starting, storing an outcome, running callbacks, and
// completing, including where a completed job goes. Shared by the job reducers, the system
// wrappers and reaping, so that every path through the status machine is the same code.

import { Rejection, assert } from "./errors.js";
import type { Draft } from "./draft.js";
import { decideJobError, withinRetryWindow } from "./policies.js";
import { dequeue, isQueued } from "./queue-store.js";
import { runBuiltInTask } from "./tasks.js";
import type { Micros } from "./time.js";
import type {
  Agent, CompletedKey, Failure, Job, JobId, Json, Location, RetryPolicyName, Status,
  WrapperKind,
} from "./types.js";
import { updateAgent, findAgent } from "./agents.js";
import { leaveQuotas } from "./quotas.js";

type JobLookup = { get(id: JobId): Job | undefined };

/** A job's status, derived from its phase and where it lives (reference 1.5). */
export function statusOf(jobs: JobLookup, job: Job): Status {
  if (job.phase !== "NEW") return job.phase;
  let location: Location = job.location;
  // A callback's position is its owning chain's: walk up through the jobs that hold it.
  for (let depth = 0; location.kind === "callbackOf" || location.kind === "ownedBy"; depth++) {
    const owner = jobs.get(location.kind === "callbackOf" ? location.job : location.wrapper);
    if (owner === undefined || depth > 1000) return "NEW";
    location = owner.location;
  }
  if (location.kind === "agent") return "ASSIGNED";
  if (location.kind === "queue" || location.kind === "held") return "PENDING";
  return "NEW";
}

export interface NewJobFields {
  readonly id: JobId;
  readonly task: string;
  readonly args: readonly Json[];
  readonly queue: string;
  readonly location: Location;
  readonly beginAfter: Micros | null;
  readonly beginBy: Micros | null;
  readonly quotaNames?: readonly string[];
  readonly wraps?: JobId;
  readonly wrapperKind?: WrapperKind;
  readonly wrapperReason?: string;
  /** The creation number, when the caller had to take it first (to place the job). */
  readonly seq?: number;
}

// Shared by every new job until it changes them: a million queued jobs need no million
// empty lists.
export const NO_IDS: readonly JobId[] = Object.freeze([]);
const NO_WRAPPERS: Job["wrapperCounts"] = Object.freeze({
  fail: 0, handleInterrupt: 0, resumeCallbacks: 0,
});

export function newJob(draft: Draft, fields: NewJobFields): Job {
  return {
    id: fields.id,
    task: fields.task,
    args: fields.args,
    seq: fields.seq ?? draft.takeSeq(),
    queue: fields.queue,
    phase: "NEW",
    location: fields.location,
    beginAfter: fields.beginAfter,
    beginBy: fields.beginBy,
    quotaNames: fields.quotaNames ?? NO_IDS,
    wraps: fields.wraps,
    wrapperKind: fields.wrapperKind,
    wrapperReason: fields.wrapperReason,
    holder: null,
    claims: 0,
    attempts: 0,
    interruptions: 0,
    transactionErrors: 0,
    disconnects: 0,
    notBefore: null,
    activeStart: null,
    activeEnd: null,
    callbacks: NO_IDS,
    callbackSide: "always",
    wrapperCounts: NO_WRAPPERS,
  };
}

/** The id the next wrapper of this kind around `job` will have: `<job>/<kind>/<n>`. */
export function nextWrapperId(job: Job, kind: WrapperKind): JobId {
  return `${job.id}/${kind}/${job.wrapperCounts[kind] + 1}`;
}

/** Counts a wrapper as made; its number is used up only now. */
export function countWrapper(job: Job, kind: WrapperKind): Job {
  return { ...job, wrapperCounts: { ...job.wrapperCounts, [kind]: job.wrapperCounts[kind] + 1 } };
}

/** Rejects the step when a named holder no longer holds the job (claim tokens). */
export function checkHolder(
  job: Job,
  holder: { dispatcher: string; agent: string; attempt?: number } | undefined,
): void {
  if (holder === undefined) return;
  const location = job.location;
  const held = location.kind === "agent" && location.dispatcher === holder.dispatcher &&
    location.agent === holder.agent &&
    (holder.attempt === undefined || job.holder?.attempt === holder.attempt);
  if (!held) {
    throw new Rejection(
      "reassigned",
      `job '${job.id}' is no longer held by agent '${holder.agent}' of '${holder.dispatcher}'`,
    );
  }
}

/** NEW (detached) or ASSIGNED -> ACTIVE. */
export function startJob(draft: Draft, job: Job): Job {
  const status = statusOf(draft.jobs, job);
  if (status !== "NEW" && status !== "ASSIGNED") {
    throw new Rejection("bad-status",
      `can only start a job with NEW or ASSIGNED status; '${job.id}' is ${status}`);
  }
  if (job.location.kind === "awaitingFail" || job.location.kind === "callbackOf") {
    throw new Rejection("bad-status",
      `job '${job.id}' is owned by '${ownerOf(job)}' and cannot be started directly`);
  }
  const started: Job = {
    ...job, phase: "ACTIVE", activeStart: draft.at, attempts: job.attempts + 1, notBefore: null,
  };
  draft.emit({ type: "job/started", job: job.id, attempt: started.attempts });
  return draft.setJob(started);
}

function ownerOf(job: Job): string {
  const location = job.location;
  if (location.kind === "awaitingFail" || location.kind === "ownedBy") return location.wrapper;
  if (location.kind === "callbackOf") return location.job;
  return "";
}

export type Outcome =
  | { readonly ok: true; readonly value: Json }
  | { readonly ok: false; readonly failure: Failure };

/**
 * Stores the outcome of an ACTIVE job's task. A retryable error sends the job back to phase
 * NEW where it is (ASSIGNED in its agent, possibly not before a pause, for its holder to start
 * again); otherwise the job enters CALLBACKS,
 * leaves its quotas, and, unless callbacks are held, runs them and completes.
 */
export function finishJob(draft: Draft, job: Job, outcome: Outcome, holdCallbacks: boolean): Job {
  assert(job.phase === "ACTIVE", `finish of a job in phase ${job.phase}`);

  if (!outcome.ok && withinRetryWindow(job, draft.at)) {
    const decision = decideJobError(policyOf(job), job, outcome.failure.kind);
    // A retry after a pause needs a holder to start it again; without one the error stands.
    const restartable = decision.retry &&
      (decision.delay === 0n || job.location.kind === "agent");
    if (decision.retry && restartable) {
      draft.emit({ type: "job/retried", job: job.id, kind: outcome.failure.kind,
        attempt: job.attempts });
      return draft.setJob({
        ...job, phase: "NEW", activeStart: null, [decision.counter]: job[decision.counter] + 1,
        notBefore: decision.delay > 0n ? draft.at + decision.delay : null,
      });
    }
  }

  const stored = storeOutcome(draft, job, outcome);
  return holdCallbacks ? stored : resumeCallbacks(draft, stored);
}

function policyOf(job: Job): RetryPolicyName {
  // Callbacks and system wrappers retry forever; top-level jobs four times (reference 1.11).
  if (job.location.kind === "callbackOf" || job.wraps !== undefined) return "commonForever";
  return "commonFourTimes";
}

/** ACTIVE (or failed while waiting) -> CALLBACKS with the outcome stored. */
export function storeOutcome(draft: Draft, job: Job, outcome: Outcome): Job {
  const stored: Job = outcome.ok
    ? { ...job, phase: "CALLBACKS", result: outcome.value, failure: undefined,
        activeEnd: draft.at }
    : { ...job, phase: "CALLBACKS", result: undefined, failure: outcome.failure,
        activeEnd: draft.at };
  draft.emit(outcome.ok
    ? { type: "job/succeeded", job: job.id, result: outcome.value }
    : { type: "job/failed", job: job.id, kind: outcome.failure.kind,
        message: outcome.failure.message });
  leaveQuotas(draft, stored);
  draft.setJob(stored);
  if (job.resultFor !== undefined) passResultOn(draft, job.resultFor, outcome);
  return draft.job(job.id)!;
}

/** An inner job's outcome finishes the job that returned it, which still holds its slot. */
function passResultOn(draft: Draft, outerId: JobId, outcome: Outcome): void {
  const outer = draft.job(outerId);
  if (outer === undefined || outer.phase !== "ACTIVE" || outer.awaiting === undefined) return;
  const released = draft.setJob({ ...outer, awaiting: undefined });
  resumeCallbacks(draft, storeOutcome(draft, released, outcome));
}

/** Runs the callbacks of a CALLBACKS job in order, then completes it. */
export function resumeCallbacks(draft: Draft, job: Job): Job {
  assert(job.phase === "CALLBACKS", `resumeCallbacks of a job in phase ${job.phase}`);
  const parentOutcome: Outcome = job.failure !== undefined
    ? { ok: false, failure: job.failure }
    : { ok: true, value: job.result ?? null };

  for (const callbackId of job.callbacks) {
    const callback = draft.job(callbackId);
    if (callback === undefined || callback.phase === "COMPLETED") continue;
    if (callback.phase === "CALLBACKS") {
      resumeCallbacks(draft, callback);
    } else {
      runCallback(draft, callback, parentOutcome);
    }
  }
  return completeJob(draft, draft.job(job.id)!);
}

export function runCallback(draft: Draft, callback: Job, parentOutcome: Outcome): void {
  // A callback that was ACTIVE when its parent was interrupted simply runs again (1.5).
  const started: Job = { ...callback, phase: "ACTIVE", activeStart: draft.at,
    attempts: callback.attempts + 1 };
  draft.setJob(started);

  let outcome: Outcome;
  const expired = callback.beginBy !== null && callback.beginAfter !== null &&
    callback.beginAfter + callback.beginBy < draft.at;
  const side = callback.callbackSide;
  if (expired) {
    outcome = { ok: false, failure: { kind: "AbortedError", message: "deadline passed" } };
  } else if ((side === "success" && !parentOutcome.ok) ||
      (side === "failure" && parentOutcome.ok)) {
    // The side not chosen passes the parent's value through untouched (reference B7, fixed).
    outcome = parentOutcome;
  } else {
    const argument: Json = parentOutcome.ok ? parentOutcome.value
      : { kind: parentOutcome.failure.kind, message: parentOutcome.failure.message };
    outcome = runBuiltInTask(callback.task, [...callback.args, argument]);
  }
  resumeCallbacks(draft, storeOutcome(draft, started, outcome));
}


/** CALLBACKS -> COMPLETED, and the job moves to where completed jobs of its kind live. */
export function completeJob(draft: Draft, job: Job): Job {
  const location = job.location;
  let completedLocation: Location = location;
  if (location.kind === "agent") {
    completedLocation = addToCompleted(draft, job, location.queue, location.dispatcher,
      location.agent);
  } else if (location.kind === "ownedBy" || location.kind === "awaitingFail") {
    completedLocation = { kind: "settledBy", wrapper: location.wrapper };
  }
  const completed: Job = { ...job, phase: "COMPLETED", location: completedLocation,
    holder: null };
  draft.emit({ type: "job/completed", job: job.id });
  draft.setJob(completed);
  if (job.wraps !== undefined) settleAbandoned(draft, completed);
  if (location.kind === "agent") pruneCompleted(draft, location);
  return draft.job(job.id) ?? completed;
}

/**
 * A wrapper that ends without settling its job (it was failed itself, say) must not leave
 * that job owned by nobody: the job is failed, so no job is ever lost or left ACTIVE.
 */
function settleAbandoned(draft: Draft, wrapper: Job): void {
  const target = draft.job(wrapper.wraps!);
  if (target === undefined || target.phase === "COMPLETED") return;
  const owned = (target.location.kind === "ownedBy" || target.location.kind === "awaitingFail") &&
    target.location.wrapper === wrapper.id;
  if (!owned) return;
  failJob(draft, target, { kind: "AbortedError",
    message: `its wrapper '${wrapper.id}' ended without settling it` });
}

function addToCompleted(
  draft: Draft, job: Job, queueName: string, dispatcherUuid: string, agentName: string,
): Location {
  const key: CompletedKey = { completedAt: draft.at, seq: draft.takeCompletion() };
  updateAgent(draft, queueName, dispatcherUuid, agentName, (agent) => ({
    ...agent,
    jobs: agent.jobs.filter((id) => id !== job.id),
    completed: draft.put(agent.completed, key, job.id),
  }));
  return { kind: "completed", queue: queueName, dispatcher: dispatcherUuid, agent: agentName,
    key };
}

/**
 * Drops completed entries older than the agent's retention, judged at this completion.
 * Dropped jobs leave the state (with the jobs they settled and their callbacks): afterwards
 * they are unknown. This bounds memory in production; the log keeps them.
 */
function pruneCompleted(
  draft: Draft, where: { queue: string; dispatcher: string; agent: string },
): void {
  const agent = findAgent(draft, where.queue, where.dispatcher, where.agent);
  if (agent === undefined) return;
  const cutoff = draft.at - agent.retentionUs;
  const stale: [CompletedKey, JobId][] = [];
  for (const [key, id] of agent.completed.entriesReversed()) {
    if (key.completedAt >= cutoff) break;
    stale.push([key, id]);
  }
  if (stale.length === 0) return;

  let completed = agent.completed;
  for (const [key, id] of stale) {
    completed = draft.drop(completed, key);
    forgetJob(draft, id);
  }
  updateAgent(draft, where.queue, where.dispatcher, where.agent,
    (current: Agent) => ({ ...current, completed }));
  draft.emit({ type: "agent/pruned", dispatcher: where.dispatcher, agent: where.agent,
    jobs: stale.map(([, id]) => id) });
}

/** Takes a completed job out of the state, with the jobs it settled and its callbacks. */
export function forgetJob(draft: Draft, id: JobId): void {
  const job = draft.job(id);
  if (job === undefined) return;
  draft.dropJob(id);
  for (const callback of job.callbacks) forgetJob(draft, callback);
  if (job.wraps !== undefined) {
    const wrapped = draft.job(job.wraps);
    if (wrapped?.location.kind === "settledBy" && wrapped.location.wrapper === id) {
      forgetJob(draft, wrapped.id);
    }
  }
}

/**
 * Fails a job that has not started (or, for a system fail wrapper, one that was reaped while
 * ACTIVE): a queued job leaves its queue in the same step. A job in CALLBACKS only resumes
 * its callbacks.
 */
export function failJob(draft: Draft, job: Job, failure: Failure): Job {
  if (job.phase === "CALLBACKS") return resumeCallbacks(draft, job);
  assert(job.phase === "NEW" || job.phase === "ACTIVE", `fail of a job in phase ${job.phase}`);
  if (isQueued(job)) {
    dequeue(draft, job);
    job = draft.setJob({ ...job, location: { kind: "detached" } });
  }
  const stored = storeOutcome(draft, { ...job, holder: job.holder }, { ok: false, failure });
  return resumeCallbacks(draft, stored);
}

