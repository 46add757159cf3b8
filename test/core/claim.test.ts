// The claim reducer without an agent (queue/claim): due jobs in order, the scan that stops at
// the first job not yet due, declarative filters, deadlines and the fail wrappers that replace
// expired jobs (reference 2.4, cases C25-C34; decisions: wrapper ids, claim without agent).

import { describe, expect, test } from "vitest";

import { DAY, HOUR, Harness, MINUTE, SECOND, T0, US, iso, onT0Day } from "./helpers.js";

describe("queue/claim: order and due times", () => {
  test("claiming an empty queue hands out nothing", () => {
    const h = new Harness();

    expect(h.ok({ type: "queue/claim" })).toEqual({ job: null });
  });

  test("a claimed job leaves the queue detached and NEW", () => {
    const h = new Harness();
    h.put("j", { task: "add", args: [1, 2] });

    expect(h.ok({ type: "queue/claim" })).toEqual({ job: "j", task: "add" });
    expect(h.list()).toEqual([]);
    expect(h.status("j")).toBe("NEW");
    expect(h.eventTypes()).toEqual(["job/claimed"]);
  });

  test("the scan stops at the first job not yet due, even if a filter skips earlier ones",
    () => {
      const h = new Harness();
      h.setNow(onT0Day("16:00:00"));
      h.put("a");
      h.put("b", { task: "or", beginAfter: "2006-08-10T16:30:00Z" });

      expect(h.claim({ task: "or" })).toBeNull();
      h.setNow(onT0Day("16:30:00"));
      expect(h.claim({ task: "or" })).toBe("b");
    });

  test("a claim judges due times by its own clock, even one behind the putter's", () => {
    const h = new Harness();
    h.setNow(T0 + HOUR);
    h.put("j");

    h.setNow(T0);
    expect(h.claim()).toBeNull();
    expect(h.list()).toEqual(["j"]);
    h.setNow(T0 + HOUR);
    expect(h.claim()).toBe("j");
  });

  test("claiming an unknown queue is unknown-queue", () => {
    const h = new Harness();

    h.reject({ type: "queue/claim", queue: "nowhere" }, "unknown-queue");
  });
});

describe("queue/claim: filters", () => {
  function walkthroughQueue(): Harness {
    const h = new Harness();
    h.setNow(onT0Day("16:30:00"));
    h.put("j4", { task: "mul" });
    h.put("j3", { task: "add" });
    h.put("j8", { task: "or" });
    return h;
  }

  test("a task filter picks the first acceptable due job", () => {
    const h = walkthroughQueue();

    expect(h.claim({ task: "or" })).toBe("j8");
    expect(h.claim({ task: "or" })).toBeNull();
    expect(h.list()).toEqual(["j4", "j3"]);
  });

  test("taskIn and taskNotIn filters", () => {
    const h = walkthroughQueue();

    expect(h.claim({ taskIn: ["add", "or"] })).toBe("j3");
    expect(h.claim({ taskNotIn: ["mul"] })).toBe("j8");
    expect(h.claim({ taskNotIn: ["mul"] })).toBeNull();
    expect(h.claim({ taskIn: [] })).toBeNull();
    expect(h.list()).toEqual(["j4"]);
  });

  test("a malformed filter is invalid-argument", () => {
    const h = walkthroughQueue();

    for (const filter of [{}, { task: 3 }, { taskIn: "or" }, { task: "or", taskIn: [] }, "or"]) {
      h.reject({ type: "queue/claim", filter }, "invalid-argument");
    }
  });
});

describe("queue/claim: deadlines", () => {
  test("at exactly beginAfter + beginBy the job itself is handed out", () => {
    const h = new Harness();
    h.put("j", { beginBy: "1h" });
    h.setNow(T0 + HOUR);

    expect(h.claim()).toBe("j");
  });

  test("one microsecond later a fail wrapper is handed out instead", () => {
    const h = new Harness();
    h.put("j", { beginBy: "1h" });
    h.setNow(T0 + HOUR + US);

    const reply = h.ok({ type: "queue/claim" });
    expect(reply).toEqual({ job: "j/fail/1", task: "sys.fail", wraps: "j" });
    expect(h.eventTypes()).toEqual(["job/expired", "job/claimed"]);
    expect(h.list()).toEqual([]);
    expect(h.status("j")).toBe("NEW");
    expect(h.job("j/fail/1")).toMatchObject({ status: "NEW", task: "sys.fail", wraps: "j",
      beginAfter: T0 + HOUR + US, beginBy: null });
  });

  test("running the fail wrapper fails the expired job with AbortedError", () => {
    const h = new Harness();
    h.setNow(onT0Day("16:30:00"));
    h.put("j9", { task: "or", args: [1, 2] });
    h.setNow(onT0Day("17:30:01"));
    const wrapper = h.claim();

    expect(h.ok({ type: "job/run", job: wrapper! })).toMatchObject({ status: "COMPLETED" });
    expect(h.job("j9")).toMatchObject({ status: "COMPLETED",
      failure: { kind: "AbortedError" } });
  });

  test("a zero deadline: due at put time only", () => {
    const h = new Harness();
    h.put("a", { beginBy: "0s" });
    expect(h.claim()).toBe("a");

    h.put("b", { beginBy: "0s" });
    h.advance(US);
    expect(h.claim()).toBe("b/fail/1");
  });

  test("a predated job already past its deadline is failed through a wrapper", () => {
    const h = new Harness();
    h.put("j", { beginAfter: "2006-07-21T12:00:00Z", beginBy: "1h" });

    const wrapper = h.claim();
    expect(wrapper).toBe("j/fail/1");
    h.ok({ type: "job/run", job: wrapper! });
    expect(h.job("j").failure).toMatchObject({ kind: "AbortedError" });
  });

  test("a job without deadline never expires", () => {
    const h = new Harness();
    h.put("j", { beginBy: null });
    h.setNow(T0 + 3653n * DAY);

    expect(h.claim()).toBe("j");
  });

  test("the filter judges the wrapper; a refused expiry makes no wrapper and keeps the job",
    () => {
      const h = new Harness();
      h.put("j", { beginBy: "1h" });
      h.setNow(T0 + HOUR + SECOND);

      expect(h.claim({ task: "value" })).toBeNull();
      expect(h.list()).toEqual(["j"]);
      expect(h.isKnown("j/fail/1")).toBe(false);

      expect(h.claim({ taskIn: ["sys.fail"] })).toBe("j/fail/1");
    });

  test("a refused expired job is skipped and the scan goes on to later due jobs", () => {
    const h = new Harness();
    h.put("old", { beginBy: "1m" });
    h.advance(2n * MINUTE);
    h.put("fresh");

    expect(h.claim({ task: "value" })).toBe("fresh");
    expect(h.list()).toEqual(["old"]);
  });

  test("an expired job that is put again and expires again gets the next wrapper number",
    () => {
      const h = new Harness();
      h.put("j", { beginBy: "1m" });
      h.advance(2n * MINUTE);
      expect(h.claim()).toBe("j/fail/1");

      h.put("j", { beginAfter: iso(h.now) });
      h.advance(2n * MINUTE);
      expect(h.claim()).toBe("j/fail/2");
    });

  test("expired jobs bypass quotas; the quota keeps its members", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "c", size: 1 });
    h.dispatcherWithAgents("u1");
    h.put("a", { quotaNames: ["c"] });
    expect(h.agentClaim("u1")).toBe("a");
    h.put("b", { quotaNames: ["c"], beginBy: "10s" });
    h.put("b2", { quotaNames: ["c"] });
    expect(h.claim()).toBeNull();

    h.advance(11n * SECOND);
    expect(h.claim()).toBe("b/fail/1");
    expect(h.members("c")).toEqual(["a"]);
    expect(h.list()).toEqual(["b2"]);
  });

  test("the expired job cannot be started while its wrapper owns it", () => {
    const h = new Harness();
    h.put("j", { beginBy: "0s" });
    h.advance(US);
    h.claim();

    h.reject({ type: "job/start", job: "j" }, "bad-status");
    h.reject({ type: "job/run", job: "j" }, "bad-status");
  });
});
