// Shared helpers for the core tests: time arithmetic in microseconds (written here, so the
// tests do not lean on the core's own time code), and a harness that folds commands one at a
// time, checks the invariants after every step, and asserts that a rejected command leaves
// the state untouched and emits nothing.

import { expect } from "vitest";

import {
  checkInvariants, describeAgent, describeDispatcher, describeJob, describeQuota, listQueue,
  initialState, reduce, type Command, type Event, type QueueOptionsInput, type Reduction,
  type State,
} from "../../core/index.js";

export const US = 1n;
export const MS = 1000n;
export const SECOND = 1_000_000n;
export const MINUTE = 60n * SECOND;
export const HOUR = 60n * MINUTE;
export const DAY = 24n * HOUR;

/** The frozen clock of the reference doctests. */
export const T0_TEXT = "2006-08-10T15:44:22.000211Z";

const TEXT_PATTERN = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)$/;

/** Microseconds since the epoch of ISO text with an offset. */
export function toMicros(text: string): bigint {
  const match = TEXT_PATTERN.exec(text);
  if (match === null) throw new Error(`test helper: cannot read time '${text}'`);
  const [, clock, fraction, offset] = match;
  const millis = Date.parse(`${clock}${offset}`);
  return BigInt(millis) * MS + BigInt((fraction ?? "").padEnd(6, "0"));
}

/** ISO text (UTC, six decimals) of microseconds since the epoch. */
export function iso(us: bigint): string {
  let seconds = us / SECOND;
  let fraction = us % SECOND;
  if (fraction < 0n) {
    fraction += SECOND;
    seconds -= 1n;
  }
  const clock = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${clock}.${fraction.toString().padStart(6, "0")}Z`;
}

export const T0 = toMicros(T0_TEXT);

/** A clock time on the doctests' date, e.g. `onT0Day("16:30:00")`. */
export function onT0Day(clock: string): bigint {
  return toMicros(`2006-08-10T${clock}Z`);
}

/** A command as a test writes it: `at` defaults to the harness clock. */
export type Input = Command extends infer C
  ? C extends Command ? Omit<C, "at"> & { readonly at?: string } : never
  : never;

type Reply = { readonly [key: string]: unknown };

/** The optional fields of a put, for the `put` shorthand. */
export type PutExtra = Partial<Omit<Extract<Input, { type: "job/put" }>, "type" | "job">>;

/**
 * Folds commands into a state. `ok` asserts success, `reject` asserts an error code and an
 * untouched state; both check every invariant of the resulting state.
 */
export class Harness {
  state: State;
  now: bigint;
  /** Every event emitted so far, in order. */
  readonly events: Event[] = [];
  /** The events of the last step only. */
  lastEvents: readonly Event[] = [];

  constructor(queues?: { readonly [name: string]: QueueOptionsInput }, start: bigint = T0) {
    this.state = initialState(queues);
    this.now = start;
  }

  setNow(at: bigint): this {
    this.now = at;
    return this;
  }

  advance(by: bigint): this {
    this.now += by;
    return this;
  }

  /** Reduces one command, checks the invariants, and returns the raw reduction. */
  step(input: Input): Reduction {
    const command = { at: iso(this.now), ...input } as Command;
    const before = this.state;
    const reduction = reduce(before, command);
    expectNoViolations(reduction.state, command);
    this.state = reduction.state;
    this.lastEvents = reduction.events;
    this.events.push(...reduction.events);
    return reduction;
  }

  ok(input: Input): Reply {
    const reduction = this.step(input);
    if ("error" in reduction.reply) {
      const { code, message } = reduction.reply.error as { code: string; message: string };
      throw new Error(`${input.type} was rejected (${code}): ${message}`);
    }
    return reduction.reply as Reply;
  }

  reject(input: Input, code: string): Reply {
    const before = this.state;
    const reduction = this.step(input);
    expect(reduction.reply, `${input.type} should be rejected`).toHaveProperty("error");
    expect((reduction.reply as { error: { code: string } }).error.code).toBe(code);
    expect(reduction.state).toBe(before);
    expect(reduction.events).toEqual([]);
    return reduction.reply as Reply;
  }

  /** Event types of the last step, optionally those starting with a prefix. */
  eventTypes(prefix = ""): string[] {
    return this.lastEvents.map((event) => event.type).filter((type) => type.startsWith(prefix));
  }

  list(queue = ""): string[] {
    return listQueue(this.state, queue).jobs as string[];
  }

  job(id: string): Reply {
    return describeJob(this.state, id);
  }

  status(id: string): string {
    return describeJob(this.state, id).status as string;
  }

  members(quota: string, queue = ""): string[] {
    return describeQuota(this.state, queue, quota).members as string[];
  }

  dispatcher(uuid: string, queue = ""): Reply {
    return describeDispatcher(this.state, queue, uuid, this.now);
  }

  agent(uuid: string, name: string, queue = ""): { jobs: string[]; completed: string[] } {
    return describeAgent(this.state, queue, uuid, name) as { jobs: string[];
      completed: string[] };
  }

  isKnown(id: string): boolean {
    return this.state.jobs.has(id);
  }

  // Shorthands for the commands most tests need.

  put(job: string, extra: PutExtra = {}): Reply {
    return this.ok({ type: "job/put", job, task: "value", ...extra });
  }

  claim(filter?: unknown): string | null {
    return this.ok({ type: "queue/claim", filter }).job as string | null;
  }

  /** Registers, adds the agents, and activates a dispatcher. */
  dispatcherWithAgents(uuid: string, agents: { [name: string]: number } = { main: 3 }): void {
    this.ok({ type: "dispatcher/register", dispatcher: uuid });
    for (const [agent, size] of Object.entries(agents)) {
      this.ok({ type: "agent/add", dispatcher: uuid, agent, size });
    }
    this.ok({ type: "dispatcher/activate", dispatcher: uuid });
  }

  agentClaim(dispatcher: string, agent = "main"): string | null {
    return this.ok({ type: "agent/claim", dispatcher, agent }).job as string | null;
  }
}

export function expectNoViolations(state: State, command: Command): void {
  const violations = checkInvariants(state);
  expect(violations, `invariants after ${JSON.stringify(command)}`).toEqual([]);
}
