// Runs a script scenario against one queue state: each step becomes a core command stamped
// with the script's virtual clock (or a query of the state), its reply is put in the contract's
// JSON form, and the step's expectation is matched against it. The runner holds no queue
// logic; it only translates. Asked to, it also writes a trace in the simulator's JSON-lines
// shape (a `run` header, each step with its virtual time, reply and events, a verdict), so a
// script run can be replayed and reported like a simulated one.

import {
  checkTimeRange, describeAgent, describeDispatcher, describeJob, describeQuota, formatTime,
  initialState, listQueue, parseDuration, parseTime, presentReply, reduce, Rejection, stateDigest,
  type Command, type Event, type Micros, type State,
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
  /** The run as JSON lines, when asked for with `{ trace: true }`. */
  readonly trace?: string;
}

export interface ScriptRunOptions {
  readonly trace?: boolean;
}

/** What the runner keeps between steps: the state, the clock, and unread events. */
interface Session {
  state: State;
  now: Micros;
  pendingEvents: Event[];
  /** The command the current step folded, if it was one (for the trace). */
  folded: { command: Command; events: readonly Event[] } | null;
}

export function runScript(script: Script, options: ScriptRunOptions = {}): ScriptResult {
  const queues = script.queues ?? { "": {} };
  const session: Session = {
    state: initialState(queues),
    now: parseTime(script.start, "start"),
    pendingEvents: [],
    folded: null,
  };
  const trace = options.trace === true ? new ScriptTrace(script, session.now, queues) : null;
  const steps = script.steps.map((step, index) => {
    session.folded = null;
    const reply = presentReply(runStep(session, step));
    const ok = stepHolds(step, reply);
    trace?.step(index, step, session, reply, ok);
    return { index, do: step.do, ok, reply, expect: step.expect, note: step.note };
  });
  const passed = steps.filter((step) => step.ok).length;
  const result = { scenario: script.name, file: script.file, passed,
    failed: steps.length - passed, steps };
  return trace === null ? result : { ...result, trace: trace.finish(result, session.state) };
}

/** The JSON lines of one script run; `t` is microseconds since the script's start. */
class ScriptTrace {
  private readonly lines: string[] = [];
  private position = 0;

  constructor(script: Script, private readonly startUs: Micros, queues: object) {
    this.lines.push(JSON.stringify({ line: "run", seed: null, script: { name: script.name,
      file: script.file, description: script.description ?? "", start: script.start,
      startUs: Number(startUs), steps: script.steps.length }, queues }));
  }

  step(index: number, step: ScriptStep, session: Session, reply: unknown, ok: boolean): void {
    const t = Number(session.now - this.startUs);
    // The expectation is kept only where it failed: that is where a reader needs it.
    const expect = ok ? {} : { expect: step.expect ?? "success" };
    const folded = session.folded;
    this.lines.push(JSON.stringify(folded === null
      ? { t, step: index, do: step.do, reply, ok, ...expect }
      : { t, pos: this.position++, origin: "script", step: index, command: folded.command,
        reply, events: folded.events, ok, ...expect }));
  }

  finish(result: Omit<ScriptResult, "trace">, state: State): string {
    this.lines.push(JSON.stringify({ line: "verdict", kind: result.failed === 0 ? "pass" : "fail",
      seed: null, scenario: result.scenario, passed: result.passed, failed: result.failed,
      folded: this.position, digest: stateDigest(state) }));
    return this.lines.join("\n") + "\n";
  }
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
      session.now = checkTimeRange(session.now + parseDuration(step.by, "by"), "by");
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
  return { events: prefix === undefined ? events
    : events.filter((event) => event.type.startsWith(prefix)) };
}

function command(session: Session, step: ScriptStep): unknown {
  const folded = toCommand(step, formatTime(session.now));
  const result = reduce(session.state, folded);
  session.state = result.state;
  session.pendingEvents.push(...result.events);
  session.folded = { command: folded, events: result.events };
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
