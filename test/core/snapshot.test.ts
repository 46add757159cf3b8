// Snapshots of the state (core/snapshot.ts): encode and decode round-trip states built by real
// command sequences, queries give the same answers on the decoded state, and the reducer keeps
// working on it exactly as on the original. The digest is checked against a reference FNV-1a
// written here with bigints.

import fc from "fast-check";
import { describe, expect, test } from "vitest";

import {
  describeAgent, describeDispatcher, describeJob, describeQuota, listQueue, reduce,
  type Command, type State,
} from "../../core/index.js";
import {
  SnapshotFormatError, decodeState, encodeState, fnv1a64, stateDigest,
} from "../../core/snapshot.js";
import { Harness, MINUTE, SECOND, iso, T0 } from "./helpers.js";

/** Every answer the queries give about a state, as one comparable value. */
function views(state: State, at: bigint): unknown[] {
  const out: unknown[] = [];
  for (const [name, queue] of state.queues.entries()) {
    out.push(["list", name, listQueue(state, name)]);
    for (const quota of queue.quotas.keys()) {
      out.push(["quota", name, quota, describeQuota(state, name, quota)]);
    }
    for (const [uuid, dispatcher] of queue.dispatchers.entries()) {
      out.push(["dispatcher", uuid, describeDispatcher(state, name, uuid, at)]);
      for (const agent of dispatcher.agents) {
        out.push(["agent", uuid, agent.name, describeAgent(state, name, uuid, agent.name)]);
      }
    }
  }
  for (const id of state.jobs.keys()) out.push(["job", id, describeJob(state, id)]);
  return out;
}

function expectRoundTrip(state: State, at: bigint): State {
  const text = encodeState(state);
  const decoded = decodeState(text);

  expect(encodeState(decoded)).toBe(text);
  expect(stateDigest(decoded)).toBe(stateDigest(state));
  expect(views(decoded, at)).toEqual(views(state, at));
  return decoded;
}

/** A world with every kind of tree filled: held, FIFO, put-back, quotas, agents, completed. */
function busyHarness(): Harness {
  const h = new Harness({ "": {}, retry: { interruptPolicy: "commonForever" } });
  h.ok({ type: "quota/create", name: "db", size: 1 });
  h.dispatcherWithAgents("d1", { main: 2, side: 1 });
  h.put("due", { args: [1, { $bigint: "7" }, { $$odd: ["$x"] }] });
  h.put("later", { beginAfter: iso(T0 + 10n * MINUTE) });
  h.put("quota1", { quotaNames: ["db"] });
  h.put("quota2", { quotaNames: ["db"] });
  h.ok({ type: "job/addCallback", job: "due", callback: "cb", task: "value" });

  expect(h.agentClaim("d1")).toBe("due");
  h.ok({ type: "job/start", job: "due" });
  h.ok({ type: "job/finish", job: "due", result: { nested: { $bigint: "x" }, n: 2 } });
  h.advance(SECOND);
  expect(h.agentClaim("d1")).not.toBeNull();
  h.put("r1", { queue: "retry" });
  return h;
}

describe("encodeState and decodeState", () => {
  test("a busy state round-trips, with the same digest and the same query answers", () => {
    const h = busyHarness();
    const decoded = expectRoundTrip(h.state, h.now);

    expect(describeJob(decoded, "due").args).toEqual([1, { $bigint: "7" }, { $$odd: ["$x"] }]);
    expect(describeJob(decoded, "due").beginAfter).toBe(T0);
  });

  test("the reducer goes on from a decoded state exactly as from the original", () => {
    const original = busyHarness();
    const restored = busyHarness();
    restored.state = decodeState(encodeState(restored.state));

    for (const h of [original, restored]) {
      h.advance(20n * MINUTE);
      h.agentClaim("d1");
      h.ok({ type: "dispatcher/ping", dispatcher: "d1" });
      h.put("after", { quotaNames: ["db"] });
      h.ok({ type: "dispatcher/register", dispatcher: "d2" });
      h.advance(2n * 60n * MINUTE);
      h.ok({ type: "dispatcher/activate", dispatcher: "d2" });
    }
    expect(stateDigest(restored.state)).toBe(stateDigest(original.state));
    expect(restored.events).toEqual(original.events);
    expect(views(restored.state, restored.now)).toEqual(views(original.state, original.now));
  });

  test("object key order does not change the encoding", () => {
    const a = new Harness();
    const b = new Harness();
    a.put("j", { args: [{ x: 1, y: 2 }] });
    b.put("j", { args: [{ y: 2, x: 1 }] });

    expect(encodeState(a.state)).toBe(encodeState(b.state));
  });

  test("a malformed or newer snapshot is refused with a clear error", () => {
    const text = encodeState(new Harness().state);

    expect(() => decodeState("{")).toThrow(/snapshot is not JSON/);
    expect(() => decodeState(text.replace('"version":1', '"version":2')))
      .toThrow(/format version 2 is not supported/);
    expect(() => decodeState(text.replace('"queues":[', '"queues":[7,')))
      .toThrow(SnapshotFormatError);
    expect(() => decodeState('{"$mystery":1}')).toThrow(/unknown tag '\$mystery'/);
  });

  test("a value that is not plain data is refused when encoding, naming the job", () => {
    const h = new Harness();
    h.put("j");
    const job = h.state.jobs.get("j")!;
    const jobs = h.state.jobs.with("j", { ...job, args: [new Map()] }, true);
    const broken = { ...h.state, jobs };

    expect(() => encodeState(broken as never)).toThrow(/job 'j': cannot encode a Map/);
  });
});

// Random command sequences: a small vocabulary of ids so that commands collide often, and times
// that sometimes go backwards, as clocks of different processes do.
const JOBS = ["j0", "j1", "j2", "j3"];

function commandArbitrary(): fc.Arbitrary<Omit<Command, "at">> {
  const job = fc.constantFrom(...JOBS);
  const dispatcher = fc.constantFrom("d0", "d1");
  return fc.oneof(
    fc.record({ type: fc.constant("job/put"), job, task: fc.constant("value"),
      quotaNames: fc.constantFrom([], ["q"]),
      beginAfter: fc.constantFrom(undefined, iso(T0 + MINUTE)) }),
    fc.record({ type: fc.constant("queue/claim") }),
    fc.record({ type: fc.constant("queue/pull") }),
    fc.record({ type: fc.constant("quota/create"), name: fc.constant("q"), size: fc.nat(2) }),
    fc.record({ type: fc.constant("dispatcher/register"), dispatcher }),
    fc.record({ type: fc.constantFrom("dispatcher/activate", "dispatcher/ping"), dispatcher }),
    fc.record({ type: fc.constant("agent/add"), dispatcher, agent: fc.constant("a"),
      size: fc.integer({ min: 1, max: 2 }) }),
    fc.record({ type: fc.constant("agent/claim"), dispatcher, agent: fc.constant("a") }),
    fc.record({ type: fc.constantFrom("job/start", "job/run"), job }),
    fc.record({ type: fc.constant("job/finish"), job, result: fc.jsonValue({ maxDepth: 2 }) }),
    fc.record({ type: fc.constant("job/fail"), job, message: fc.string() }),
  ) as fc.Arbitrary<Omit<Command, "at">>;
}

const stepArbitrary = fc.record({
  command: commandArbitrary(),
  advanceUs: fc.integer({ min: -5, max: 120 }).map((seconds) => BigInt(seconds) * SECOND),
});

function fold(state: State, steps: { command: object; advanceUs: bigint }[], start: bigint) {
  let now = start;
  const replies: unknown[] = [];
  for (const step of steps) {
    now += step.advanceUs;
    const reduction = reduce(state, { ...step.command, at: iso(now) } as Command);
    state = reduction.state;
    replies.push(reduction.reply, reduction.events);
  }
  return { state, now, replies };
}

describe("round-trip of random command sequences", () => {
  test("a snapshot at any point, decoded and folded on, ends where the plain fold ends", () => {
    fc.assert(fc.property(
      fc.array(stepArbitrary, { maxLength: 40 }), fc.array(stepArbitrary, { maxLength: 40 }),
      (before, after) => {
        const prefix = fold(new Harness().state, before, T0);
        const decoded = expectRoundTrip(prefix.state, prefix.now);

        const straight = fold(prefix.state, after, prefix.now);
        const resumed = fold(decoded, after, prefix.now);
        expect(resumed.replies).toEqual(straight.replies);
        expect(stateDigest(resumed.state)).toBe(stateDigest(straight.state));
      },
    ), { numRuns: 150 });
  });
});

/** FNV-1a 64 the slow, obvious way: bigints over the UTF-8 bytes. */
function referenceFnv(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}

describe("fnv1a64", () => {
  test("matches the published vectors", () => {
    expect(fnv1a64("")).toBe("cbf29ce484222325");
    expect(fnv1a64("a")).toBe("af63dc4c8601ec8c");
    expect(fnv1a64("foobar")).toBe("85944171f73967e8");
  });

  test("matches a bigint reference on any text, including astral characters", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (text) => {
      expect(fnv1a64(text)).toBe(referenceFnv(text));
    }), { numRuns: 300 });
  });
});
