// The dispatcher of one worker process as a pure state machine: step(local, input) returns the
// next local state and the effects to carry out (append commands, run a job, set a timer).
// The simulator and the live adapter only interpret effects; neither holds queue logic.
//
// The machine is level-triggered: it learns the outcome of its own appends only by folding the
// log, and on every poll it compares what the folded state says with what it wants (registered,
// activated, agents installed, slots filled, assigned jobs started). A lost acknowledgement or
// a failed append therefore costs a retry, never a wrong belief. Holds no clock: every input
// carries the process's own clock reading.

import type { Command, HolderRef } from "./commands.js";
import { previewClaims } from "./claim.js";
import { isDead } from "./dispatchers.js";
import type { Reduction, Reply } from "./reduce.js";

import { isSystemTask } from "./tasks.js";
import { formatTime, type Micros } from "./time.js";
import type { Dispatcher, Event, Holder, Job, Json, Queue, State } from "./types.js";

export interface AgentPlan {
  readonly name: string;
  readonly size: number;
  readonly filter?: Json;
}

export interface MachineConfig {
  /** This incarnation of the process; tags its appends, so it must change on restart. */
  readonly process: string;
  readonly dispatcher: string;
  readonly queue: string;
  readonly pollIntervalUs: Micros;
  readonly pingIntervalUs: Micros;
  readonly deathIntervalUs: Micros;
  /** An append neither acknowledged nor seen in the log after this long is presumed lost. */
  readonly appendTimeoutUs: Micros;
  readonly agents: readonly AgentPlan[];
  /** The planted bug of the canary: reap siblings one ping interval before they are dead. */
  readonly canaryReapEarly?: boolean;
}

/** joining: not (yet) the holder of the record; running: holds it; stopping: shutting down. */
export type MachinePhase = "joining" | "running" | "stopping" | "stopped";

export type JobOutcome =
  | { readonly ok: true; readonly value: Json }
  | { readonly ok: false; readonly error: string; readonly message: string };

interface PendingAppend {
  readonly token: number;
  readonly key: string;
  readonly sentAtUs: Micros;
  readonly acked: boolean;
}

interface RunningJob {
  readonly job: string;
  readonly holder: Holder;
}

interface FinishingJob extends RunningJob {
  readonly outcome: JobOutcome;
  /** The token of the finish append in flight, or null when it must be (re)sent. */
  readonly token: number | null;
}

export interface MachineLocal {
  readonly config: MachineConfig;
  readonly phase: MachinePhase;
  readonly nextToken: number;
  readonly registered: boolean;
  /** The record's `activated` as set by this incarnation's own activate or reactivating ping. */
  readonly activatedAtUs: Micros | null;
  readonly lastPingSentUs: Micros | null;
  /** When the armed timer fires, on this process's clock (null before the first). */
  readonly timerAtUs: Micros | null;
  readonly pending: readonly PendingAppend[];
  readonly running: readonly RunningJob[];
  readonly finishing: readonly FinishingJob[];
  /** The folded state as of `position` (exclusive), or null before the first read. */
  readonly view: State | null;
  readonly position: number;
}

/** One folded log entry, as a process reads it back. */
export interface LogEntry {
  readonly position: number;
  readonly origin: string;
  readonly token: number;
  readonly command: Command;
  readonly reply: Reduction["reply"];
  readonly events: readonly Event[];
}

export type MachineInput =
  | { readonly kind: "timer"; readonly nowUs: Micros }
  | { readonly kind: "log"; readonly nowUs: Micros; readonly position: number;
      readonly state: State; readonly entries: readonly LogEntry[] }
  | { readonly kind: "appended"; readonly nowUs: Micros; readonly token: number }
  | { readonly kind: "appendFailed"; readonly nowUs: Micros; readonly token: number }
  | { readonly kind: "jobFinished"; readonly nowUs: Micros; readonly job: string;
      readonly attempt: number; readonly outcome: JobOutcome }
  | { readonly kind: "shutdown"; readonly nowUs: Micros };

export type Effect =
  | { readonly kind: "append"; readonly token: number; readonly command: Command }
  | { readonly kind: "runJob"; readonly job: string; readonly task: string;
      readonly args: readonly Json[]; readonly holder: Holder }
  | { readonly kind: "setTimer"; readonly delayUs: Micros }
  | { readonly kind: "stopped" };

export interface Step {
  readonly local: MachineLocal;
  readonly effects: readonly Effect[];
}

export function initialLocal(config: MachineConfig): MachineLocal {
  if (config.pollIntervalUs <= 0n) throw new Error("chronoq: pollIntervalUs must be positive");
  return {
    config, phase: "joining", nextToken: 1, registered: false, activatedAtUs: null,
    lastPingSentUs: null, timerAtUs: null, pending: [], running: [], finishing: [], view: null,
    position: 0,
  };
}

/** A mutable working copy of the local state for the length of one step. */
interface Work {
  config: MachineConfig;
  phase: MachinePhase;
  nextToken: number;
  registered: boolean;
  activatedAtUs: Micros | null;
  lastPingSentUs: Micros | null;
  timerAtUs: Micros | null;
  pending: PendingAppend[];
  running: RunningJob[];
  finishing: FinishingJob[];
  view: State | null;
  position: number;
  nowUs: Micros;
  effects: Effect[];
  /** Set when the log showed work that may have become claimable (a put, a completion). */
  claimable: boolean;
}

export function step(local: MachineLocal, input: MachineInput): Step {
  if (local.phase === "stopped") return { local, effects: [] };
  const work: Work = {
    config: local.config, phase: local.phase, nextToken: local.nextToken,
    registered: local.registered, activatedAtUs: local.activatedAtUs,
    lastPingSentUs: local.lastPingSentUs, timerAtUs: local.timerAtUs,
    pending: [...local.pending],
    running: [...local.running], finishing: [...local.finishing], view: local.view,
    position: local.position, nowUs: input.nowUs, effects: [], claimable: false,
  };
  apply(work, input);
  return { local: freeze(work), effects: work.effects };
}

function apply(work: Work, input: MachineInput): void {
  switch (input.kind) {
    case "timer":
      expirePending(work);
      reconcile(work, true);
      if ((work.phase as MachinePhase) !== "stopped") armTimer(work, nextPollDelay(work));
      return;
    case "log":
      absorbLog(work, input.position, input.state, input.entries);
      reconcile(work, false);
      return wakeForDueJob(work);
    case "appended":
      work.pending = work.pending.map((p) =>
        (p.token === input.token ? { ...p, acked: true } : p));
      return;
    case "appendFailed":
      forgetAppend(work, input.token);
      return reconcile(work, false);
    case "jobFinished":
      jobFinished(work, input.job, input.attempt, input.outcome);
      sendFinishes(work);
      return reconcile(work, false);
    case "shutdown":
      work.phase = "stopping";
      return reconcile(work, false);
  }
}

/** The local state a step hands back; built field by field, which is faster than a rest. */
function freeze(work: Work): MachineLocal {
  return {
    config: work.config, phase: work.phase, nextToken: work.nextToken,
    registered: work.registered, activatedAtUs: work.activatedAtUs,
    lastPingSentUs: work.lastPingSentUs, timerAtUs: work.timerAtUs, pending: work.pending,
    running: work.running,
    finishing: work.finishing, view: work.view, position: work.position,
  };
}

function emit(work: Work, effect: Effect): void {
  work.effects.push(effect);
}

function append(work: Work, key: string, command: Command): number {
  const token = work.nextToken++;
  work.pending.push({ token, key, sentAtUs: work.nowUs, acked: false });
  emit(work, { kind: "append", token, command });
  return token;
}

function hasPending(work: Work, key: string): boolean {
  return work.pending.some((p) => p.key === key);
}

function countPending(work: Work, key: string): number {
  return work.pending.filter((p) => p.key === key).length;
}

function at(work: Work): string {
  return formatTime(work.nowUs);
}

/** Drops unacknowledged appends older than the timeout, so their work is tried again. */
function expirePending(work: Work): void {
  const timeoutUs = work.config.appendTimeoutUs;
  const expired = work.pending.filter((p) => !p.acked &&
    (work.nowUs - p.sentAtUs > timeoutUs || work.nowUs < p.sentAtUs - timeoutUs));
  for (const p of expired) forgetAppend(work, p.token);
}

function forgetAppend(work: Work, token: number): void {
  work.pending = work.pending.filter((p) => p.token !== token);
  // A finish whose append is lost must be sent again; the core rejects a duplicate.
  work.finishing = work.finishing.map((f) => (f.token === token ? { ...f, token: null } : f));
}

function jobFinished(work: Work, job: string, attempt: number, outcome: JobOutcome): void {
  const index = work.running.findIndex((r) => r.job === job && r.holder.attempt === attempt);
  if (index < 0) return;
  const [done] = work.running.splice(index, 1);
  work.finishing.push({ ...done!, outcome, token: null });
}

// ---- Reading the log back ------------------------------------------------------------------

function absorbLog(
  work: Work, position: number, state: State, entries: readonly LogEntry[],
): void {
  work.view = state;
  work.position = Math.max(work.position, position);
  // A claim that finds nothing folds without events, so this cannot feed on itself.
  if (entries.some((entry) => entry.events.length > 0)) work.claimable = true;
  for (const entry of entries) {
    if (entry.origin !== work.config.process) continue;
    work.pending = work.pending.filter((p) => p.token !== entry.token);
    absorbOwn(work, entry, state);
  }
  if (record(work) !== undefined) work.registered = true;
}

/** Learns the outcome of one of this incarnation's own appends. */
function absorbOwn(work: Work, entry: LogEntry, state: State): void {
  const command = entry.command;
  const ok = !("error" in entry.reply);
  switch (command.type) {
    case "dispatcher/register":
      work.registered = true;
      break;
    case "dispatcher/activate":
      if (ok) becomeHolder(work, (entry.reply as Reply).activated);
      break;
    case "dispatcher/ping":
      // Only a ping that reactivated the record makes this incarnation its holder again.
      if (ok && entry.events.some((e) => e.type === "dispatcher/reactivated" &&
          e.dispatcher === work.config.dispatcher)) {
        becomeHolder(work, (entry.reply as Reply).activated);
      }
      break;
    case "dispatcher/deactivate":
      if (work.phase === "stopping" && command.dispatcher === work.config.dispatcher) {
        work.phase = "stopped";
        emit(work, { kind: "stopped" });
      }
      break;
    case "job/start":
      if (ok && command.holder !== undefined) {
        startConfirmed(work, command.job, command.holder, state);
      }
      break;
    case "agent/claim": {
      // A claim with `start` hands over a running job: no separate start round.
      const reply = entry.reply as Reply;
      if (ok && reply.status === "ACTIVE" && typeof reply.job === "string") {
        startConfirmed(work, reply.job, { dispatcher: command.dispatcher, agent: command.agent,
          attempt: reply.attempt as number }, state);
      }
      break;
    }
    case "job/finish":
      work.finishing = work.finishing.filter((f) => f.token !== entry.token);
      break;
    default:
      break;
  }
}

function becomeHolder(work: Work, activated: unknown): void {
  if (typeof activated !== "bigint") return;
  work.activatedAtUs = activated;
  if (work.phase === "joining") work.phase = "running";
}

function startConfirmed(work: Work, id: string, holder: HolderRef, state: State): void {
  const job = state.jobs.get(id);
  if (job === undefined || holder.attempt === undefined) return;
  const token: Holder = { dispatcher: holder.dispatcher, agent: holder.agent,
    attempt: holder.attempt };
  work.running.push({ job: id, holder: token });
  emit(work, { kind: "runJob", job: id, task: job.task, args: job.args, holder: token });
}

// ---- Deciding what to do -------------------------------------------------------------------

function record(work: Work): Dispatcher | undefined {
  return work.view?.queues.get(work.config.queue)?.dispatchers.get(work.config.dispatcher);
}

/** True while the folded record is activated by this incarnation (ownership re-check). */
function holdsRecord(work: Work, dispatcher: Dispatcher): boolean {
  return dispatcher.activated !== null && dispatcher.activated === work.activatedAtUs;
}

function reconcile(work: Work, poll: boolean): void {
  // Lost finishes are sent again on the next poll, not at once: no storm while cut off.
  if (poll) sendFinishes(work);
  if (work.phase === "stopping") return stop(work);
  if (work.phase === "stopped") return;

  const dispatcher = record(work);
  if (!work.registered || dispatcher === undefined) {
    if (poll && !work.registered && !hasPending(work, "register")) register(work);
    return;
  }
  // Joining and installing agents go on as soon as the log shows the last step landed (a
  // fold with events), not a poll later; a refused command folds without events.
  const moved = poll || work.claimable;
  if (work.phase === "joining") {
    if (moved) join(work, dispatcher);
    return;
  }

  // Another process activated the record after us (a twin, or our restart): step back.
  if (dispatcher.activated !== null && !holdsRecord(work, dispatcher)) {
    work.phase = "joining";
    work.activatedAtUs = null;
    return;
  }
  if (moved) installAgents(work, dispatcher);
  if (poll) maybePing(work, dispatcher);
  // Claims follow the log as well as the poll, so a job put now is not left for a poll.
  if (moved) claim(work, dispatcher);
  startAssigned(work, dispatcher);
}

function register(work: Work): void {
  const { queue, dispatcher, pingIntervalUs, deathIntervalUs } = work.config;
  append(work, "register", { type: "dispatcher/register", at: at(work), queue, dispatcher,
    pingInterval: `${pingIntervalUs}us`, deathInterval: `${deathIntervalUs}us` });
}

/** Activates, waits while a live process holds the record, or deactivates a dead self first. */
function join(work: Work, dispatcher: Dispatcher): void {
  if (hasPending(work, "activate") || hasPending(work, "deactivate")) return;
  const { queue } = work.config;
  const command = { at: at(work), queue, dispatcher: dispatcher.uuid };
  if (dispatcher.activated === null) {
    append(work, "activate", { type: "dispatcher/activate", ...command });
  } else if (isDead(dispatcher, work.nowUs)) {
    // Only if it is still dead when folded: its holder may have pinged in the meantime.
    append(work, "deactivate", { type: "dispatcher/deactivate", ...command, ifDead: true });
  }
  // Otherwise another live process holds the record: wait for the next poll.
}

function installAgents(work: Work, dispatcher: Dispatcher): void {
  for (const plan of work.config.agents) {
    const key = `agent:${plan.name}`;
    if (dispatcher.agents.some((a) => a.name === plan.name) || hasPending(work, key)) continue;
    append(work, key, { type: "agent/add", at: at(work), queue: work.config.queue,
      dispatcher: dispatcher.uuid, agent: plan.name, size: plan.size,
      ...(plan.filter === undefined || plan.filter === null ? {} : { filter: plan.filter }) });
  }
}

function maybePing(work: Work, dispatcher: Dispatcher): void {
  const last = work.lastPingSentUs;
  // A clock that went backwards makes the ping due at once rather than an interval late.
  const due = last === null || work.nowUs < last ||
    work.nowUs - last >= work.config.pingIntervalUs || dispatcher.activated === null;
  if (!due || hasPending(work, "ping")) return;
  work.lastPingSentUs = work.nowUs;
  append(work, "ping", { type: "dispatcher/ping", at: at(work), queue: work.config.queue,
    dispatcher: dispatcher.uuid });
  if (work.config.canaryReapEarly === true) reapEarly(work);
}

/** The canary's planted bug: deactivates siblings that are one ping interval from death. */
function reapEarly(work: Work): void {
  const dispatchers = work.view?.queues.get(work.config.queue)?.dispatchers;
  if (dispatchers === undefined) return;
  for (const [uuid, sibling] of dispatchers.entries()) {
    if (uuid === work.config.dispatcher || sibling.activated === null) continue;
    const early = { ...sibling, deathIntervalUs: sibling.deathIntervalUs -
      sibling.pingIntervalUs };
    if (!isDead(early, work.nowUs) || hasPending(work, `reap:${uuid}`)) continue;
    append(work, `reap:${uuid}`, { type: "dispatcher/deactivate", at: at(work),
      queue: work.config.queue, dispatcher: uuid });
  }
}

/** Fills each agent's free slots, but only while the folded queue has due jobs to hand out. */
function claim(work: Work, dispatcher: Dispatcher): void {
  if (dispatcher.activated === null || work.view === null) return;
  const queue = work.view.queues.get(work.config.queue);
  if (queue === undefined || !hasDueJob(queue, work.nowUs)) return;

  // Each agent claims only what the folded state says its own filter and quotas would find,
  // counting what the agents before it (and claims still in flight) take first.
  const agents = dispatcher.agents.filter((agent) =>
    work.config.agents.some((plan) => plan.name === agent.name));
  const inFlight = agents.map((agent) => countPending(work, `claim:${agent.name}`));
  const found = previewClaims(work.view, work.config.queue, agents.map((agent) => ({
    filter: agent.filter, count: Math.max(0, agent.size - agent.jobs.length),
  })), work.nowUs);
  agents.forEach((agent, i) => {
    for (let n = inFlight[i]!; n < found[i]!; n++) {
      append(work, `claim:${agent.name}`, { type: "agent/claim", at: at(work),
        queue: work.config.queue, dispatcher: dispatcher.uuid, agent: agent.name, start: true });
    }
  });
}

/** Starts every job assigned to our agents that nobody here runs yet; re-checks ownership. */
function startAssigned(work: Work, dispatcher: Dispatcher): void {
  if (!holdsRecord(work, dispatcher) || work.view === null) return;
  for (const agent of dispatcher.agents) {
    for (const id of agent.jobs) {
      const job = work.view.jobs.get(id);
      if (job === undefined || !startable(work, job)) continue;
      const holder = job.holder!;
      const command = { at: at(work), job: id, holder: { dispatcher: holder.dispatcher,
        agent: holder.agent, attempt: holder.attempt } };
      if (pastDeadline(job, work.nowUs)) {
        // A job past its deadline is never started: it is failed instead.
        append(work, `start:${id}`, { type: "job/fail", ...command, error: "AbortedError",
          message: "the deadline passed before the job started" });
      } else if (isSystemTask(job.task)) {
        append(work, `start:${id}`, { type: "job/run", ...command });
      } else {
        append(work, `start:${id}`, { type: "job/start", ...command });
      }
    }
  }
}

// TODO: an ACTIVE job in our agents that no process here runs (a twin started it, then died
// without being reaped) stays there until the record is reaped; the machine does not yet
// recycle its own record to reap such orphans.
/** Whether any job of the queue is due now: the cheap test before previewing claims. */
function hasDueJob(queue: Queue, nowUs: Micros): boolean {
  if (queue.putback.size + queue.fifo.size > 0) return true;
  const first = queue.held.minKey();
  return first !== undefined && first.beginAfter <= nowUs;
}

/**
 * The next poll comes after the poll interval, or sooner when a held job falls due or a
 * ping is due (pings are sent by polls, so a poll interval above the ping interval would
 * otherwise stretch it, and with it how soon a dead sibling is noticed).
 */
function nextPollDelay(work: Work): Micros {
  let delay = work.config.pollIntervalUs;
  const nextDue = nextHeldDue(work);
  if (nextDue !== undefined && nextDue - work.nowUs < delay) delay = nextDue - work.nowUs;
  const lastPing = work.lastPingSentUs;
  if (lastPing !== null && lastPing <= work.nowUs) {
    const untilPing = lastPing + work.config.pingIntervalUs - work.nowUs;
    if (untilPing > 0n && untilPing < delay) delay = untilPing;
  }
  return delay;
}

/** The earliest time after now at which a held job falls due. */
function nextHeldDue(work: Work): Micros | undefined {
  const held = work.view?.queues.get(work.config.queue)?.held;
  const after = held?.nextHigherPair({ beginAfter: work.nowUs, seq: Number.MAX_SAFE_INTEGER });
  return after?.[0].beginAfter;
}

function armTimer(work: Work, delayUs: Micros): void {
  work.timerAtUs = work.nowUs + delayUs;
  emit(work, { kind: "setTimer", delayUs });
}

/** A job put for later, due before the armed timer, moves the timer forward. */
function wakeForDueJob(work: Work): void {
  if (work.phase !== "running" || work.timerAtUs === null) return;
  const nextDue = nextHeldDue(work);
  if (nextDue !== undefined && nextDue < work.timerAtUs) armTimer(work, nextDue - work.nowUs);
}

function startable(work: Work, job: Job): boolean {
  if (job.phase !== "NEW" || job.holder === null) return false;
  if (job.holder.dispatcher !== work.config.dispatcher) return false;
  if (job.notBefore !== null && job.notBefore > work.nowUs) return false;
  if (hasPending(work, `start:${job.id}`)) return false;
  return !work.running.some((r) => r.job === job.id) &&
    !work.finishing.some((f) => f.job === job.id);
}

function pastDeadline(job: Job, nowUs: Micros): boolean {
  if (job.beginBy === null || job.beginAfter === null || isSystemTask(job.task)) return false;
  return job.beginAfter + job.beginBy < nowUs;
}

function sendFinishes(work: Work): void {
  work.finishing = work.finishing.map((f) => {
    if (f.token !== null) return f;
    const outcome = f.outcome.ok ? { result: f.outcome.value }
      : { error: f.outcome.error, message: f.outcome.message };
    const token = append(work, `finish:${f.job}`, { type: "job/finish", at: at(work), job: f.job,
      holder: f.holder, ...outcome });
    return { ...f, token };
  });
}

/** Clean shutdown: no new work; once our jobs are reported, deactivate (which reaps). */
function stop(work: Work): void {
  if (work.running.length > 0 || work.finishing.length > 0) return;
  // A claim in flight may start a job: wait to learn of it, then let it finish.
  if (work.pending.some((p) => p.key.startsWith("start:") || p.key.startsWith("claim:"))) {
    return;
  }
  const dispatcher = record(work);
  if (dispatcher === undefined || !holdsRecord(work, dispatcher)) {
    work.phase = "stopped";
    emit(work, { kind: "stopped" });
    return;
  }
  if (hasPending(work, "deactivate")) return;
  append(work, "deactivate", { type: "dispatcher/deactivate", at: at(work),
    queue: work.config.queue, dispatcher: dispatcher.uuid });
}
