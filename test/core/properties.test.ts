// Property tests: random command sequences, with command times that jump forwards and
// backwards, are folded by the reducers and by the naive model in model.ts side by side.
// After every step the replies, error codes, queue order, job statuses, quota members,
// dispatcher records, agents and dispatcher events must agree, a rejected command must
// return the very same state, the old state must not change, and every invariant must hold.
// At the end, folding the same commands as one batch (foldCommands) must agree too.

import fc from "fast-check";
import { describe, expect, test } from "vitest";

import {
  checkInvariants, describeAgent, describeDispatcher, describeJob, describeQuota, foldCommands,
  initialState, listQueue, reduce, type Command, type State,
} from "../../core/index.js";
import { HOUR, MINUTE, SECOND, T0, iso, type Input } from "./helpers.js";
import { QueueModel, type HolderToken, type ModelJob } from "./model.js";

// Arbitraries of operations. Ids are resolved against the model when a step runs, so a
// shrunk sequence still names jobs that exist.

const FILTERS = {
  none: { data: undefined, accepts: null },
  value: { data: { task: "value" }, accepts: (task: string) => task === "value" },
  addOrFail: { data: { taskIn: ["add", "sys.fail"] },
    accepts: (task: string) => task === "add" || task === "sys.fail" },
  notValue: { data: { taskNotIn: ["value"] }, accepts: (task: string) => task !== "value" },
} as const;
type FilterName = keyof typeof FILTERS;

const DEADLINES: { readonly [text: string]: bigint } = {
  "0s": 0n, "1m": MINUTE, "10m": 10n * MINUTE, "1h": HOUR,
};

type HolderChoice = "none" | "current" | "stale" | "other";
/** Which jobs a job operation picks from: all, the unfinished, or those agents hold. */
type JobChoice = "any" | "unfinished" | "held";

type Op =
  | { kind: "put"; fresh: boolean; again: "any" | "detached"; pick: number;
      task: "value" | "add"; after: bigint | null; beginBy: string | null | undefined;
      quotas: string[] }
  | { kind: "pull"; index: number }
  | { kind: "remove"; pick: number }
  | { kind: "claim"; filter: FilterName }
  | { kind: "quota/create" | "quota/resize"; name: string; size: number }
  | { kind: "quota/remove"; name: string }
  | { kind: "dispatcher"; verb: "register" | "activate" | "deactivate" | "ping" | "unregister";
      uuid: string }
  | { kind: "agent/add"; uuid: string; agent: string; size: number; filter: FilterName }
  | { kind: "agent/remove" | "agent/claim"; uuid: string; agent: string }
  | { kind: "job"; verb: "start" | "finish" | "run" | "fail"; pick: number; among: JobChoice;
      holder: HolderChoice };

interface Step {
  readonly dt: bigint;
  readonly op: Op;
}

const filterArb = fc.constantFrom<FilterName>("none", "none", "value", "addOrFail", "notValue");
const uuidArb = fc.constantFrom("u1", "u2", "u3");
const agentArb = fc.constantFrom("a1", "a2");
const quotaArb = fc.constantFrom("q1", "q2");
const pickArb = fc.nat(50);

function putArb(withQuotas: boolean): fc.Arbitrary<Op> {
  return fc.record({
    kind: fc.constant("put" as const),
    fresh: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, fc.constant(false)),
    again: fc.constantFrom("any" as const, "detached" as const),
    pick: pickArb,
    task: fc.constantFrom("value" as const, "add" as const),
    after: fc.option(fc.oneof(seconds(-3600, 3600),
      fc.constantFrom(-MINUTE, -SECOND, 0n, SECOND, 10n * SECOND, MINUTE, HOUR)),
    { nil: null, freq: 2 }),
    beginBy: fc.constantFrom(undefined, undefined, null, "0s", "1m", "10m", "1h"),
    quotas: withQuotas ? fc.subarray(["q1", "q2"]) : fc.constant([]),
  });
}

/** Puts a job claimed without an agent back, due now: a member may pass its full quota. */
const reputArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant("put" as const), fresh: fc.constant(false),
  again: fc.constant("detached" as const), pick: pickArb, task: fc.constant("value" as const),
  after: fc.constant(null), beginBy: fc.constant(undefined), quotas: fc.constant([]),
});

function queueOps(withQuotas: boolean): fc.Arbitrary<Op>[] {
  return [
    putArb(withQuotas), putArb(withQuotas), putArb(withQuotas),
    fc.record({ kind: fc.constant("pull" as const), index: fc.integer({ min: -2, max: 2 }) }),
    fc.record({ kind: fc.constant("remove" as const), pick: pickArb }),
    fc.record({ kind: fc.constant("claim" as const), filter: filterArb }),
    fc.record({ kind: fc.constant("claim" as const), filter: filterArb }),
  ];
}

const quotaOps: fc.Arbitrary<Op>[] = [
  fc.record({ kind: fc.constantFrom("quota/create" as const, "quota/resize" as const),
    name: quotaArb, size: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant("quota/remove" as const), name: quotaArb }),
];

function jobOp(holder: fc.Arbitrary<HolderChoice>): fc.Arbitrary<Op> {
  return fc.record({ kind: fc.constant("job" as const),
    verb: fc.constantFrom("start" as const, "finish" as const, "run" as const, "fail" as const),
    pick: pickArb, among: fc.constantFrom<JobChoice>("any", "unfinished", "held", "held"),
    holder });
}

const pingArb: fc.Arbitrary<Op> = fc.record({ kind: fc.constant("dispatcher" as const),
  verb: fc.constant("ping" as const), uuid: uuidArb });

const dispatcherOps: fc.Arbitrary<Op>[] = [
  fc.record({ kind: fc.constant("dispatcher" as const),
    verb: fc.constantFrom("register" as const, "activate" as const, "deactivate" as const,
      "unregister" as const), uuid: uuidArb }),
  pingArb, pingArb,
  fc.record({ kind: fc.constant("agent/add" as const), uuid: uuidArb, agent: agentArb,
    size: fc.integer({ min: 1, max: 3 }), filter: filterArb }),
  fc.record({ kind: fc.constant("agent/claim" as const), uuid: uuidArb, agent: agentArb }),
  fc.record({ kind: fc.constant("agent/claim" as const), uuid: uuidArb, agent: agentArb }),
  fc.record({ kind: fc.constant("agent/remove" as const), uuid: uuidArb, agent: agentArb }),
];

/** Whole seconds in a range: times that collide often, so that ties get tested. */
function seconds(min: number, max: number): fc.Arbitrary<bigint> {
  return fc.integer({ min, max }).map((n) => BigInt(n) * SECOND);
}

/** Time steps: mostly small and forwards, often backwards, with the rule boundaries. */
function dtArb(largeWeight: number, boundaryWeight: number): fc.Arbitrary<bigint> {
  return fc.oneof(
    { weight: 4, arbitrary: seconds(-5, 20) },
    { weight: boundaryWeight, arbitrary: fc.constantFrom(0n, 1n, -1n, 30n * SECOND,
      60n * SECOND, 60n * SECOND + 1n, -30n * SECOND) },
    { weight: largeWeight, arbitrary: seconds(-600, 1200) },
    { weight: 1, arbitrary: fc.constantFrom(HOUR, HOUR + 1n, -HOUR) },
  );
}

function stepsArb(ops: fc.Arbitrary<Op>[], maxLength: number,
  time: { large: number; boundary: number } = { large: 2, boundary: 3 }): fc.Arbitrary<Step[]> {
  return fc.array(fc.record({ dt: dtArb(time.large, time.boundary), op: fc.oneof(...ops) }),
    { minLength: 1, maxLength, size: "max" });
}

/** Steps at the start time that every run of a property begins with. */
function setup(...ops: Op[]): Step[] {
  return ops.map((op) => ({ dt: 0n, op }));
}

const QUOTA_SETUP = setup(
  { kind: "quota/create", name: "q1", size: 1 },
  { kind: "quota/create", name: "q2", size: 2 },
);

const DISPATCHER_SETUP = setup(...["u1", "u2", "u3"].flatMap((uuid): Op[] => [
  { kind: "dispatcher", verb: "register", uuid },
  { kind: "agent/add", uuid, agent: "a1", size: 2, filter: "none" },
  { kind: "dispatcher", verb: "activate", uuid },
]), { kind: "agent/add", uuid: "u1", agent: "a2", size: 1, filter: "addOrFail" });

// Resolving an operation into a command for the core and the same operation on the model.

interface Resolved {
  readonly command: Input;
  readonly model: () => Record<string, unknown>;
  /** Whether the core's reply must equal the model's exactly, or only contain it. */
  readonly exact: boolean;
}

/** A known job among those of the kind chosen, or among all when there is none such. */
function pickJob(model: QueueModel, pick: number, among: JobChoice | "detached" = "any"):
  string | undefined {
  const ids = [...model.jobs.keys()].sort();
  const wanted = ids.filter((id) => {
    const job = model.job(id);
    switch (among) {
      case "any": return true;
      case "unfinished": return job.phase !== "COMPLETED";
      case "held": return job.place.kind === "agent";
      case "detached": return job.phase === "NEW" && job.place.kind === "detached";
    }
  });
  const candidates = wanted.length === 0 ? ids : wanted;
  return candidates.length === 0 ? undefined : candidates[pick % candidates.length];
}

function claimReply(job: ModelJob | null): Record<string, unknown> {
  if (job === null) return { job: null };
  return job.wraps === undefined ? { job: job.id, task: job.task }
    : { job: job.id, task: job.task, wraps: job.wraps };
}

function holderFor(model: QueueModel, id: string, choice: HolderChoice): HolderToken | undefined {
  const holder = model.job(id).holder;
  switch (choice) {
    case "none": return undefined;
    case "current": return holder ?? { dispatcher: "u1", agent: "a1" };
    case "stale": return holder === null ? { dispatcher: "u2", agent: "a1", attempt: 1 }
      : { ...holder, attempt: holder.attempt - 1 };
    case "other": return { dispatcher: "u3", agent: "a2" };
  }
}

/**
 * Whether removing a dispatcher (or one of its agents) would forget a completed wrapper that
 * still owns the job it wraps (it was failed or finished instead of run). That is a known
 * core bug, covered by agents.test.ts; the properties leave such removals out.
 */
function forgetsAnOwner(model: QueueModel, uuid: string, agentName?: string): boolean {
  const record = model.dispatchers.get(uuid);
  if (record === undefined) return false;
  return [...record.agents].some(([name, agent]) =>
    (agentName === undefined || name === agentName) && agent.completed.some(({ id }) => {
      const wraps = model.job(id).wraps;
      const place = wraps === undefined ? undefined : model.jobs.get(wraps)?.place;
      return place !== undefined && (place.kind === "owned" || place.kind === "awaitingFail") &&
        place.by === id;
    }));
}

function resolve(op: Op, model: QueueModel, now: bigint, newId: () => string):
  Resolved | undefined {
  switch (op.kind) {
    case "put": {
      const existing = op.fresh ? undefined : pickJob(model, op.pick, op.again);
      const id = existing ?? newId();
      const beginAfter = op.after === null ? undefined : now + op.after;
      const beginBy = op.beginBy === undefined ? undefined
        : op.beginBy === null ? null : DEADLINES[op.beginBy]!;
      // Only new jobs get quota names here; renaming is covered by quotas.test.ts.
      const quotaNames = existing === undefined ? op.quotas : undefined;
      const task = existing === undefined ? op.task : undefined;
      const args = op.task === "add" ? [1, 2] : [id];
      return {
        command: { type: "job/put", job: id, task,
          args: existing === undefined ? args : undefined,
          beginAfter: beginAfter === undefined ? undefined : iso(beginAfter),
          beginBy: op.beginBy, quotaNames },
        model: () => model.put(id, { task, args, beginAfter, beginBy, quotaNames }),
        exact: true,
      };
    }
    case "pull":
      return { command: { type: "queue/pull", index: op.index },
        model: () => model.pull(op.index), exact: true };
    case "remove": {
      const id = pickJob(model, op.pick);
      if (id === undefined) return undefined;
      return { command: { type: "queue/remove", job: id }, model: () => model.remove(id),
        exact: true };
    }
    case "claim": {
      const filter = FILTERS[op.filter];
      return { command: { type: "queue/claim", filter: filter.data },
        model: () => claimReply(model.claim(filter.accepts, null)), exact: true };
    }
    case "quota/create":
      return { command: { type: "quota/create", name: op.name, size: op.size },
        model: () => model.createQuota(op.name, op.size), exact: true };
    case "quota/resize":
      return { command: { type: "quota/resize", name: op.name, size: op.size },
        model: () => model.resizeQuota(op.name, op.size), exact: true };
    case "quota/remove":
      return { command: { type: "quota/remove", name: op.name },
        model: () => model.removeQuota(op.name), exact: true };
    case "dispatcher": {
      if (op.verb === "unregister" && forgetsAnOwner(model, op.uuid)) return undefined;
      const verb = op.verb;
      return { command: { type: `dispatcher/${verb}`, dispatcher: op.uuid },
        model: () => model[verb](op.uuid), exact: true };
    }
    case "agent/add": {
      const filter = FILTERS[op.filter];
      return { command: { type: "agent/add", dispatcher: op.uuid, agent: op.agent,
        size: op.size, filter: filter.data },
        model: () => model.addAgent(op.uuid, op.agent, op.size, filter.accepts), exact: true };
    }
    case "agent/remove":
      if (forgetsAnOwner(model, op.uuid, op.agent)) return undefined;
      return { command: { type: "agent/remove", dispatcher: op.uuid, agent: op.agent },
        model: () => model.removeAgent(op.uuid, op.agent), exact: true };
    case "agent/claim":
      return { command: { type: "agent/claim", dispatcher: op.uuid, agent: op.agent },
        model: () => claimReply(model.agentClaim(op.uuid, op.agent)), exact: true };
    case "job": {
      const id = pickJob(model, op.pick, op.among);
      if (id === undefined) return undefined;
      const holder = holderFor(model, id, op.holder);
      const verb = op.verb;
      const command: Input = verb === "finish"
        ? { type: "job/finish", job: id, holder, result: 1 }
        : { type: `job/${verb}`, job: id, holder };
      return { command, model: () => model[verb](id, holder), exact: false };
    }
  }
}

// Comparing the core's state with the model's: both are read into the same plain shape, and
// compared as JSON first, so that `expect` (and its diff) only runs on a mismatch.

function jsonOf(value: unknown): string {
  return JSON.stringify(value, (_key, inner) => (typeof inner === "bigint" ? `${inner}n` : inner));
}

function expectSame(actual: unknown, expected: unknown, message: string): void {
  if (jsonOf(actual) !== jsonOf(expected)) expect(actual, message).toEqual(expected);
}

function observeCore(state: State, now: bigint): unknown {
  const queue = state.queues.get("")!;
  const jobs = [...state.jobs.keys()].map((id) => {
    const job = describeJob(state, id);
    return [id, job.status, job.status === "COMPLETED" ? "failure" in job : null];
  });
  const quotas = [...queue.quotas.keys()].map((name) => [name, describeQuota(state, "", name)]);
  const dispatchers = [...queue.dispatchers.keys()].map((uuid) => {
    const record = describeDispatcher(state, "", uuid, now);
    const agents = (record.agents as string[]).map((name) => {
      const agent = describeAgent(state, "", uuid, name);
      return [name, agent.jobs, agent.completed];
    });
    return [uuid, record.activated, record.lastPing, record.dead, agents];
  });
  return { order: listQueue(state, "").jobs, jobs, quotas, dispatchers };
}

function observeModel(model: QueueModel, now: bigint): unknown {
  const jobs = [...model.jobs.keys()].sort().map((id) => {
    const job = model.job(id);
    return [id, model.status(job), job.phase === "COMPLETED" ? job.failed : null];
  });
  const quotas = [...model.quotas.keys()].sort().map((name) => {
    const { size, members } = model.quotas.get(name)!;
    return [name, { size, members, filled: members.length >= size }];
  });
  const dispatchers = [...model.dispatchers.keys()].sort().map((uuid) => {
    const record = model.dispatchers.get(uuid)!;
    const agents = [...record.agents.keys()].sort().map((name) => {
      const agent = record.agents.get(name)!;
      return [name, agent.jobs, model.completedIds(agent)];
    });
    return [uuid, record.activated, record.lastPing, model.isDead(uuid, now), agents];
  });
  return { order: model.order(), jobs, quotas, dispatchers };
}

function compareState(state: State, model: QueueModel, now: bigint, where: string): void {
  expectSame(checkInvariants(state), [], `${where}: invariants`);
  expectSame(observeCore(state, now), observeModel(model, now), `${where}: state`);
}

/**
 * Folds the steps into the core and the model side by side. Also checks that reducing never
 * changes the state it was given, and that folding the same commands as one batch
 * (foldCommands) gives the same replies, events and final state.
 */
function runSteps(
  prefix: readonly Step[], random: readonly Step[], policy: "fail" | "commonForever" = "fail",
): void {
  const initial = initialState({ "": { interruptPolicy: policy } });
  let state = initial;
  const model = new QueueModel(policy);
  let now = T0;
  let fresh = 0;
  let seen = jsonOf(observeCore(state, now));
  let seenAt = now;
  const commands: Command[] = [];
  const outcomes: string[] = [];

  [...prefix, ...random].forEach((step, index) => {
    now += step.dt;
    const resolved = resolve(step.op, model, now, () => `j${fresh++}`);
    if (resolved === undefined) return;
    const command = { at: iso(now), ...resolved.command } as Command;
    const where = `step ${index} ${JSON.stringify(command)}`;

    const before = state;
    const reduction = reduce(before, command);
    expectSame(jsonOf(observeCore(before, seenAt)), seen, `${where}: the old state changed`);
    commands.push(command);
    outcomes.push(jsonOf([reduction.reply, reduction.events]));

    const expected = model.apply(now, resolved.model);
    if ("error" in expected) {
      const code = (reduction.reply as { error?: { code: string } }).error?.code;
      expectSame({ code, sameState: reduction.state === before, events: reduction.events },
        { code: expected.error, sameState: true, events: [] }, `${where}: rejection`);
    } else {
      const reply = resolved.exact ? reduction.reply
        : Object.fromEntries(Object.keys(expected.ok).map((key) =>
          [key, (reduction.reply as Record<string, unknown>)[key]]));
      expectSame(reply, expected.ok, `${where}: reply`);
    }
    const dispatcherEvents = reduction.events.filter((e) => e.type.startsWith("dispatcher/"))
      .map((e) => `${e.type} ${String(e.dispatcher)}`);
    expectSame(dispatcherEvents, model.events, `${where}: dispatcher events`);

    state = reduction.state;
    compareState(state, model, now, where);
    seen = jsonOf(observeCore(state, now));
    seenAt = now;
  });

  const batch = foldCommands(initial, commands);
  expectSame(batch.replies.map((reply, i) => jsonOf([reply, batch.events[i]])), outcomes,
    "foldCommands: replies and events");
  expectSame(jsonOf(observeCore(batch.state, seenAt)), seen, "foldCommands: final state");
}

// The properties. numRuns stays modest so the file runs in a few seconds.

describe("the reducers agree with a naive model", () => {
  const policyArb = fc.constantFrom("fail" as const, "commonForever" as const);

  test("queue order: put, pull, remove and claim, with deadlines and filters", () => {
    fc.assert(fc.property(stepsArb(queueOps(false), 40), (steps) => runSteps([], steps)),
      { numRuns: 150 });
  });

  test("quotas: claims, slots released by finishing, failing or rescheduling, resizes", () => {
    const ops = [...queueOps(true), ...quotaOps, reputArb, reputArb, jobOp(fc.constant("none")),
      jobOp(fc.constant("none"))];
    fc.assert(fc.property(stepsArb(ops, 40), (steps) => runSteps(QUOTA_SETUP, steps)),
      { numRuns: 250 });
  });

  test("dispatchers: pings, death, sibling reaping, agents and claim tokens", () => {
    const holder = fc.constantFrom<HolderChoice>("none", "current", "current", "stale", "other");
    const agentClaim = fc.record({ kind: fc.constant("agent/claim" as const), uuid: uuidArb,
      agent: fc.constant("a1") });
    const ops = [...dispatcherOps, pingArb, agentClaim, agentClaim, putArb(false), putArb(false),
      putArb(false), jobOp(holder), jobOp(holder), jobOp(holder)];
    fc.assert(fc.property(stepsArb(ops, 50, { large: 0, boundary: 2 }), policyArb,
      (steps, policy) => runSteps(DISPATCHER_SETUP, steps, policy)), { numRuns: 150 });
  });

  test("everything at once, clocks going back and forth", () => {
    const holder = fc.constantFrom<HolderChoice>("none", "current", "stale", "other");
    const ops = [...queueOps(true), ...quotaOps, ...dispatcherOps, jobOp(holder),
      jobOp(holder)];
    fc.assert(fc.property(stepsArb(ops, 60), policyArb,
      (steps, policy) => runSteps([...QUOTA_SETUP, ...DISPATCHER_SETUP], steps, policy)),
      { numRuns: 100 });
  });
});
