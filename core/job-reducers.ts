// Reducers for commands about single jobs: put, pull, remove, the setters, start, finish,
// run, fail, and callbacks. Each validates everything before it writes to the draft, and
// throws a Rejection to refuse; see reduce.ts for how that keeps commands all or nothing.

import type { HolderRef } from "./commands.js";
import type { Draft } from "./draft.js";
import { Rejection } from "./errors.js";
import {
  checkHolder, failJob, finishJob, newJob, NO_IDS, resumeCallbacks, runCallback,
  startJob, statusOf, type Outcome,
} from "./lifecycle.js";
import { decideInterrupt, withinRetryWindow } from "./policies.js";
import { dequeue, enqueue, isQueued, putBack, queueLength, queueOrder } from "./queue-store.js";
import {
  checkQuotaNamesExist, leaveQuotas, leaveQuotasNotNamed, parseQuotaNames,
} from "./quotas.js";
import { isSystemTask, runBuiltInTask } from "./tasks.js";
import { parseDuration, parseTime, type Micros } from "./time.js";
import type { CallbackSide, Job, Json, RetryPolicyName } from "./types.js";

export interface PutFields {
  readonly queue?: string;
  readonly job: unknown;
  readonly task?: unknown;
  readonly args?: unknown;
  readonly beginAfter?: unknown;
  readonly beginBy?: unknown;
  readonly quotaNames?: unknown;
}

/** Puts a new job, or puts a known NEW job again (it keeps its beginAfter unless given). */
export function put(draft: Draft, fields: PutFields): Job {
  const queueName = fields.queue ?? "";
  const queue = draft.queue(queueName);
  const quotaNames = fields.quotaNames === undefined ? undefined
    : parseQuotaNames(fields.quotaNames);
  if (typeof fields.job !== "string" || fields.job === "") {
    throw new Rejection("invalid-argument", "job: expected a non-empty job id string");
  }
  const existing = draft.job(fields.job);
  if (existing !== undefined) {
    checkPutAgain(draft, existing, fields.task);
  } else if (fields.task === undefined) {
    // `put` with an id alone puts a known job again; this one is not (or no longer) known.
    throw new Rejection("unknown-job",
      `no job '${fields.job}' is known; a new job needs a task name`);
  } else if (typeof fields.task !== "string" || fields.task === "") {
    throw new Rejection("invalid-argument", `task: a new job '${fields.job}' needs a task name`);
  }
  if (fields.args !== undefined && !Array.isArray(fields.args)) {
    throw new Rejection("invalid-argument", "args: expected a list of JSON values");
  }

  const names = quotaNames ?? existing?.quotaNames ?? NO_IDS;
  checkQuotaNamesExist(queue, names);
  const beginAfter = fields.beginAfter === undefined || fields.beginAfter === null
    ? existing?.beginAfter ?? draft.at
    : parseTime(fields.beginAfter, "beginAfter");
  const beginBy = fields.beginBy === undefined
    ? existing?.beginBy ?? queue.options.defaultBeginBy
    : parseDeadline(fields.beginBy);

  // The job record is built once, after its place in the queue is known.
  const seq = existing?.seq ?? draft.takeSeq();
  const location = enqueue(draft, queueName, { id: fields.job, seq }, beginAfter);
  const args = (fields.args as Json[] | undefined) ?? existing?.args ?? NO_ARGS;
  const placed = draft.setJob(existing === undefined
    ? newJob(draft, { id: fields.job, task: fields.task as string, args, queue: queueName,
      location, beginAfter, beginBy, quotaNames: names, seq })
    : { ...existing, queue: queueName, beginAfter, beginBy, quotaNames: names, holder: null,
      args, location });
  if (beginAfter > draft.at) leaveQuotas(draft, placed);
  else if (existing !== undefined) leaveQuotasNotNamed(draft, placed);
  draft.emit({ type: "job/queued", job: placed.id, queue: queueName, task: placed.task });
  return placed;
}

function checkPutAgain(draft: Draft, job: Job, task: unknown): void {
  if (task !== undefined && task !== job.task) {
    throw new Rejection("invalid-argument",
      `job '${job.id}' already exists with task '${job.task}'; ids are unique`);
  }
  if (isQueued(job)) throw new Rejection("already-queued", `job '${job.id}' is already queued`);
  const status = statusOf(draft.jobs, job);
  const owned = job.location.kind === "callbackOf" || job.location.kind === "ownedBy";
  if (status !== "NEW" || owned) {
    throw new Rejection("bad-status",
      `cannot put job '${job.id}': only a NEW job can be put, it is ${status}`);
  }
}

const NO_ARGS: readonly Json[] = Object.freeze([]);

/** A deadline: a non-negative duration, or null for none. */
export function parseDeadline(value: unknown): Micros | null {
  if (value === null) return null;
  const duration = parseDuration(value, "beginBy");
  if (duration < 0n) {
    throw new Rejection("negative-duration", "beginBy: negative values are not allowed");
  }
  return duration;
}

/** Removes the job at a position of the queue (negative counts from the end). */
export function pull(draft: Draft, queueName: string, index: unknown): Job {
  const queue = draft.queue(queueName);
  const wanted = index ?? 0;
  if (typeof wanted !== "number" || !Number.isInteger(wanted)) {
    throw new Rejection("invalid-argument", `index: expected a whole number, got ${index}`);
  }
  const length = queueLength(queue);
  const position = wanted < 0 ? wanted + length : wanted;
  if (position < 0 || position >= length) {
    throw new Rejection("index-out-of-range",
      `index ${wanted} is out of range for a queue of ${length} job(s)`);
  }
  let seen = 0;
  for (const entry of queueOrder(queue)) {
    if (seen++ === position) return detach(draft, draft.job(entry.job)!, "job/pulled");
  }
  throw new Error("chronoq: queue order is shorter than its length");
}

export function remove(draft: Draft, queueName: string, id: unknown): Job {
  const job = draft.requireJob(id);
  const location = job.location;
  const inQueue = (location.kind === "queue" || location.kind === "held") &&
    location.queue === queueName;
  if (!inQueue) {
    throw new Rejection("not-in-queue", `job '${job.id}' is not in queue '${queueName}'`);
  }
  return detach(draft, job, "job/removed");
}

function detach(draft: Draft, job: Job, event: string): Job {
  dequeue(draft, job);
  draft.emit({ type: event, job: job.id });
  return draft.setJob({ ...job, location: { kind: "detached" }, holder: null });
}

export function setQuotaNames(draft: Draft, id: unknown, quotaNames: unknown): Job {
  const names = parseQuotaNames(quotaNames);
  const job = draft.requireJob(id);
  const status = statusOf(draft.jobs, job);
  if (status === "PENDING") {
    checkQuotaNamesExist(draft.queue(job.queue), names);
  } else if (status !== "NEW") {
    throw new Rejection("bad-status",
      `can only set quotaNames when a job has NEW or PENDING status; '${job.id}' is ${status}`);
  }
  const renamed = draft.setJob({ ...job, quotaNames: names });
  leaveQuotasNotNamed(draft, renamed);
  return renamed;
}

export function setBeginBy(draft: Draft, id: unknown, beginBy: unknown): Job {
  const job = draft.requireJob(id);
  const status = statusOf(draft.jobs, job);
  if (status !== "NEW" && status !== "PENDING") {
    throw new Rejection("bad-status",
      `can only set beginBy when a job has NEW or PENDING status; '${job.id}' is ${status}`);
  }
  return draft.setJob({ ...job, beginBy: parseDeadline(beginBy) });
}

export function start(draft: Draft, id: unknown, holder: HolderRef | undefined): Job {
  const job = draft.requireJob(id);
  checkHolder(job, holder);
  return startJob(draft, job);
}

export interface FinishFields {
  readonly result?: Json;
  readonly error?: unknown;
  readonly message?: unknown;
  readonly callbacks?: unknown;
  readonly returnJob?: unknown;
}

export function finish(
  draft: Draft, id: unknown, holder: HolderRef | undefined, fields: FinishFields,
): Job {
  const job = draft.requireJob(id);
  checkHolder(job, holder);
  if (job.phase !== "ACTIVE") {
    throw new Rejection("bad-status",
      `can only finish an ACTIVE job; '${job.id}' is ${statusOf(draft.jobs, job)}`);
  }
  if (job.awaiting !== undefined) {
    throw new Rejection("bad-status",
      `job '${job.id}' waits for the job it returned, '${job.awaiting}'`);
  }
  if (fields.callbacks !== undefined && fields.callbacks !== "run" && fields.callbacks !== "hold") {
    throw new Rejection("invalid-argument", `callbacks: expected "run" or "hold"`);
  }
  if (fields.returnJob !== undefined) return returnJob(draft, job, fields.returnJob);
  return finishJob(draft, job, outcomeOf(fields), fields.callbacks === "hold");
}

/**
 * A task that returns a job: the inner job is put on the same queue, and the outer job stays
 * ACTIVE (holding its agent slot) until the inner job's outcome is stored, which becomes its
 * own (reference 2.9).
 */
function returnJob(draft: Draft, outer: Job, returned: unknown): Job {
  if (!isRecord(returned) || typeof returned.job !== "string" ||
      typeof returned.task !== "string") {
    throw new Rejection("invalid-argument",
      "returnJob: expected { job: new id, task: name, args?: [...] }");
  }
  if (draft.job(returned.job) !== undefined) {
    throw new Rejection("invalid-argument", `returnJob: a job '${returned.job}' already exists`);
  }
  const inner = put(draft, { queue: outer.queue, job: returned.job, task: returned.task,
    args: returned.args });
  draft.setJob({ ...inner, resultFor: outer.id });
  draft.emit({ type: "job/returnedJob", job: outer.id, inner: inner.id });
  return draft.setJob({ ...outer, awaiting: inner.id });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function outcomeOf(fields: FinishFields): Outcome {
  if (fields.error === undefined) return { ok: true, value: fields.result ?? null };
  if (typeof fields.error !== "string" || fields.error === "") {
    throw new Rejection("invalid-argument", "error: expected an error kind such as \"ValueError\"");
  }
  const message = typeof fields.message === "string" ? fields.message : "";
  return { ok: false, failure: { kind: fields.error, message } };
}

/** The most attempts `run` makes in one command when a policy retries at once. */
const RUN_ATTEMPTS_MAX = 100;

/** Starts a job, runs its (built-in or system) task, and finishes it, all in one step. */
export function run(draft: Draft, id: unknown, holder: HolderRef | undefined): Job {
  let job = draft.requireJob(id);
  checkHolder(job, holder);
  if (isSystemTask(job.task)) return runSystemTask(draft, startJob(draft, job));

  for (let attempt = 0; attempt < RUN_ATTEMPTS_MAX; attempt++) {
    const started = startJob(draft, job);
    job = finishJob(draft, started, runBuiltInTask(started.task, started.args), false);
    // A retry with a pause is left to the dispatcher; `run` does not wait.
    if (job.phase !== "NEW" || job.notBefore !== null) return job;
  }
  return job;
}

/** Runs a wrapper made by the queue: fail, handleInterrupt or resumeCallbacks its job. */
function runSystemTask(draft: Draft, wrapper: Job): Job {
  const target = wrapper.wraps === undefined ? undefined : draft.job(wrapper.wraps);
  let outcome: Outcome = { ok: true, value: null };
  if (target !== undefined && target.phase !== "COMPLETED") {
    outcome = settleWrapped(draft, wrapper, target);
  }
  return finishJob(draft, draft.job(wrapper.id)!, outcome, false);
}

function settleWrapped(draft: Draft, wrapper: Job, target: Job): Outcome {
  if (target.phase === "CALLBACKS") {
    resumeCallbacks(draft, target);
    return { ok: true, value: null };
  }
  if (wrapper.wrapperKind === "fail") {
    const message = wrapper.wrapperReason === "deadline"
      ? "the deadline passed before the job started"
      : "the job was interrupted: its dispatcher was deactivated";
    failJob(draft, target, { kind: "AbortedError", message });
    return { ok: true, value: null };
  }
  if (wrapper.wrapperKind === "handleInterrupt" && target.phase === "ACTIVE") {
    handleInterrupt(draft, target);
    return { ok: true, value: null };
  }
  return { ok: false, failure: { kind: "BadStatusError",
    message: `cannot ${wrapper.wrapperKind} job '${target.id}' in phase ${target.phase}` } };
}

function handleInterrupt(draft: Draft, job: Job): void {
  const configured = draft.queue(job.queue).options.interruptPolicy;
  const policy: RetryPolicyName = configured === "fail" ? "never" : configured;
  // Past its deadline a job is not retried, whatever the policy (reference B2, fixed).
  const late = !withinRetryWindow(job, draft.at);
  if (late || !decideInterrupt(policy, job)) {
    failJob(draft, job, { kind: "AbortedError", message: late
      ? "interrupted after its deadline had passed; not retried"
      : `interrupted ${job.interruptions + 1} times; giving up` });
    return;
  }
  // Retried first in line; it keeps its quota slots, so a size-1 quota keeps its turn.
  const retried: Job = { ...job, phase: "NEW", activeStart: null, holder: null,
    interruptions: job.interruptions + 1 };
  const location = putBack(draft, job.queue, retried, job.beginAfter ?? draft.at);
  draft.setJob({ ...retried, location });
  draft.emit({ type: "job/retried", job: job.id, kind: "interrupted",
    attempt: retried.interruptions });
}

export function fail(
  draft: Draft, id: unknown, holder: HolderRef | undefined, error: unknown, message: unknown,
): Job {
  const job = draft.requireJob(id);
  checkHolder(job, holder);
  if (error !== undefined && (typeof error !== "string" || error === "")) {
    throw new Rejection("invalid-argument", "error: expected an error kind string");
  }
  const status = statusOf(draft.jobs, job);
  if (status === "CALLBACKS") return resumeCallbacks(draft, job);
  if (status !== "NEW" && status !== "PENDING" && status !== "ASSIGNED") {
    throw new Rejection("bad-status",
      `can only fail a job with NEW, PENDING, or ASSIGNED status; '${job.id}' is ${status}`);
  }
  const kind = (error as string | undefined) ?? "AbortedError";
  return failJob(draft, job, { kind, message: typeof message === "string" ? message : "" });
}

const CALLBACK_SIDES: readonly CallbackSide[] = ["success", "failure", "always"];

export function addCallback(
  draft: Draft, id: unknown, callbackId: unknown, task: unknown, args: unknown, on: unknown,
): Job {
  const job = draft.requireJob(id);
  if (typeof callbackId !== "string" || callbackId === "") {
    throw new Rejection("invalid-argument", "callback: expected a new job id string");
  }
  if (draft.job(callbackId) !== undefined) {
    throw new Rejection("invalid-argument", `callback: a job '${callbackId}' already exists`);
  }
  if (typeof task !== "string" || task === "") {
    throw new Rejection("invalid-argument", "task: expected a task name");
  }
  if (args !== undefined && !Array.isArray(args)) {
    throw new Rejection("invalid-argument", "args: expected a list of JSON values");
  }
  const side = (on ?? "always") as CallbackSide;
  if (!CALLBACK_SIDES.includes(side)) {
    throw new Rejection("invalid-argument", `on: expected "success", "failure" or "always"`);
  }

  const callback = draft.setJob({
    ...newJob(draft, { id: callbackId, task, args: (args as Json[]) ?? [], queue: job.queue,
      location: { kind: "callbackOf", job: job.id }, beginAfter: null, beginBy: null }),
    callbackSide: side,
  });
  const parent = draft.setJob({ ...job, callbacks: [...job.callbacks, callbackId] });
  draft.emit({ type: "job/callbackAdded", job: job.id, callback: callbackId });

  // Added to a finished job, a callback runs at once; the parent stays COMPLETED.
  if (parent.phase === "COMPLETED") {
    const completed = parent;
    const outcome: Outcome = completed.failure !== undefined
      ? { ok: false, failure: completed.failure } : { ok: true, value: completed.result ?? null };
    runCallback(draft, callback, outcome);
  }
  return draft.job(callbackId)!;
}
