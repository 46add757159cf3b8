// Quotas and the job setters: quota create/resize/remove, strict maxima at claim time, eager
// membership (a slot is held from claim until CALLBACKS, COMPLETED or a reschedule into the
// future), and job/setQuotaNames and job/setBeginBy with their status rules (reference 1.4,
// 1.6, 2.5, cases D35-D49; decisions: eager quotas, duplicate quota).

import { describe, expect, test } from "vitest";

import { HOUR, Harness, MINUTE, T0, iso, onT0Day } from "./helpers.js";

describe("quota administration", () => {
  test("create, resize and remove, with their replies and events", () => {
    const h = new Harness();

    expect(h.ok({ type: "quota/create", name: "testing" })).toEqual({ name: "testing", size: 1 });
    expect(h.eventTypes()).toEqual(["quota/created"]);
    expect(h.ok({ type: "quota/resize", name: "testing", size: 2 }))
      .toEqual({ name: "testing", size: 2 });
    expect(h.ok({ type: "quota/create", name: "big", size: 3 }).size).toBe(3);
    expect(h.ok({ type: "quota/remove", name: "testing" })).toEqual({ name: "testing" });
    h.reject({ type: "quota/resize", name: "testing", size: 1 }, "unknown-quota");
  });

  test("creating a quota twice is duplicate-quota and keeps the members", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "q", size: 2 });
    h.put("a", { quotaNames: ["q"] });
    h.claim();

    h.reject({ type: "quota/create", name: "q", size: 5 }, "duplicate-quota");
    expect(h.members("q")).toEqual(["a"]);
  });

  test("bad names and sizes are rejected", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "q" });

    h.reject({ type: "quota/create", name: "r", size: -1 }, "invalid-argument");
    h.reject({ type: "quota/create", name: "r", size: 1.5 }, "invalid-argument");
    h.reject({ type: "quota/create", name: 7 as never }, "invalid-argument");
    h.reject({ type: "quota/resize", name: "q", size: -2 }, "invalid-argument");
    h.reject({ type: "quota/remove", name: "nope" }, "unknown-quota");
    h.reject({ type: "quota/create", name: "r", queue: "nowhere" }, "unknown-queue");
  });
});

describe("quota names", () => {
  test("setting an unknown quota name on a queued job is unknown-quota", () => {
    const h = new Harness();
    h.put("j4");

    h.reject({ type: "job/setQuotaNames", job: "j4", quotaNames: ["content catalog"] },
      "unknown-quota");
    expect(h.job("j4").quotaNames).toEqual([]);
  });

  test("a NEW job accepts any names, but putting it with an unknown one is refused", () => {
    const h = new Harness();
    h.put("j4");
    h.put("other");
    h.ok({ type: "queue/pull" });

    expect(h.ok({ type: "job/setQuotaNames", job: "j4", quotaNames: ["content catalog"] }))
      .toEqual({ quotaNames: ["content catalog"] });
    h.reject({ type: "job/put", job: "j4" }, "unknown-quota");
    expect(h.list()).toEqual(["other"]);
    h.reject({ type: "job/put", job: "new", task: "value", quotaNames: ["content catalog"] },
      "unknown-quota");
    expect(h.isKnown("new")).toBe(false);
  });

  test("a single string where a list belongs is quota-names-not-iterable", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "content catalog" });
    h.put("j4", { quotaNames: ["content catalog"] });

    h.reject({ type: "job/setQuotaNames", job: "j4", quotaNames: "" }, "quota-names-not-iterable");
    h.reject({ type: "job/put", job: "j5", task: "value", quotaNames: "content catalog" },
      "quota-names-not-iterable");
    h.reject({ type: "job/setQuotaNames", job: "j4", quotaNames: [1] }, "invalid-argument");
    expect(h.job("j4").quotaNames).toEqual(["content catalog"]);
  });

  test("names can only be set on NEW or PENDING jobs", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "q" });
    h.dispatcherWithAgents("u1");
    h.put("j");
    h.agentClaim("u1");
    h.reject({ type: "job/setQuotaNames", job: "j", quotaNames: ["q"] }, "bad-status");

    h.ok({ type: "job/start", job: "j" });
    h.reject({ type: "job/setQuotaNames", job: "j", quotaNames: ["q"] }, "bad-status");
    h.reject({ type: "job/setQuotaNames", job: "ghost", quotaNames: [] }, "unknown-job");
  });

  test("changing the names of a detached job that holds a slot keeps the state consistent",
    () => {
      // Decisions: a quota lists exactly the jobs that hold a slot now, and a member names
      // its quota (checkInvariants); a NEW job accepts any names (reference 1.4).
      const h = new Harness();
      h.ok({ type: "quota/create", name: "q" });
      h.put("a", { quotaNames: ["q"] });
      h.claim();

      h.ok({ type: "job/setQuotaNames", job: "a", quotaNames: [] });
      expect(h.job("a").quotaNames).toEqual([]);
    });

  test("putting a detached member again with other names keeps the state consistent", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "q" });
    h.ok({ type: "quota/create", name: "r" });
    h.put("a", { quotaNames: ["q"] });
    h.claim();

    h.put("a", { quotaNames: ["r"] });
    expect(h.job("a").quotaNames).toEqual(["r"]);
  });
});

describe("quotas at claim time", () => {
  test("a size-1 quota serialises its jobs (the walkthrough)", () => {
    const h = new Harness();
    h.setNow(onT0Day("16:00:00"));
    h.ok({ type: "quota/create", name: "content catalog", size: 1 });
    h.put("j3", { beginAfter: "2006-08-10T16:02:00Z" });
    h.put("j4", { beginAfter: "2006-08-10T16:01:00Z", quotaNames: ["content catalog"] });
    h.setNow(onT0Day("16:30:00"));
    h.dispatcherWithAgents("u1");
    h.ok({ type: "job/setQuotaNames", job: "j3", quotaNames: ["content catalog"] });

    expect(h.agentClaim("u1")).toBe("j4");
    expect(h.status("j4")).toBe("ASSIGNED");
    expect(h.members("content catalog")).toEqual(["j4"]);
    expect(h.claim()).toBeNull();

    h.ok({ type: "job/run", job: "j4" });
    expect(h.status("j4")).toBe("COMPLETED");
    expect(h.claim()).toBe("j3");
  });

  test("reaching CALLBACKS frees the slot", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "q" });
    h.put("a", { quotaNames: ["q"] });
    h.put("b", { quotaNames: ["q"] });
    h.claim();
    h.ok({ type: "job/start", job: "a" });

    h.ok({ type: "job/finish", job: "a", result: 1, callbacks: "hold" });
    expect(h.status("a")).toBe("CALLBACKS");
    expect(h.members("q")).toEqual([]);
    expect(h.claim()).toBe("b");
  });

  test("a detached NEW or ACTIVE member holds the slot; COMPLETED frees it", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "q" });
    h.put("a", { quotaNames: ["q"] });
    h.put("b", { quotaNames: ["q"] });

    expect(h.claim()).toBe("a");
    expect(h.claim()).toBeNull();
    h.ok({ type: "job/start", job: "a" });
    expect(h.claim()).toBeNull();
    h.ok({ type: "job/finish", job: "a", result: 1 });
    expect(h.members("q")).toEqual([]);
    expect(h.claim()).toBe("b");
  });

  test("a removed quota is ignored at claim time and its name stays on the job", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "q" });
    h.put("a", { quotaNames: ["q"] });
    h.put("b", { quotaNames: ["q"] });
    h.claim();

    h.ok({ type: "quota/remove", name: "q" });
    expect(h.job("b").quotaNames).toEqual(["q"]);
    expect(h.claim()).toBe("b");
    expect(h.list()).toEqual([]);
  });

  test("lowering a size evicts no one; claims wait until enough members finish", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "q", size: 2 });
    for (const id of ["j1", "j2", "j3"]) h.put(id, { quotaNames: ["q"] });
    expect(h.claim()).toBe("j1");
    expect(h.claim()).toBe("j2");
    expect(h.claim()).toBeNull();

    h.ok({ type: "quota/resize", name: "q", size: 1 });
    expect(h.members("q")).toEqual(["j1", "j2"]);
    expect(h.claim()).toBeNull();
    h.ok({ type: "job/run", job: "j1" });
    expect(h.claim()).toBeNull();
    expect(h.members("q")).toEqual(["j2"]);

    h.ok({ type: "job/run", job: "j2" });
    expect(h.claim()).toBe("j3");
    h.ok({ type: "job/run", job: "j3" });
    expect(h.members("q")).toEqual([]);
  });

  test("a job naming several quotas needs room in each of them", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "a", size: 1 });
    h.ok({ type: "quota/create", name: "b", size: 2 });
    h.put("j1", { quotaNames: ["b"] });
    h.put("j2", { quotaNames: ["a"] });
    h.put("j3", { quotaNames: ["a", "b"] });

    expect(h.claim()).toBe("j1");
    expect(h.claim()).toBe("j2");
    expect(h.claim()).toBeNull();
    expect(h.members("a")).toEqual(["j2"]);
    expect(h.members("b")).toEqual(["j1"]);
  });

  test("a size-0 quota blocks every job that names it", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "off", size: 0 });
    h.put("j", { quotaNames: ["off"] });
    h.put("k");

    expect(h.claim()).toBe("k");
    expect(h.claim()).toBeNull();
  });

  test("a member retried now keeps its slot and its turn; the slot passes on after", () => {
    const h = new Harness({ "": { interruptPolicy: "commonFourTimes" } });
    h.ok({ type: "quota/create", name: "q", size: 1 });
    h.dispatcherWithAgents("u1");
    h.put("j", { quotaNames: ["q"] });
    h.put("j2", { quotaNames: ["q"] });
    expect(h.agentClaim("u1")).toBe("j");
    h.ok({ type: "job/start", job: "j" });
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u1" });
    expect(h.list()).toEqual(["j2", "j/handleInterrupt/1"]);

    expect(h.claim()).toBe("j/handleInterrupt/1");
    h.ok({ type: "job/run", job: "j/handleInterrupt/1" });
    expect(h.list()).toEqual(["j", "j2"]);
    expect(h.members("q")).toEqual(["j"]);

    expect(h.claim()).toBe("j");
    expect(h.ok({ type: "job/run", job: "j" })).toMatchObject({ status: "COMPLETED" });
    expect(h.claim()).toBe("j2");
  });

  test("a member put again into the future gives up its slot", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "q" });
    h.put("a", { quotaNames: ["q"] });
    h.put("b", { quotaNames: ["q"] });
    h.claim();

    h.put("a", { beginAfter: iso(T0 + HOUR) });
    expect(h.members("q")).toEqual([]);
    expect(h.claim()).toBe("b");
  });

  test("a member put again due now keeps its slot and may pass a full quota", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "q" });
    h.put("a", { quotaNames: ["q"] });
    h.put("b", { quotaNames: ["q"] });
    h.claim();

    h.put("a");
    expect(h.members("q")).toEqual(["a"]);
    expect(h.list()).toEqual(["b", "a"]);
    expect(h.claim()).toBe("a");
  });

  test("pulling a member does not release its slot", () => {
    const h = new Harness();
    h.ok({ type: "quota/create", name: "q" });
    h.put("a", { quotaNames: ["q"] });
    h.put("b", { quotaNames: ["q"] });
    h.claim();
    h.put("a");

    h.ok({ type: "queue/remove", job: "a" });
    expect(h.members("q")).toEqual(["a"]);
    expect(h.claim()).toBeNull();
  });
});

describe("job/setBeginBy", () => {
  test("a pending job's deadline can be changed, and the change decides expiry", () => {
    const h = new Harness();
    h.put("j", { beginBy: "1h" });

    expect(h.ok({ type: "job/setBeginBy", job: "j", beginBy: "5m" }))
      .toEqual({ beginBy: 5n * MINUTE });
    h.advance(5n * MINUTE + 1n);
    expect(h.claim()).toBe("j/fail/1");
  });

  test("a deadline can be removed with null, on a pending job and on a NEW one", () => {
    const h = new Harness();
    h.put("pending", { beginBy: "0s" });
    h.put("pulled", { beginBy: "0s" });
    h.ok({ type: "queue/remove", job: "pulled" });

    expect(h.ok({ type: "job/setBeginBy", job: "pending", beginBy: null }))
      .toEqual({ beginBy: null });
    h.ok({ type: "job/setBeginBy", job: "pulled", beginBy: null });
    expect(h.job("pulled").beginBy).toBeNull();
    h.advance(HOUR * 24n);
    expect(h.claim()).toBe("pending");
  });

  test("negative, malformed, and out-of-status changes are rejected", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u1");
    h.put("j");

    h.reject({ type: "job/setBeginBy", job: "j", beginBy: "-5m" }, "negative-duration");
    h.reject({ type: "job/setBeginBy", job: "j", beginBy: "later" }, "invalid-argument");
    h.reject({ type: "job/setBeginBy", job: "ghost", beginBy: "5m" }, "unknown-job");
    h.agentClaim("u1");
    h.reject({ type: "job/setBeginBy", job: "j", beginBy: "5m" }, "bad-status");
    expect(h.job("j").beginBy).toBe(HOUR);
  });
});
