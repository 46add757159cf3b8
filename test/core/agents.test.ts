// Agents: agent/add and agent/remove with their guards, agent/claim with size and filter,
// where finished jobs go, and the retention rule of completed collections (reference 1.8-1.9,
// 2.8, 2.14, cases F76-F80 and H101-H102; decisions: completed jobs, activation installs none).

import { describe, expect, test } from "vitest";

import { DAY, HOUR, Harness, SECOND, T0, US } from "./helpers.js";

describe("agent/add and agent/remove", () => {
  test("an agent is added with a default size of 3; agents list sorted by name", () => {
    const h = new Harness();
    h.ok({ type: "dispatcher/register", dispatcher: "u" });

    expect(h.ok({ type: "agent/add", dispatcher: "u", agent: "zeta" })).toEqual({ agent: "zeta" });
    expect(h.lastEvents).toEqual([{ type: "agent/added", dispatcher: "u", agent: "zeta",
      size: 3 }]);
    h.ok({ type: "agent/add", dispatcher: "u", agent: "alpha", size: 1 });
    expect(h.dispatcher("u").agents).toEqual(["alpha", "zeta"]);
    expect(h.agent("u", "zeta")).toEqual({ jobs: [], completed: [], size: 3, filter: null });
  });

  test("duplicates, unknown dispatchers and malformed options are rejected", () => {
    const h = new Harness();
    h.ok({ type: "dispatcher/register", dispatcher: "u" });
    h.ok({ type: "agent/add", dispatcher: "u", agent: "main" });

    h.reject({ type: "agent/add", dispatcher: "u", agent: "main" }, "duplicate-agent");
    h.reject({ type: "agent/add", dispatcher: "v", agent: "main" }, "unknown-dispatcher");
    for (const size of [0, -1, 1.5]) {
      h.reject({ type: "agent/add", dispatcher: "u", agent: "x", size }, "invalid-argument");
    }
    h.reject({ type: "agent/add", dispatcher: "u", agent: "x", filter: { tasks: [] } },
      "invalid-argument");
    h.reject({ type: "agent/add", dispatcher: "u", agent: "x", retention: "-1d" },
      "negative-duration");
    h.reject({ type: "agent/add", dispatcher: "u", agent: 5 as never }, "invalid-argument");
  });

  test("an agent that holds jobs cannot be removed; an empty one can", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u");
    h.put("j");
    h.agentClaim("u");

    h.reject({ type: "agent/remove", dispatcher: "u", agent: "main" }, "agent-has-jobs");
    h.reject({ type: "agent/remove", dispatcher: "u", agent: "other" }, "unknown-agent");
    h.reject({ type: "agent/remove", dispatcher: "v", agent: "main" }, "unknown-dispatcher");
    expect(h.agent("u", "main").jobs).toEqual(["j"]);
  });

  test("removing an empty agent takes it out of its dispatcher", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u");

    expect(h.ok({ type: "agent/remove", dispatcher: "u", agent: "main" }))
      .toEqual({ agent: "main" });
    expect(h.eventTypes()).toEqual(["agent/removed"]);
    expect(h.dispatcher("u").agents).toEqual([]);
    h.reject({ type: "agent/claim", dispatcher: "u", agent: "main" }, "unknown-agent");
  });

  test("removing an agent whose completed collection holds jobs keeps the state consistent",
    () => {
      const h = new Harness();
      h.dispatcherWithAgents("u");
      h.put("j");
      h.agentClaim("u");
      h.ok({ type: "job/run", job: "j" });

      h.ok({ type: "agent/remove", dispatcher: "u", agent: "main" });
    });
});

describe("agent/claim", () => {
  test("an agent holds at most its size", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u");
    for (let i = 1; i <= 5; i++) h.put(`job${i}`);

    expect(h.agentClaim("u")).toBe("job1");
    expect(h.agentClaim("u")).toBe("job2");
    expect(h.agentClaim("u")).toBe("job3");
    expect(h.agentClaim("u")).toBeNull();
    expect(h.agent("u", "main").jobs).toEqual(["job1", "job2", "job3"]);
    expect(h.job("job2")).toMatchObject({ status: "ASSIGNED",
      holder: { dispatcher: "u", agent: "main", attempt: 1 } });
  });

  test("a finished job moves to the completed collection and frees its slot", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u");
    for (let i = 1; i <= 5; i++) h.put(`job${i}`);
    for (let i = 0; i < 3; i++) h.agentClaim("u");

    h.ok({ type: "job/run", job: "job2" });
    expect(h.agent("u", "main")).toMatchObject({ jobs: ["job1", "job3"], completed: ["job2"] });
    expect(h.agentClaim("u")).toBe("job4");
    expect(h.agentClaim("u")).toBeNull();
  });

  test("an agent's filter picks the jobs it takes", () => {
    const h = new Harness();
    h.ok({ type: "dispatcher/register", dispatcher: "u" });
    h.ok({ type: "agent/add", dispatcher: "u", agent: "main", filter: { task: "value" } });
    h.ok({ type: "dispatcher/activate", dispatcher: "u" });
    h.put("m6");
    h.put("mul7", { task: "mul" });
    h.put("m8");
    h.put("mul9", { task: "mul" });

    expect(h.agentClaim("u")).toBe("m6");
    expect(h.agentClaim("u")).toBe("m8");
    expect(h.agentClaim("u")).toBeNull();
    expect(h.list()).toEqual(["mul7", "mul9"]);
  });

  test("an agent's filter judges fail wrappers like any job", () => {
    const h = new Harness();
    h.ok({ type: "dispatcher/register", dispatcher: "u" });
    h.ok({ type: "agent/add", dispatcher: "u", agent: "plain", filter: { task: "value" } });
    h.ok({ type: "agent/add", dispatcher: "u", agent: "sys", filter: { taskIn: ["sys.fail"] } });
    h.ok({ type: "dispatcher/activate", dispatcher: "u" });
    h.put("j", { beginBy: "0s" });
    h.advance(US);

    expect(h.agentClaim("u", "plain")).toBeNull();
    expect(h.ok({ type: "agent/claim", dispatcher: "u", agent: "sys" }))
      .toEqual({ job: "j/fail/1", task: "sys.fail", wraps: "j" });
    expect(h.agent("u", "sys").jobs).toEqual(["j/fail/1"]);
    expect(h.status("j/fail/1")).toBe("ASSIGNED");
  });

  test("a full agent takes nothing, and makes no wrapper for an expired job", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u", { main: 1 });
    h.put("first");
    h.agentClaim("u");
    h.put("j", { beginBy: "0s" });
    h.advance(US);

    expect(h.agentClaim("u")).toBeNull();
    expect(h.isKnown("j/fail/1")).toBe(false);
    expect(h.list()).toEqual(["j"]);
  });

  test("unknown dispatchers and agents are rejected", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u");

    h.reject({ type: "agent/claim", dispatcher: "v", agent: "main" }, "unknown-dispatcher");
    h.reject({ type: "agent/claim", dispatcher: "u", agent: "other" }, "unknown-agent");
  });
});

describe("completed collections", () => {
  /** Pings, claims and runs a new job on agent `main` of `u` at the harness time. */
  function completeOne(h: Harness, id: string): void {
    h.ok({ type: "dispatcher/ping", dispatcher: "u" });
    h.put(id);
    expect(h.agentClaim("u")).toBe(id);
    h.ok({ type: "job/run", job: id });
  }

  test("newest first; completions in the same microsecond keep their order", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u");
    for (const id of ["a", "b", "c"]) h.put(id);
    for (let i = 0; i < 3; i++) h.agentClaim("u");
    for (const id of ["a", "b", "c"]) h.ok({ type: "job/run", job: id });

    expect(h.agent("u", "main").completed).toEqual(["c", "b", "a"]);
  });

  test("entries completed more than 7 days before a completion are dropped", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u");
    completeOne(h, "a");

    h.setNow(T0 + 7n * DAY);
    completeOne(h, "b");
    expect(h.agent("u", "main").completed).toEqual(["b", "a"]);

    h.setNow(T0 + 7n * DAY + US);
    completeOne(h, "c");
    expect(h.agent("u", "main").completed).toEqual(["c", "b"]);
    expect(h.lastEvents).toContainEqual({ type: "agent/pruned", dispatcher: "u", agent: "main",
      jobs: ["a"] });
    expect(h.isKnown("a")).toBe(false);
    h.reject({ type: "job/start", job: "a" }, "unknown-job");
  });

  test("without completions nothing is ever dropped", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u");
    completeOne(h, "a");
    h.setNow(T0 + 365n * DAY);

    h.ok({ type: "dispatcher/ping", dispatcher: "u" });
    expect(h.agent("u", "main").completed).toEqual(["a"]);
  });

  test("retention is a per-agent option", () => {
    const h = new Harness();
    h.ok({ type: "dispatcher/register", dispatcher: "u" });
    h.ok({ type: "agent/add", dispatcher: "u", agent: "main", retention: "1h" });
    h.ok({ type: "dispatcher/activate", dispatcher: "u" });
    completeOne(h, "a");

    h.setNow(T0 + HOUR + US);
    completeOne(h, "b");
    expect(h.agent("u", "main").completed).toEqual(["b"]);
  });

  test("a dropped wrapper takes the job it settled, and a dropped job its callbacks", () => {
    const h = new Harness();
    h.ok({ type: "dispatcher/register", dispatcher: "u" });
    h.ok({ type: "agent/add", dispatcher: "u", agent: "main", retention: "1h" });
    h.ok({ type: "dispatcher/activate", dispatcher: "u" });
    h.put("late", { beginBy: "0s" });
    h.put("parent");
    h.ok({ type: "job/addCallback", job: "parent", callback: "cb", task: "value" });
    h.advance(US);
    expect(h.agentClaim("u")).toBe("late/fail/1");
    expect(h.agentClaim("u")).toBe("parent");
    h.ok({ type: "job/run", job: "late/fail/1" });
    h.ok({ type: "job/run", job: "parent" });
    expect(h.status("late")).toBe("COMPLETED");
    expect(h.status("cb")).toBe("COMPLETED");

    h.advance(2n * HOUR);
    completeOne(h, "next");
    for (const id of ["late", "late/fail/1", "parent", "cb"]) expect(h.isKnown(id)).toBe(false);
    expect(h.agent("u", "main").completed).toEqual(["next"]);
  });

  test("a fail wrapper failed instead of run still fails its job, which leaves with it",
    () => {
      // The wrapper was failed itself instead of run: its job must not wait for it forever.
      const h = new Harness();
      h.dispatcherWithAgents("u");
      h.put("j", { beginBy: "0s" });
      h.advance(US);
      expect(h.agentClaim("u")).toBe("j/fail/1");
      h.ok({ type: "job/fail", job: "j/fail/1" });
      expect(h.job("j")).toMatchObject({ status: "COMPLETED",
        failure: { kind: "AbortedError" } });

      h.ok({ type: "agent/remove", dispatcher: "u", agent: "main" });
      expect(h.isKnown("j/fail/1")).toBe(false);
      expect(h.isKnown("j")).toBe(false);
    });

  test("an interrupt wrapper failed instead of run fails its job; pruning forgets both",
    () => {
      const h = new Harness({ "": { interruptPolicy: "commonFourTimes" } });
      h.dispatcherWithAgents("u");
      h.put("j");
      h.agentClaim("u");
      h.ok({ type: "job/start", job: "j" });
      h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });
      h.ok({ type: "dispatcher/activate", dispatcher: "u" });
      expect(h.agentClaim("u")).toBe("j/handleInterrupt/1");
      h.ok({ type: "job/fail", job: "j/handleInterrupt/1" });
      expect(h.job("j")).toMatchObject({ status: "COMPLETED",
        failure: { kind: "AbortedError" } });

      h.advance(8n * DAY);
      completeOne(h, "next");
      expect(h.isKnown("j/handleInterrupt/1")).toBe(false);
      expect(h.isKnown("j")).toBe(false);
    });

  test("a failed assigned job also goes to the completed collection", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u");
    h.put("j");
    h.agentClaim("u");
    h.advance(SECOND);

    h.ok({ type: "job/fail", job: "j" });
    expect(h.agent("u", "main")).toMatchObject({ jobs: [], completed: ["j"] });
  });
});
