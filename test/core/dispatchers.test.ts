// Dispatcher records: register, activate, deactivate, ping (with reactivation), unregister,
// the death rule and its boundaries, sibling reaping on the UUID ring, and what reaping does
// with the jobs a dispatcher's agents hold (reference 2.6-2.7, cases E50-E74; decisions:
// reactivating pings, activation reaps, stale quota names, clocks that go backwards).

import { describe, expect, test } from "vitest";

import { Harness, MINUTE, SECOND, T0, US, onT0Day } from "./helpers.js";

const T = T0;

describe("register and unregister", () => {
  test("a new record is neither activated, pinged nor dead, and has no agent", () => {
    const h = new Harness();
    h.setNow(onT0Day("17:30:01"));

    expect(h.ok({ type: "dispatcher/register", dispatcher: "u" })).toEqual({ dispatcher: "u" });
    expect(h.lastEvents).toEqual([{ type: "dispatcher/registered", dispatcher: "u",
      queue: "" }]);
    expect(h.dispatcher("u")).toEqual({ activated: null, lastPing: null, dead: false,
      agents: [] });
  });

  test("registering twice is duplicate-dispatcher; an empty id is invalid-argument", () => {
    const h = new Harness();
    h.ok({ type: "dispatcher/register", dispatcher: "u" });

    h.reject({ type: "dispatcher/register", dispatcher: "u" }, "duplicate-dispatcher");
    h.reject({ type: "dispatcher/register", dispatcher: "" }, "invalid-argument");
    h.reject({ type: "dispatcher/register", dispatcher: "v", queue: "nowhere" },
      "unknown-queue");
  });

  test("intervals can be set per record; they must be positive durations", () => {
    const h = new Harness();
    h.ok({ type: "dispatcher/register", dispatcher: "u", pingInterval: "10s",
      deathInterval: "20s" });
    h.ok({ type: "dispatcher/activate", dispatcher: "u" });

    h.setNow(T + 20n * SECOND);
    expect(h.dispatcher("u").dead).toBe(false);
    h.setNow(T + 20n * SECOND + US);
    expect(h.dispatcher("u").dead).toBe(true);

    h.reject({ type: "dispatcher/register", dispatcher: "v", pingInterval: "0s" },
      "negative-duration");
    h.reject({ type: "dispatcher/register", dispatcher: "v", deathInterval: "-5s" },
      "negative-duration");
    h.reject({ type: "dispatcher/register", dispatcher: "v", pingInterval: "soon" },
      "invalid-argument");
  });

  test("unregister removes a deactivated record and emits dispatcher/unregistered", () => {
    const h = new Harness();
    h.ok({ type: "dispatcher/register", dispatcher: "u" });
    h.ok({ type: "dispatcher/activate", dispatcher: "u" });

    h.reject({ type: "dispatcher/unregister", dispatcher: "u" }, "already-activated");
    h.reject({ type: "dispatcher/unregister", dispatcher: "ghost" }, "unknown-dispatcher");
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });

    expect(h.ok({ type: "dispatcher/unregister", dispatcher: "u" })).toEqual({ dispatcher: "u" });
    expect(h.lastEvents).toEqual([{ type: "dispatcher/unregistered", dispatcher: "u",
      queue: "" }]);
    h.reject({ type: "dispatcher/ping", dispatcher: "u" }, "unknown-dispatcher");
    h.ok({ type: "dispatcher/register", dispatcher: "u" });
  });

  test("unregistering a record whose agent completed jobs keeps the state consistent", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u");
    h.put("j");
    h.agentClaim("u");
    h.ok({ type: "job/run", job: "j" });
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });

    h.ok({ type: "dispatcher/unregister", dispatcher: "u" });
  });
});

describe("activate, deactivate and ping", () => {
  test("activation sets the time and emits dispatcher/activated; it installs no agent", () => {
    const h = new Harness();
    h.setNow(onT0Day("17:30:01"));
    h.ok({ type: "dispatcher/register", dispatcher: "u" });

    expect(h.ok({ type: "dispatcher/activate", dispatcher: "u" }))
      .toEqual({ dispatcher: "u", activated: onT0Day("17:30:01"), lastPing: null });
    expect(h.lastEvents).toEqual([{ type: "dispatcher/activated", dispatcher: "u",
      queue: "" }]);
    expect(h.dispatcher("u")).toMatchObject({ dead: false, agents: [] });
  });

  test("activating twice, deactivating an inactive record, unknown records", () => {
    const h = new Harness();
    h.ok({ type: "dispatcher/register", dispatcher: "u" });

    h.reject({ type: "dispatcher/deactivate", dispatcher: "u" }, "not-activated");
    h.ok({ type: "dispatcher/activate", dispatcher: "u" });
    h.reject({ type: "dispatcher/activate", dispatcher: "u" }, "already-activated");
    h.reject({ type: "dispatcher/ping", dispatcher: "unknown" }, "unknown-dispatcher");
    h.reject({ type: "dispatcher/activate", dispatcher: "unknown" }, "unknown-dispatcher");
    h.reject({ type: "dispatcher/deactivate", dispatcher: "unknown" }, "unknown-dispatcher");
  });

  test("a ping before activation reactivates the record", () => {
    const h = new Harness();
    h.ok({ type: "dispatcher/register", dispatcher: "u" });

    expect(h.ok({ type: "dispatcher/ping", dispatcher: "u" }))
      .toEqual({ dispatcher: "u", activated: T, lastPing: T });
    expect(h.lastEvents).toEqual([{ type: "dispatcher/reactivated", dispatcher: "u",
      queue: "" }]);

    expect(h.ok({ type: "dispatcher/deactivate", dispatcher: "u" }).activated).toBeNull();
    expect(h.eventTypes()).toEqual(["dispatcher/deactivated"]);
  });

  test("pings record the time at most once per interval, the boundary included", () => {
    const h = new Harness();
    const start = onT0Day("17:30:01");
    h.setNow(start);
    h.ok({ type: "dispatcher/register", dispatcher: "u" });
    h.ok({ type: "dispatcher/activate", dispatcher: "u" });

    for (const offset of [0n, 5n * SECOND, 15n * SECOND, 30n * SECOND - US]) {
      h.setNow(start + offset);
      h.ok({ type: "dispatcher/ping", dispatcher: "u" });
      expect(h.dispatcher("u").lastPing).toBe(start);
    }
    h.setNow(start + 30n * SECOND);
    expect(h.ok({ type: "dispatcher/ping", dispatcher: "u" }).lastPing)
      .toBe(start + 30n * SECOND);
  });

  test("lastPing never decreases when a ping carries an earlier time", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u", {});
    h.setNow(T + 40n * SECOND);
    h.ok({ type: "dispatcher/ping", dispatcher: "u" });

    h.setNow(T - 10n * MINUTE);
    expect(h.ok({ type: "dispatcher/ping", dispatcher: "u" }).lastPing)
      .toBe(T + 40n * SECOND);
  });
});

describe("death", () => {
  test("activated and never pinged: alive at 60 s, dead one microsecond later", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u", {});

    h.setNow(T + 60n * SECOND);
    expect(h.dispatcher("u").dead).toBe(false);
    h.setNow(T + 60n * SECOND + US);
    expect(h.dispatcher("u").dead).toBe(true);
  });

  test("death counts from the later of activation and last ping", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u", {});
    h.setNow(T + 30n * SECOND);
    h.ok({ type: "dispatcher/ping", dispatcher: "u" });

    for (const [at, dead] of [[61n, false], [90n, false]] as const) {
      h.setNow(T + at * SECOND);
      expect(h.dispatcher("u").dead).toBe(dead);
    }
    h.setNow(T + 90n * SECOND + US);
    expect(h.dispatcher("u").dead).toBe(true);
  });

  test("re-activation restarts the clock of death", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u", {});
    h.ok({ type: "dispatcher/ping", dispatcher: "u" });
    h.setNow(T + 70n * SECOND);
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });
    h.setNow(T + 80n * SECOND);
    h.ok({ type: "dispatcher/activate", dispatcher: "u" });

    h.setNow(T + 140n * SECOND);
    expect(h.dispatcher("u").dead).toBe(false);
    h.setNow(T + 140n * SECOND + US);
    expect(h.dispatcher("u").dead).toBe(true);
  });

  test("a record never activated nor pinged is never dead; a pinged, deactivated one is", () => {
    const h = new Harness();
    h.ok({ type: "dispatcher/register", dispatcher: "fresh" });
    h.dispatcherWithAgents("old", {});
    h.ok({ type: "dispatcher/ping", dispatcher: "old" });
    h.ok({ type: "dispatcher/deactivate", dispatcher: "old" });

    h.setNow(T + 61n * SECOND);
    expect(h.dispatcher("fresh").dead).toBe(false);
    expect(h.dispatcher("old")).toMatchObject({ activated: null, dead: true });
  });

  test("an agent of a dead dispatcher claims nothing; a ping brings it back", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u");
    h.put("j");
    h.setNow(T + 61n * SECOND);

    expect(h.agentClaim("u")).toBeNull();
    h.ok({ type: "dispatcher/ping", dispatcher: "u" });
    expect(h.agentClaim("u")).toBe("j");
  });
});

describe("sibling reaping on the UUID ring", () => {
  function threeDispatchers(): Harness {
    const h = new Harness();
    for (const uuid of ["u1", "u2", "u3"]) h.dispatcherWithAgents(uuid, {});
    return h;
  }

  test("the ring wraps: the highest UUID checks the lowest", () => {
    const h = threeDispatchers();
    h.setNow(T + 30n * SECOND);
    h.ok({ type: "dispatcher/ping", dispatcher: "u2" });
    h.ok({ type: "dispatcher/ping", dispatcher: "u3" });

    h.setNow(T + 61n * SECOND);
    h.ok({ type: "dispatcher/ping", dispatcher: "u3" });
    expect(h.lastEvents).toContainEqual({ type: "dispatcher/deactivated", dispatcher: "u1",
      queue: "", reapedBy: "u3" });
    expect(h.dispatcher("u1").activated).toBeNull();
    expect(h.dispatcher("u2").activated).toBe(T);
    expect(h.dispatcher("u3").activated).toBe(T);
  });

  test("one sibling per ping: the next one, then the one after", () => {
    const h = threeDispatchers();
    h.setNow(T + 61n * SECOND);

    h.ok({ type: "dispatcher/ping", dispatcher: "u1" });
    expect(h.dispatcher("u2").activated).toBeNull();
    expect(h.dispatcher("u3")).toMatchObject({ activated: T, dead: true });
    h.ok({ type: "dispatcher/ping", dispatcher: "u1" });
    expect(h.dispatcher("u3").activated).toBeNull();
  });

  test("deactivated siblings are skipped", () => {
    const h = threeDispatchers();
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u2" });
    h.setNow(T + 30n * SECOND);
    h.ok({ type: "dispatcher/ping", dispatcher: "u3" });

    h.setNow(T + 61n * SECOND);
    h.ok({ type: "dispatcher/ping", dispatcher: "u1" });
    expect(h.eventTypes("dispatcher/")).toEqual([]);
    expect(h.dispatcher("u3").activated).toBe(T);
  });

  test("a lone dispatcher never reaps itself; its ping revives it", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u1", {});
    h.setNow(T + 60n * MINUTE);
    expect(h.dispatcher("u1").dead).toBe(true);

    h.ok({ type: "dispatcher/ping", dispatcher: "u1" });
    expect(h.dispatcher("u1")).toMatchObject({ activated: T, lastPing: T + 60n * MINUTE,
      dead: false });
  });

  test("a sibling with no agents is simply deactivated", () => {
    const h = new Harness();
    h.setNow(onT0Day("17:30:31"));
    h.dispatcherWithAgents("alt", {});
    h.dispatcherWithAgents("u", {});
    h.setNow(onT0Day("17:31:32"));
    expect(h.dispatcher("alt")).toMatchObject({ dead: true });

    h.ok({ type: "dispatcher/ping", dispatcher: "u" });
    expect(h.dispatcher("u").lastPing).toBe(onT0Day("17:31:32"));
    expect(h.dispatcher("alt").activated).toBeNull();
    expect(h.eventTypes("dispatcher/")).toEqual(["dispatcher/deactivated"]);
  });

  test("death is judged on the pinger's own clock, even one behind the sibling's", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u1", {});
    h.dispatcherWithAgents("u2", {});
    h.setNow(T + 100n * SECOND);
    h.ok({ type: "dispatcher/ping", dispatcher: "u2" });

    h.setNow(T + 50n * SECOND);
    h.ok({ type: "dispatcher/ping", dispatcher: "u1" });
    h.setNow(T + 160n * SECOND);
    h.ok({ type: "dispatcher/ping", dispatcher: "u1" });
    expect(h.dispatcher("u2").activated).toBe(T);
    h.setNow(T + 160n * SECOND + US);
    h.ok({ type: "dispatcher/ping", dispatcher: "u1" });
    expect(h.dispatcher("u2").activated).toBeNull();
  });

  test("a live dispatcher reaped by mistake is reactivated by its next ping", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u1");
    h.dispatcherWithAgents("u2");
    h.put("job5", { task: "mod", args: [85, 43] });
    h.setNow(T + 61n * SECOND);
    h.ok({ type: "dispatcher/ping", dispatcher: "u1" });
    expect(h.dispatcher("u2").activated).toBeNull();

    h.ok({ type: "dispatcher/ping", dispatcher: "u2" });
    expect(h.eventTypes("dispatcher/")).toEqual(["dispatcher/reactivated"]);
    expect(h.agentClaim("u2")).toBe("job5");
    expect(h.ok({ type: "job/run", job: "job5" })).toEqual({ status: "COMPLETED", result: 42 });
  });
});

describe("reaping", () => {
  /** The reference's full reap: A, B (ACTIVE), C (CALLBACKS), D (done) held; E queued. */
  function fullReapSetup(queues?: ConstructorParameters<typeof Harness>[0]): Harness {
    const h = new Harness(queues);
    h.setNow(onT0Day("17:31:32"));
    h.dispatcherWithAgents("alt", { main: 4 });
    for (const id of ["A", "B", "C", "D", "E"]) h.put(id, { args: [42] });
    for (const id of ["A", "B", "C", "D"]) expect(h.agentClaim("alt")).toBe(id);
    expect(h.agentClaim("alt")).toBeNull();
    h.ok({ type: "job/start", job: "B" });
    h.ok({ type: "job/start", job: "C" });
    h.ok({ type: "job/finish", job: "C", result: 1, callbacks: "hold" });
    h.ok({ type: "job/run", job: "D" });
    h.ok({ type: "dispatcher/ping", dispatcher: "alt" });
    h.setNow(onT0Day("17:32:33"));
    h.dispatcherWithAgents("u", {});
    return h;
  }

  test("a dead sibling's jobs: requeued, failed through a wrapper, callbacks resumed", () => {
    const h = fullReapSetup();
    expect(h.dispatcher("alt").dead).toBe(true);

    h.ok({ type: "dispatcher/ping", dispatcher: "u" });
    expect(h.dispatcher("alt").activated).toBeNull();
    expect(h.agent("alt", "main")).toEqual({ jobs: [], completed: ["D"], size: 4,
      filter: null });
    expect(h.list()).toEqual(["E", "A", "B/fail/1", "C/resumeCallbacks/1"]);
    expect(h.job("B/fail/1")).toMatchObject({ task: "sys.fail", wraps: "B", status: "PENDING" });
    expect(h.job("C/resumeCallbacks/1")).toMatchObject({ task: "sys.resumeCallbacks",
      wraps: "C" });
    expect(h.status("B")).toBe("ACTIVE");
    expect(h.status("C")).toBe("CALLBACKS");
    expect(h.lastEvents.filter((e) => e.type === "job/reaped"))
      .toEqual([
        { type: "job/reaped", job: "A", action: "requeued", reapedBy: "u" },
        { type: "job/reaped", job: "B", action: "fail", wrapper: "B/fail/1", reapedBy: "u" },
        { type: "job/reaped", job: "C", action: "resumeCallbacks",
          wrapper: "C/resumeCallbacks/1", reapedBy: "u" },
      ]);
  });

  test("with a retry interrupt policy an ACTIVE job gets a handleInterrupt wrapper", () => {
    const h = fullReapSetup({ "": { interruptPolicy: "commonFourTimes" } });

    h.ok({ type: "dispatcher/ping", dispatcher: "u" });
    expect(h.list()).toEqual(["E", "A", "B/handleInterrupt/1", "C/resumeCallbacks/1"]);
  });

  test("agents are reaped in name order, each agent's jobs first to last", () => {
    const h = new Harness({ "": { interruptPolicy: "commonFourTimes" } });
    h.dispatcherWithAgents("u2", { b: 2, a: 3 });
    for (const id of ["P", "Q", "R", "S", "T"]) h.put(id);
    h.agentClaim("u2", "b");
    h.agentClaim("u2", "b");
    for (let i = 0; i < 3; i++) h.agentClaim("u2", "a");
    expect(h.agent("u2", "b").jobs).toEqual(["P", "Q"]);
    expect(h.agent("u2", "a").jobs).toEqual(["R", "S", "T"]);
    h.ok({ type: "job/start", job: "P" });
    h.ok({ type: "job/finish", job: "P", result: 0, callbacks: "hold" });
    h.ok({ type: "job/start", job: "S" });
    h.put("V");

    h.ok({ type: "dispatcher/deactivate", dispatcher: "u2" });
    expect(h.list()).toEqual(["V", "R", "S/handleInterrupt/1", "T", "P/resumeCallbacks/1", "Q"]);
  });

  test("an agent claims nothing while deactivated or dead; requeued jobs go to the tail",
    () => {
      const h = new Harness();
      h.dispatcherWithAgents("u");
      for (const id of ["job1", "job2", "job3", "job4", "job5"]) h.put(id);
      for (let i = 0; i < 3; i++) h.agentClaim("u");
      h.ok({ type: "job/run", job: "job2" });
      expect(h.agentClaim("u")).toBe("job4");

      h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });
      expect(h.agent("u", "main").jobs).toEqual([]);
      expect(h.agentClaim("u")).toBeNull();

      h.ok({ type: "dispatcher/activate", dispatcher: "u" });
      h.advance(61n * SECOND);
      expect(h.agentClaim("u")).toBeNull();

      h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });
      h.ok({ type: "dispatcher/activate", dispatcher: "u" });
      expect(h.agentClaim("u")).toBe("job5");
      expect(h.list()).toEqual(["job1", "job3", "job4"]);
    });

  test("a restarted process deactivates its dead record before activating it again", () => {
    const h = new Harness({ "": { interruptPolicy: "commonFourTimes" } });
    h.dispatcherWithAgents("u");
    h.put("j", { task: "value", args: [42] });
    h.agentClaim("u");
    h.ok({ type: "job/start", job: "j" });

    h.reject({ type: "dispatcher/activate", dispatcher: "u" }, "already-activated");
    h.advance(61n * SECOND);
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });
    h.ok({ type: "dispatcher/activate", dispatcher: "u" });
    expect(h.list()).toEqual(["j/handleInterrupt/1"]);

    expect(h.agentClaim("u")).toBe("j/handleInterrupt/1");
    h.ok({ type: "job/run", job: "j/handleInterrupt/1" });
    expect(h.list()).toEqual(["j"]);
    expect(h.agentClaim("u")).toBe("j");
    expect(h.ok({ type: "job/run", job: "j" })).toEqual({ status: "COMPLETED", result: 42 });
  });

  test("a removed quota never aborts reaping; the stale name is reported", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "q" });
    h.dispatcherWithAgents("u");
    h.put("j", { quotaNames: ["q"] });
    h.agentClaim("u");
    h.ok({ type: "quota/remove", name: "q" });

    h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });
    expect(h.dispatcher("u").activated).toBeNull();
    expect(h.list()).toEqual(["j"]);
    expect(h.lastEvents).toContainEqual({ type: "job/staleQuotaNames", job: "j",
      quotaNames: ["q"] });
  });

  test("a job requeued by a clock behind its time is held, and gives up its slot", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "q" });
    h.dispatcherWithAgents("u");
    h.setNow(T + 30n * SECOND);
    h.put("j", { quotaNames: ["q"] });
    h.agentClaim("u");
    expect(h.members("q")).toEqual(["j"]);

    h.setNow(T);
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });
    expect(h.list()).toEqual(["j"]);
    expect(h.members("q")).toEqual([]);
    expect(h.claim()).toBeNull();
    h.setNow(T + 30n * SECOND);
    expect(h.claim()).toBe("j");
  });

  test("dispatcher events are exactly the five types, each naming its dispatcher", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u1", {});
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u1" });
    h.ok({ type: "dispatcher/ping", dispatcher: "u1" });
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u1" });
    h.ok({ type: "dispatcher/unregister", dispatcher: "u1" });

    const events = h.events.filter((event) => event.type.startsWith("dispatcher/"));
    expect(events.map((event) => event.type)).toEqual([
      "dispatcher/registered", "dispatcher/activated", "dispatcher/deactivated",
      "dispatcher/reactivated", "dispatcher/deactivated", "dispatcher/unregistered",
    ]);
    for (const event of events) expect(event.dispatcher).toBe("u1");
  });
});
