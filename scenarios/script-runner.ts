// Runs a script scenario against one queue state: each step becomes a core command stamped
// with the script's virtual clock (or a query of the state), its reply is put in the contract's
// JSON form, and the step's expectation is matched against it. The runner holds no queue
// logic; it only translates.

import {
  describeAgent, describeDispatcher, describeJob, describeQuota, formatTime, initialState,
  listQueue, parseDuration, parseTime, presentReply, reduce, Rejection, type Command,
  type Event, type Micros, type State,
} from "../core/index.js";
import { matchesExpectation } from "./expectations.js";
import type { Script, ScriptStep } from "./script-format.js";

export interface StepResult {
  readonly index: number;
  readonly do: string;
  readonly ok: boolean;
  readonly reply: unknown;
  readonly expect?: unknown;
  readonly note?: string;
}

export interface ScriptResult {
  readonly scenario: string;
  readonly file: string;
  readonly passed: number;
  readonly failed: number;
  readonly steps: readonly StepResult[];
}

/** What the runner keeps between steps: the state, the clock, and unread events. */
interface Session {
  state: State;
  now: Micros;
  pendingEvents: Event[];
}

export function runScript(script: Script): ScriptResult {
  const session: Session = {
    state: initialState(script.queues ?? { "": {} }),
    now: parseTime(script.start, "start"),
    pendingEvents: [],
  };
  const steps = script.steps.map((step, index) => {
    const reply = presentReply(runStep(session, step));
    const ok = stepHolds(step, reply);
    return { index, do: step.do, ok, reply, expect: step.expect, note: step.note };
  });
  const passed = steps.filter((step) => step.ok).length;
  return { scenario: script.name, file: script.file, passed, failed: steps.length - passed,
    steps };
}

function stepHolds(step: ScriptStep, reply: unknown): boolean {
  const isError = typeof reply === "object" && reply !== null && "error" in reply;
  if (step.expect === undefined) return !isError;
  const expectsError = "error" in (step.expect as object);
  if (isError !== expectsError) return false;
  return matchesExpectation(step.expect, reply);
}

function runStep(session: Session, step: ScriptStep): unknown {
  try {
    return query(session, step) ?? command(session, step);
  } catch (error) {
    if (error instanceof Rejection) return error.toReply();
    throw error;
  }
}

/** Steps that read the state or move the clock; undefined for steps that are commands. */
function query(session: Session, step: ScriptStep): unknown {
  const queue = step.queue ?? "";
  const { state } = session;
  switch (step.do) {
    case "setNow":
      session.now = parseTime(step.to, "to");
      return { now: formatTime(session.now) };
    case "advance":
      session.now += parseDuration(step.by, "by");
      return { now: formatTime(session.now) };
    case "list":
      return listQueue(state, queue);
    case "job":
      return describeJob(state, String(step.job));
    case "quota":
      return describeQuota(state, queue, String(step.name));
    case "dispatcher":
      return describeDispatcher(state, queue, String(step.dispatcher), session.now);
    case "agent":
      return describeAgent(state, queue, String(step.dispatcher), String(step.agent));
    case "events":
      return takeEvents(session, step.prefix);
    default:
      return undefined;
  }
}

function takeEvents(session: Session, prefix: unknown): unknown {
  if (prefix !== undefined && typeof prefix !== "string") {
    throw new Rejection("invalid-argument", "prefix: expected a string");
  }
  const events = session.pendingEvents;
  session.pendingEvents = [];
  return { events: prefix === undefined ? events : events.filter((e) => e.type.startsWith(prefix)) };
}

function command(session: Session, step: ScriptStep): unknown {
  const result = reduce(session.state, toCommand(step, formatTime(session.now)));
  session.state = result.state;
  session.pendingEvents.push(...result.events);
  return result.reply;
}

/** Translates a script step into the core command it stands for. */
export function toCommand(step: ScriptStep, at: string): Command {
  const queue = step.queue ?? "";
  const holder = step.dispatcher !== undefined && step.agent !== undefined
    ? { dispatcher: String(step.dispatcher), agent: String(step.agent) } : undefined;
  const job = step.job as string;
  switch (step.do) {
    case "put":
      return { type: "job/put", at, queue, job, task: step.task as string,
        args: step.args as never, beginAfter: step.beginAfter, beginBy: step.beginBy,
        quotaNames: step.quotaNames };
    case "pull":
      return { type: "queue/pull", at, queue, index: step.index as number };
    case "remove":
      return { type: "queue/remove", at, queue, job };
    case "claim":
      return { type: "queue/claim", at, queue, filter: step.filter };
    case "setQuotaNames":
      return { type: "job/setQuotaNames", at, job, quotaNames: step.quotaNames };
    case "setBeginBy":
      return { type: "job/setBeginBy", at, job, beginBy: step.beginBy };
    case "createQuota":
      return { type: "quota/create", at, queue, name: step.name as string,
        size: step.size as number };
    case "setQuotaSize":
      return { type: "quota/resize", at, queue, name: step.name as string,
        size: step.size as number };
    case "removeQuota":
      return { type: "quota/remove", at, queue, name: step.name as string };
    case "register":
      return { type: "dispatcher/register", at, queue, dispatcher: step.dispatcher as string,
        pingInterval: step.pingInterval as string, deathInterval: step.deathInterval as string };
    case "unregister":
    case "activate":
    case "deactivate":
    case "ping":
      return { type: `dispatcher/${step.do}`, at, queue, dispatcher: step.dispatcher as string };
    case "addAgent":
      return { type: "agent/add", at, queue, dispatcher: step.dispatcher as string,
        agent: step.agent as string, size: step.size as number, filter: step.filter,
        retention: step.retention as string };
    case "removeAgent":
      return { type: "agent/remove", at, queue, dispatcher: step.dispatcher as string,
        agent: step.agent as string };
    case "agentClaim":
      return { type: "agent/claim", at, queue, dispatcher: step.dispatcher as string,
        agent: step.agent as string };
    case "start":
    case "run":
      return { type: `job/${step.do}`, at, job, holder };
    case "finish":
      return { type: "job/finish", at, job, holder, result: step.result as never,
        error: step.error as string, message: step.message as string,
        callbacks: step.callbacks as "run", returnJob: step.returnJob as never };
    case "fail":
      return { type: "job/fail", at, job, holder, error: step.error as string,
        message: step.message as string };
    case "addCallback":
      return { type: "job/addCallback", at, job, callback: step.callback as string,
        task: step.task as string, args: step.args as never, on: step.on as string };
    default:
      throw new Rejection("invalid-argument", `unknown operation '${step.do}'`);
  }
}
