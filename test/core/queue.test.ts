// The queue reducers put, pull and remove, and the order they keep: put-back jobs first, then
// a merge of the FIFO and the held index that compares heads only (reference 2.1-2.3, cases
// B5-B24), plus queue creation and time validation at the command boundary.

import { describe, expect, test } from "vitest";

import { HOUR, Harness, MINUTE, SECOND, T0, US, iso, onT0Day, toMicros } from "./helpers.js";

describe("job/put", () => {
  test("a job put without a time is due now, pending, with the default one-hour deadline", () => {
    const h = new Harness();
    const reply = h.put("j1");

    expect(reply).toEqual({ job: "j1", beginAfter: T0, beginBy: HOUR, status: "PENDING" });
    expect(h.list()).toEqual(["j1"]);
    expect(h.eventTypes()).toEqual(["job/queued"]);
    expect(h.job("j1")).toMatchObject({ status: "PENDING", task: "value", quotaNames: [] });
  });

  test("the queue option defaultBeginBy sets or removes the default deadline", () => {
    const h = new Harness({ none: { defaultBeginBy: null }, short: { defaultBeginBy: "30m" } });

    expect(h.put("a", { queue: "none" }).beginBy).toBeNull();
    expect(h.put("b", { queue: "short" }).beginBy).toBe(30n * MINUTE);
  });

  test("an explicit deadline overrides the default, and zero is allowed", () => {
    const h = new Harness();

    expect(h.put("none", { beginBy: null }).beginBy).toBeNull();
    expect(h.put("zero", { beginBy: "0s" }).beginBy).toBe(0n);
    expect(h.put("iso", { beginBy: "PT1H30M" }).beginBy).toBe(90n * MINUTE);
  });

  test("a negative deadline is rejected and the queue is unchanged", () => {
    const h = new Harness();
    h.put("j1");

    h.reject({ type: "job/put", job: "j2", task: "value", beginBy: "-1s" }, "negative-duration");
    expect(h.list()).toEqual(["j1"]);
    expect(h.isKnown("j2")).toBe(false);
  });

  test("a time without an offset is rejected, in the arguments and in `at`", () => {
    const h = new Harness();
    h.put("j1");

    h.reject({ type: "job/put", job: "j2", task: "value", beginAfter: "2006-08-10T16:15:00" },
      "naive-time");
    h.reject({ type: "job/put", job: "j3", task: "value", at: "2006-08-10T16:15:00" },
      "naive-time");
    expect(h.list()).toEqual(["j1"]);
  });

  test("malformed arguments are rejected before anything changes", () => {
    const h = new Harness();
    h.put("j1");

    // An id alone puts a known job again; for an unknown id the contract says unknown-job.
    h.reject({ type: "job/put", job: "j2" }, "unknown-job");
    h.reject({ type: "job/put", job: "", task: "value" }, "invalid-argument");
    h.reject({ type: "job/put", job: "j2", task: "value", beginAfter: "soon" },
      "invalid-argument");
    h.reject({ type: "job/put", job: "j2", task: "value", beginBy: "a while" },
      "invalid-argument");
    h.reject({ type: "job/put", job: "j2", task: "value", args: "x" as never },
      "invalid-argument");
    h.reject({ type: "job/put", job: "j2", task: "value", queue: "nowhere" }, "unknown-queue");
    h.reject({ type: "job/put", job: "j1", task: "add" }, "invalid-argument");
  });

  test("a future job is held and not claimable until due; equality is due", () => {
    const h = new Harness();
    const due = onT0Day("16:00:00");

    expect(h.put("j2", { beginAfter: "2006-08-10T16:00:00Z" }).beginAfter).toBe(due);
    expect(h.claim()).toBeNull();
    expect(h.list()).toEqual(["j2"]);

    h.setNow(due - US);
    expect(h.claim()).toBeNull();
    h.setNow(due);
    expect(h.claim()).toBe("j2");
    expect(h.list()).toEqual([]);
  });

  test("held jobs are ordered by their time", () => {
    const h = new Harness();
    h.setNow(onT0Day("16:00:00"));
    h.put("j3", { beginAfter: "2006-08-10T16:02:00Z" });
    h.put("j4", { beginAfter: "2006-08-10T16:01:00Z" });
    h.put("j5", { beginAfter: "2006-08-10T16:00:00Z" });

    expect(h.list()).toEqual(["j5", "j4", "j3"]);
    expect(h.claim()).toBe("j5");
    expect(h.list()).toEqual(["j4", "j3"]);
  });

  test("an undated job put at 16:00 precedes held jobs; a predated one joins the FIFO tail",
    () => {
      const h = new Harness();
      h.setNow(onT0Day("16:00:00"));
      h.put("j4", { beginAfter: "2006-08-10T16:01:00Z" });
      h.put("j3", { beginAfter: "2006-08-10T16:02:00Z" });
      h.put("j6");
      const j7 = h.put("j7", { beginAfter: "2006-08-10T15:35:00Z" });

      expect(h.list()).toEqual(["j6", "j7", "j4", "j3"]);
      expect(j7.beginAfter).toBe(onT0Day("15:35:00"));
    });

  test("times with an offset are normalised to UTC", () => {
    const h = new Harness();
    const reply = h.put("j8", { beginAfter: "2006-08-10T11:30:00-05:00" });

    expect(reply.beginAfter).toBe(onT0Day("16:30:00"));
  });

  test("microseconds are kept, and times up to the year 9999 are accepted", () => {
    const h = new Harness();

    expect(h.put("a", { beginAfter: "2006-08-10T16:00:00.000001Z" }).beginAfter)
      .toBe(onT0Day("16:00:00") + US);
    expect(h.put("b", { beginAfter: "9999-12-31T23:59:59.999999Z" }).beginAfter)
      .toBe(toMicros("9999-12-31T23:59:59.999999Z"));
    expect(h.list()).toEqual(["a", "b"]);
  });

  test("held jobs due at the same time keep the order in which they first appeared", () => {
    const h = new Harness();
    h.put("x", { beginAfter: iso(T0 + HOUR) });
    h.ok({ type: "queue/pull" });
    h.put("y", { beginAfter: iso(T0 + HOUR) });
    h.put("x");

    expect(h.list()).toEqual(["x", "y"]);
  });

  test("a held job and a FIFO job with equal times: the held job comes first", () => {
    const h = new Harness();
    h.setNow(T0 - 10n * SECOND);
    h.put("held", { beginAfter: iso(T0) });
    h.setNow(T0);
    h.put("fifo");

    expect(h.list()).toEqual(["held", "fifo"]);
    expect(h.claim()).toBe("held");
  });

  test("the FIFO is never re-sorted and held jobs never migrate to it", () => {
    const h = new Harness();
    h.setNow(onT0Day("16:00:00"));
    h.put("x");
    h.put("y", { beginAfter: "2006-08-10T15:35:00Z" });
    h.put("z", { beginAfter: "2006-08-10T16:01:00Z" });
    h.setNow(onT0Day("16:05:00"));
    h.put("w");

    expect(h.list()).toEqual(["x", "y", "z", "w"]);
  });

  test("putting a queued job again is already-queued, even from another queue", () => {
    const h = new Harness({ "": {}, other: {} });
    h.put("j", { queue: "other" });

    h.reject({ type: "job/put", job: "j" }, "already-queued");
    h.reject({ type: "job/put", job: "j", queue: "other" }, "already-queued");
    expect(h.list("other")).toEqual(["j"]);
  });

  test("putting an assigned, active or completed job is bad-status", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u1");
    h.put("j");
    h.agentClaim("u1");
    h.reject({ type: "job/put", job: "j" }, "bad-status");

    h.ok({ type: "job/start", job: "j" });
    h.reject({ type: "job/put", job: "j" }, "bad-status");

    h.ok({ type: "job/finish", job: "j", result: 1 });
    h.reject({ type: "job/put", job: "j" }, "bad-status");
  });

  test("a pulled job put again keeps its time and deadline; new args replace the old", () => {
    const h = new Harness();
    h.put("j", { beginAfter: iso(T0 + MINUTE), beginBy: "5m", args: [1] });
    h.ok({ type: "queue/pull" });
    h.advance(HOUR);
    const reply = h.put("j", { args: [2] });

    expect(reply).toMatchObject({ beginAfter: T0 + MINUTE, beginBy: 5n * MINUTE });
    expect(h.list()).toEqual(["j"]);
    expect(h.job("j").args).toEqual([2]);
  });
});

describe("queue/pull", () => {
  function queueOfThree(): Harness {
    const h = new Harness();
    h.put("a");
    h.put("b");
    h.put("c");
    return h;
  }

  test("pull takes the head by default, leaving the job NEW and detached", () => {
    const h = queueOfThree();

    expect(h.ok({ type: "queue/pull" })).toEqual({ job: "a" });
    expect(h.status("a")).toBe("NEW");
    expect(h.list()).toEqual(["b", "c"]);
    expect(h.eventTypes()).toEqual(["job/pulled"]);
  });

  test("negative indexes count from the end", () => {
    const h = queueOfThree();

    expect(h.ok({ type: "queue/pull", index: -1 }).job).toBe("c");
    expect(h.ok({ type: "queue/pull", index: -2 }).job).toBe("a");
    expect(h.list()).toEqual(["b"]);
  });

  test("pull(0) and pull(-1) then re-put: the reference walkthrough order", () => {
    const h = new Harness();
    h.setNow(onT0Day("16:00:00"));
    h.put("j4", { beginAfter: "2006-08-10T16:01:00Z" });
    h.put("j3", { beginAfter: "2006-08-10T16:02:00Z" });
    h.put("j6");
    h.put("j7", { beginAfter: "2006-08-10T15:35:00Z" });
    h.put("j8", { beginAfter: "2006-08-10T11:30:00-05:00" });

    expect(h.ok({ type: "queue/pull", index: 0 }).job).toBe("j6");
    expect(h.ok({ type: "queue/pull", index: -1 }).job).toBe("j8");
    h.put("j6");
    h.put("j8");
    expect(h.list()).toEqual(["j7", "j6", "j4", "j3", "j8"]);

    expect(h.claim()).toBe("j7");
    expect(h.claim()).toBe("j6");
    expect(h.claim()).toBeNull();
  });

  test("indexes outside the queue are index-out-of-range", () => {
    const h = new Harness();
    h.put("a");
    h.put("b");

    h.reject({ type: "queue/pull", index: 2 }, "index-out-of-range");
    h.reject({ type: "queue/pull", index: -3 }, "index-out-of-range");
    expect(h.ok({ type: "queue/pull", index: -2 }).job).toBe("a");
  });

  test("pulling from an empty queue is index-out-of-range", () => {
    const h = new Harness();

    h.reject({ type: "queue/pull" }, "index-out-of-range");
  });

  test("an index that is not a whole number is invalid-argument", () => {
    const h = new Harness();
    h.put("a");

    h.reject({ type: "queue/pull", index: 0.5 }, "invalid-argument");
    h.reject({ type: "queue/pull", index: "0" as never }, "invalid-argument");
    h.reject({ type: "queue/pull", queue: "nowhere" }, "unknown-queue");
  });
});

describe("queue/remove", () => {
  test("remove takes a job out by id; removing it again is not-in-queue", () => {
    const h = new Harness();
    h.setNow(onT0Day("16:00:00"));
    h.put("j4", { beginAfter: "2006-08-10T16:01:00Z" });
    h.put("j3", { beginAfter: "2006-08-10T16:02:00Z" });

    expect(h.ok({ type: "queue/remove", job: "j3" })).toEqual({ job: "j3" });
    expect(h.list()).toEqual(["j4"]);
    h.ok({ type: "queue/remove", job: "j4" });
    expect(h.list()).toEqual([]);
    h.reject({ type: "queue/remove", job: "j4" }, "not-in-queue");

    h.put("j3");
    h.put("j4");
    expect(h.list()).toEqual(["j4", "j3"]);
  });

  test("remove names the queue: a job of another queue is not-in-queue", () => {
    const h = new Harness({ "": {}, other: {} });
    h.put("j", { queue: "other" });

    h.reject({ type: "queue/remove", job: "j" }, "not-in-queue");
    expect(h.ok({ type: "queue/remove", job: "j", queue: "other" }).job).toBe("j");
  });

  test("removing an unknown job is unknown-job", () => {
    const h = new Harness();

    h.reject({ type: "queue/remove", job: "ghost" }, "unknown-job");
  });
});

describe("queue/create", () => {
  test("a queue can be created with options, once", () => {
    const h = new Harness();

    expect(h.ok({ type: "queue/create", queue: "batch", defaultBeginBy: null }))
      .toEqual({ queue: "batch" });
    expect(h.put("j", { queue: "batch" }).beginBy).toBeNull();
    h.reject({ type: "queue/create", queue: "batch" }, "invalid-argument");
  });

  test("an unknown interrupt policy is invalid-argument", () => {
    const h = new Harness();

    h.reject({ type: "queue/create", queue: "q", interruptPolicy: "sometimes" },
      "invalid-argument");
    h.reject({ type: "queue/create", queue: "q", defaultBeginBy: "-1h" }, "negative-duration");
  });
});
