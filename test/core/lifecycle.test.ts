// A job's life after its claim: job/start, job/finish, job/run (built-in tasks, retries),
// job/fail (cancel), callbacks, the wrappers that settle reaped jobs under the queue option
// interruptPolicy, and claim tokens that turn stale holders away as `reassigned` (reference
// 1.5, 2.9-2.12, cases G82-G99; decisions: interrupt policy, claim tokens, cancel).

import { describe, expect, test } from "vitest";

import { Harness, MINUTE, SECOND, T0 } from "./helpers.js";

/** A harness with dispatcher `u`, agent `main`, and job `j` (task, args) assigned to it. */
function assigned(task = "value", args: unknown[] = [42],
  queues?: ConstructorParameters<typeof Harness>[0]): Harness {
  const h = new Harness(queues);
  h.dispatcherWithAgents("u");
  h.put("j", { task, args: args as never });
  expect(h.agentClaim("u")).toBe("j");
  return h;
}

describe("status sequence", () => {
  test("PENDING, ASSIGNED, ACTIVE, CALLBACKS, COMPLETED", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u");
    h.put("j");
    expect(h.status("j")).toBe("PENDING");

    h.agentClaim("u");
    expect(h.status("j")).toBe("ASSIGNED");
    expect(h.ok({ type: "job/start", job: "j" })).toEqual({ status: "ACTIVE" });
    expect(h.eventTypes()).toEqual(["job/started"]);
    expect(h.ok({ type: "job/finish", job: "j", result: 7, callbacks: "hold" }))
      .toEqual({ status: "CALLBACKS", result: 7 });
    expect(h.ok({ type: "job/fail", job: "j" })).toEqual({ status: "COMPLETED", result: 7 });
  });

  test("a callback's status is that of the job that owns it", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u");
    h.put("j");
    h.ok({ type: "job/addCallback", job: "j", callback: "cb", task: "value" });
    expect(h.status("cb")).toBe("PENDING");

    h.agentClaim("u");
    expect(h.status("cb")).toBe("ASSIGNED");
    h.reject({ type: "job/start", job: "cb" }, "bad-status");
  });
});

describe("job/start and job/finish", () => {
  test("only NEW or ASSIGNED jobs start", () => {
    const h = new Harness();
    h.put("queued");
    h.reject({ type: "job/start", job: "queued" }, "bad-status");
    h.reject({ type: "job/run", job: "queued" }, "bad-status");
    h.reject({ type: "job/start", job: "ghost" }, "unknown-job");
    h.reject({ type: "job/start", job: 3 as never }, "invalid-argument");

    h.claim();
    h.ok({ type: "job/start", job: "queued" });
    h.reject({ type: "job/start", job: "queued" }, "bad-status");
    h.ok({ type: "job/finish", job: "queued" });
    h.reject({ type: "job/start", job: "queued" }, "bad-status");
    h.reject({ type: "job/run", job: "queued" }, "bad-status");
  });

  test("finish stores a result or a failure; only an ACTIVE job finishes", () => {
    const h = new Harness();
    h.put("a");
    h.put("b");
    h.claim();
    h.claim();
    h.reject({ type: "job/finish", job: "a", result: 1 }, "bad-status");
    h.ok({ type: "job/start", job: "a" });
    h.ok({ type: "job/start", job: "b" });

    expect(h.ok({ type: "job/finish", job: "a", result: { n: 1 } }))
      .toEqual({ status: "COMPLETED", result: { n: 1 } });
    expect(h.ok({ type: "job/finish", job: "b", error: "ValueError", message: "bad" }))
      .toEqual({ status: "COMPLETED", failure: { kind: "ValueError", message: "bad" } });
    h.reject({ type: "job/finish", job: "a", result: 2 }, "bad-status");
  });

  test("malformed finish arguments are invalid-argument", () => {
    const h = new Harness();
    h.put("a");
    h.claim();
    h.ok({ type: "job/start", job: "a" });

    h.reject({ type: "job/finish", job: "a", callbacks: "later" as never }, "invalid-argument");
    h.reject({ type: "job/finish", job: "a", error: "" }, "invalid-argument");
    expect(h.status("a")).toBe("ACTIVE");
  });
});

describe("job/run", () => {
  const cases: [string, unknown[], object][] = [
    ["value", [42], { result: 42 }],
    ["add", [2, 3], { result: 5 }],
    ["mul", [2, 8], { result: 16 }],
    ["mod", [85, 43], { result: 42 }],
    ["mod", [-1, 3], { result: 2 }],
    ["or", [1, 2], { result: 3 }],
    ["and", [6, 3], { result: 2 }],
    ["throw", ["ValueError"], { failure: { kind: "ValueError" } }],
    ["add", [1], { failure: { kind: "TypeError" } }],
    ["no-such-task", [], { failure: { kind: "UnknownTaskError" } }],
  ];

  test.each(cases)("task %s with %j", (task, args, expected) => {
    const h = new Harness();
    h.put("j", { task, args: args as never });
    h.claim();

    expect(h.ok({ type: "job/run", job: "j" })).toMatchObject({ status: "COMPLETED",
      ...expected });
  });

  test("a conflict error is retried in its agent: five attempts, then the failure", () => {
    const h = assigned("throw", ["ConflictError"]);

    expect(h.ok({ type: "job/run", job: "j" })).toMatchObject({ status: "COMPLETED",
      failure: { kind: "ConflictError" } });
    expect(h.job("j").attempts).toBe(5);
  });

  test("a detached job is retried at once too, as a direct call is in the reference", () => {
    const h = new Harness();
    h.put("j", { task: "throw", args: ["ConflictError"] });
    h.claim();

    h.ok({ type: "job/run", job: "j" });
    expect(h.job("j")).toMatchObject({ status: "COMPLETED", attempts: 5,
      failure: { kind: "ConflictError" } });
  });

  test("a detached job whose error asks for a later retry keeps the error", () => {
    // Reference 2.10: a reschedule from a job error needs an agent parent; otherwise the
    // error result stands.
    const h = new Harness();
    h.put("j", { task: "throw", args: ["ClientDisconnected"] });
    h.claim();

    expect(h.ok({ type: "job/run", job: "j" })).toMatchObject({ status: "COMPLETED",
      failure: { kind: "ClientDisconnected" } });
  });

  test("a lost connection sends the job back to its agent to be retried later", () => {
    const h = assigned("throw", ["ClientDisconnected"]);

    expect(h.ok({ type: "job/run", job: "j" })).toEqual({ status: "ASSIGNED" });
    expect(h.agent("u", "main").jobs).toEqual(["j"]);
  });

  test("no retry once the deadline has passed", () => {
    const h = new Harness();
    h.dispatcherWithAgents("u");
    h.put("j", { task: "throw", args: ["ConflictError"], beginBy: "1m" });
    h.agentClaim("u");
    h.advance(MINUTE + 1n);

    h.ok({ type: "job/run", job: "j" });
    expect(h.job("j")).toMatchObject({ status: "COMPLETED", attempts: 1 });
  });
});

describe("a task that returns a job", () => {
  test("the outer job waits ACTIVE, holding its slot, and takes the inner job's outcome", () => {
    const h = assigned("value", [1]);
    h.ok({ type: "job/start", job: "j" });

    expect(h.ok({ type: "job/finish", job: "j",
      returnJob: { job: "inner", task: "value", args: [42] } }).status).toBe("ACTIVE");
    expect(h.list()).toEqual(["inner"]);
    h.reject({ type: "job/finish", job: "j", result: 1 }, "bad-status");
    expect(h.agent("u", "main").jobs).toEqual(["j"]);

    expect(h.claim()).toBe("inner");
    h.ok({ type: "job/run", job: "inner" });
    expect(h.job("j")).toMatchObject({ status: "COMPLETED", result: 42 });
    expect(h.agent("u", "main")).toMatchObject({ jobs: [], completed: ["j"] });
  });

  test("a returned job must be new and well formed", () => {
    const h = assigned();
    h.put("taken");
    h.ok({ type: "job/start", job: "j" });

    h.reject({ type: "job/finish", job: "j", returnJob: { job: "taken", task: "value" } },
      "invalid-argument");
    h.reject({ type: "job/finish", job: "j", returnJob: { task: "value" } as never },
      "invalid-argument");
  });
});

describe("job/fail", () => {
  test("a NEW job fails with AbortedError by default, or with the given kind", () => {
    const h = new Harness();
    h.put("a");
    h.put("b");
    h.claim();
    h.claim();

    expect(h.ok({ type: "job/fail", job: "a" })).toEqual({ status: "COMPLETED",
      failure: { kind: "AbortedError", message: "" } });
    expect(h.ok({ type: "job/fail", job: "b", error: "RuntimeError", message: "failed" }))
      .toEqual({ status: "COMPLETED", failure: { kind: "RuntimeError", message: "failed" } });
  });

  test("failing a queued job cancels it: it leaves its queue in the same step", () => {
    const h = new Harness();
    h.put("badjob");
    h.put("other");

    expect(h.ok({ type: "job/fail", job: "badjob" }).status).toBe("COMPLETED");
    expect(h.list()).toEqual(["other"]);
    expect(h.claim()).toBe("other");
  });

  test("ACTIVE and COMPLETED jobs cannot be failed", () => {
    const h = new Harness();
    h.put("j");
    h.claim();
    h.ok({ type: "job/start", job: "j" });
    h.reject({ type: "job/fail", job: "j" }, "bad-status");

    h.ok({ type: "job/finish", job: "j" });
    h.reject({ type: "job/fail", job: "j" }, "bad-status");
    h.reject({ type: "job/fail", job: "ghost" }, "unknown-job");
  });

  test("failing a job in CALLBACKS only resumes its callbacks; the result stays", () => {
    const h = new Harness();
    h.put("j");
    h.ok({ type: "job/addCallback", job: "j", callback: "cb", task: "mul", args: [3] });
    h.claim();
    h.ok({ type: "job/start", job: "j" });
    h.ok({ type: "job/finish", job: "j", result: 5, callbacks: "hold" });
    expect(h.status("cb")).toBe("NEW");

    expect(h.ok({ type: "job/fail", job: "j", error: "Ignored" }))
      .toEqual({ status: "COMPLETED", result: 5 });
    expect(h.job("cb")).toMatchObject({ status: "COMPLETED", result: 15 });
  });

  test("an empty error kind is invalid-argument, whatever the job's status", () => {
    const h = new Harness();
    h.put("j");
    h.put("held");
    h.reject({ type: "job/fail", job: "j", error: "" }, "invalid-argument");
    expect(h.list()).toEqual(["j", "held"]);

    h.ok({ type: "queue/remove", job: "held" });
    h.ok({ type: "job/start", job: "held" });
    h.ok({ type: "job/finish", job: "held", result: 5, callbacks: "hold" });
    h.reject({ type: "job/fail", job: "held", error: "" }, "invalid-argument");
    expect(h.status("held")).toBe("CALLBACKS");
  });
});

describe("callbacks", () => {
  test("a callback added to a completed job runs at once", () => {
    const h = new Harness();
    h.put("j", { args: [10] });
    h.claim();
    h.ok({ type: "job/run", job: "j" });

    expect(h.ok({ type: "job/addCallback", job: "j", callback: "cb", task: "mul", args: [3] }))
      .toEqual({ job: "cb" });
    expect(h.job("cb")).toMatchObject({ status: "COMPLETED", result: 30 });
    expect(h.job("j")).toMatchObject({ status: "COMPLETED", result: 10 });
  });

  test("callbacks are not chained: each gets the job's own result", () => {
    const h = new Harness();
    h.put("j", { task: "mul", args: [2, 8] });
    h.ok({ type: "job/addCallback", job: "j", callback: "c5", task: "mul", args: [5] });
    h.ok({ type: "job/addCallback", job: "j", callback: "c9", task: "mul", args: [9] });
    h.claim();
    h.ok({ type: "job/run", job: "j" });

    expect(h.job("c5").result).toBe(80);
    expect(h.job("c9").result).toBe(144);
    expect(h.job("j")).toMatchObject({ result: 16, callbacks: ["c5", "c9"] });
  });

  test("success and failure callbacks: the side not chosen passes the outcome through", () => {
    const h = new Harness();
    h.put("ok", { args: [1] });
    h.put("bad", { task: "throw", args: ["ValueError", "no"] });
    for (const parent of ["ok", "bad"]) {
      for (const on of ["success", "failure"]) {
        h.ok({ type: "job/addCallback", job: parent, callback: `${parent}-${on}`,
          task: "value", args: [on], on });
      }
    }
    h.claim();
    h.claim();
    h.ok({ type: "job/run", job: "ok" });
    h.ok({ type: "job/run", job: "bad" });

    expect(h.job("ok-success").result).toBe("success");
    expect(h.job("ok-failure").result).toBe(1);
    expect(h.job("bad-failure").result).toBe("failure");
    expect(h.job("bad-success").failure).toEqual({ kind: "ValueError", message: "no" });
    expect(h.job("bad").failure).toEqual({ kind: "ValueError", message: "no" });
  });

  test("callbacks of a cancelled job receive its failure", () => {
    const h = new Harness();
    h.put("j");
    h.ok({ type: "job/addCallback", job: "j", callback: "cb", task: "value" });

    h.ok({ type: "job/fail", job: "j" });
    expect(h.job("cb")).toMatchObject({ status: "COMPLETED",
      result: { kind: "AbortedError", message: "" } });
  });

  test("malformed callbacks are rejected", () => {
    const h = new Harness();
    h.put("j");
    h.ok({ type: "job/addCallback", job: "j", callback: "cb", task: "value" });

    h.reject({ type: "job/addCallback", job: "ghost", callback: "x", task: "value" },
      "unknown-job");
    h.reject({ type: "job/addCallback", job: "j", callback: "cb", task: "value" },
      "invalid-argument");
    h.reject({ type: "job/addCallback", job: "j", callback: "j", task: "value" },
      "invalid-argument");
    h.reject({ type: "job/addCallback", job: "j", callback: "x", task: "" }, "invalid-argument");
    h.reject({ type: "job/addCallback", job: "j", callback: "x", task: "value", on: "maybe" },
      "invalid-argument");
    h.reject({ type: "job/addCallback", job: "j", callback: "x", task: "value",
      args: "a" as never }, "invalid-argument");
  });
});

describe("wrappers of reaped jobs and the interrupt policy", () => {
  /** Job `j` ACTIVE in agent `main` of `u`, `other` queued, and `u` deactivated. */
  function reapedWhileActive(policy?: string): Harness {
    const h = assigned("value", [42], policy === undefined ? undefined
      : { "": { interruptPolicy: policy } });
    h.ok({ type: "job/addCallback", job: "j", callback: "cb", task: "value" });
    h.ok({ type: "job/start", job: "j" });
    h.put("other");
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });
    h.ok({ type: "dispatcher/activate", dispatcher: "u" });
    return h;
  }

  test("by default the wrapper fails the interrupted job with AbortedError", () => {
    const h = reapedWhileActive();
    expect(h.list()).toEqual(["other", "j/fail/1"]);
    h.claim();

    expect(h.claim()).toBe("j/fail/1");
    h.ok({ type: "job/run", job: "j/fail/1" });
    expect(h.job("j")).toMatchObject({ status: "COMPLETED", failure: { kind: "AbortedError" } });
    expect(h.job("cb").result).toMatchObject({ kind: "AbortedError" });
  });

  test("with a retry policy the job is put back first in line", () => {
    const h = reapedWhileActive("commonFourTimes");
    expect(h.list()).toEqual(["other", "j/handleInterrupt/1"]);

    expect(h.claim({ task: "sys.handleInterrupt" })).toBe("j/handleInterrupt/1");
    h.ok({ type: "job/run", job: "j/handleInterrupt/1" });
    expect(h.list()).toEqual(["j", "other"]);
    expect(h.status("j")).toBe("PENDING");
    expect(h.agentClaim("u")).toBe("j");
    expect(h.ok({ type: "job/run", job: "j" })).toEqual({ status: "COMPLETED", result: 42 });
    expect(h.job("cb").result).toBe(42);
  });

  test("commonFourTimes: nine interruptions are retried, the tenth fails the job", () => {
    const h = assigned("value", [42], { "": { interruptPolicy: "commonFourTimes" } });
    for (let n = 1; n <= 10; n++) {
      h.ok({ type: "job/start", job: "j" });
      h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });
      h.ok({ type: "dispatcher/activate", dispatcher: "u" });
      const wrapper = `j/handleInterrupt/${n}`;
      expect(h.agentClaim("u")).toBe(wrapper);
      h.ok({ type: "job/run", job: wrapper });
      if (n < 10) {
        expect(h.status("j")).toBe("PENDING");
        expect(h.agentClaim("u")).toBe("j");
      }
    }
    expect(h.job("j")).toMatchObject({ status: "COMPLETED", failure: { kind: "AbortedError" } });
  });

  test("commonForever retries past ten interruptions; never gives up at once", () => {
    const forever = assigned("value", [1], { "": { interruptPolicy: "commonForever" } });
    for (let n = 1; n <= 12; n++) {
      forever.ok({ type: "job/start", job: "j" });
      forever.ok({ type: "dispatcher/deactivate", dispatcher: "u" });
      forever.ok({ type: "dispatcher/activate", dispatcher: "u" });
      forever.agentClaim("u");
      forever.ok({ type: "job/run", job: `j/handleInterrupt/${n}` });
      expect(forever.agentClaim("u")).toBe("j");
    }

    const never = reapedWhileActive("never");
    expect(never.list()).toEqual(["other", "j/handleInterrupt/1"]);
    expect(never.claim({ task: "sys.handleInterrupt" })).toBe("j/handleInterrupt/1");
    never.ok({ type: "job/run", job: "j/handleInterrupt/1" });
    expect(never.job("j")).toMatchObject({ status: "COMPLETED",
      failure: { kind: "AbortedError" } });
  });

  test("an interrupted job past its deadline is not retried, whatever the policy", () => {
    const h = new Harness({ "": { interruptPolicy: "commonForever" } });
    h.dispatcherWithAgents("u");
    h.put("j", { beginBy: "1m" });
    h.agentClaim("u");
    h.ok({ type: "job/start", job: "j" });
    h.advance(MINUTE + 1n);
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });

    h.claim();
    h.ok({ type: "job/run", job: "j/handleInterrupt/1" });
    expect(h.job("j")).toMatchObject({ status: "COMPLETED", failure: { kind: "AbortedError" } });
    expect(h.list()).toEqual([]);
  });

  test("jobs put back stay first in line, in the order they were put back", () => {
    const h = new Harness({ "": { interruptPolicy: "commonForever" } });
    h.dispatcherWithAgents("u");
    for (const id of ["a", "b"]) {
      h.put(id);
      h.agentClaim("u");
      h.ok({ type: "job/start", job: id });
    }
    h.put("waiting");
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });
    expect(h.list()).toEqual(["waiting", "a/handleInterrupt/1", "b/handleInterrupt/1"]);

    for (const wrapper of ["b/handleInterrupt/1", "a/handleInterrupt/1"]) {
      h.ok({ type: "queue/remove", job: wrapper });
      h.ok({ type: "job/run", job: wrapper });
    }
    expect(h.list()).toEqual(["b", "a", "waiting"]);
    expect([h.claim(), h.claim(), h.claim()]).toEqual(["b", "a", "waiting"]);
  });

  test("a job reaped in CALLBACKS has its callbacks resumed by its wrapper", () => {
    const h = assigned();
    h.ok({ type: "job/addCallback", job: "j", callback: "cb", task: "add", args: [1] });
    h.ok({ type: "job/start", job: "j" });
    h.ok({ type: "job/finish", job: "j", result: 41, callbacks: "hold" });
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });
    expect(h.list()).toEqual(["j/resumeCallbacks/1"]);

    h.claim();
    h.ok({ type: "job/run", job: "j/resumeCallbacks/1" });
    expect(h.job("j")).toMatchObject({ status: "COMPLETED", result: 41 });
    expect(h.job("cb").result).toBe(42);
  });
});

describe("claim tokens", () => {
  test("the holder named in a step must hold the job", () => {
    const h = assigned();
    const holder = { dispatcher: "u", agent: "main" };

    h.reject({ type: "job/start", job: "j", holder: { ...holder, agent: "other" } },
      "reassigned");
    h.reject({ type: "job/start", job: "j", holder: { ...holder, dispatcher: "v" } },
      "reassigned");
    h.reject({ type: "job/start", job: "j", holder: { ...holder, attempt: 2 } }, "reassigned");
    expect(h.ok({ type: "job/start", job: "j", holder: { ...holder, attempt: 1 } }).status)
      .toBe("ACTIVE");
    expect(h.ok({ type: "job/finish", job: "j", holder, result: 1 }).status).toBe("COMPLETED");
  });

  test("the holder check comes before the status check", () => {
    const h = assigned();
    const holder = { dispatcher: "u", agent: "main" };
    h.ok({ type: "job/run", job: "j" });

    h.reject({ type: "job/finish", job: "j", holder }, "reassigned");
    h.reject({ type: "job/fail", job: "j", holder }, "reassigned");
    h.reject({ type: "job/start", job: "j", holder }, "reassigned");
    h.reject({ type: "job/finish", job: "j" }, "bad-status");
  });

  test("a reaped ACTIVE job cannot be finished by its old holder", () => {
    const h = assigned();
    const holder = { dispatcher: "u", agent: "main", attempt: 1 };
    h.ok({ type: "job/start", job: "j", holder });
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });

    h.reject({ type: "job/finish", job: "j", holder, result: 1 }, "reassigned");
    expect(h.status("j")).toBe("ACTIVE");
    expect(h.list()).toEqual(["j/fail/1"]);
  });

  test("a requeued job handed to another agent turns its old holder away", () => {
    const h = assigned();
    h.dispatcherWithAgents("v");
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });
    expect(h.agentClaim("v")).toBe("j");

    const old = { dispatcher: "u", agent: "main" };
    h.reject({ type: "job/start", job: "j", holder: old }, "reassigned");
    h.reject({ type: "job/run", job: "j", holder: old }, "reassigned");
    h.reject({ type: "job/fail", job: "j", holder: old }, "reassigned");
    expect(h.job("j").holder).toEqual({ dispatcher: "v", agent: "main", attempt: 2 });
    h.ok({ type: "job/run", job: "j", holder: { dispatcher: "v", agent: "main", attempt: 2 } });
  });

  test("a job reclaimed by the same agent: only the old attempt is stale", () => {
    const h = assigned();
    h.ok({ type: "dispatcher/deactivate", dispatcher: "u" });
    h.ok({ type: "dispatcher/activate", dispatcher: "u" });
    expect(h.agentClaim("u")).toBe("j");

    h.reject({ type: "job/start", job: "j", holder: { dispatcher: "u", agent: "main",
      attempt: 1 } }, "reassigned");
    h.ok({ type: "job/start", job: "j", holder: { dispatcher: "u", agent: "main", attempt: 2 } });
  });

  test("a job claimed without an agent has no holder to name", () => {
    const h = new Harness();
    h.put("j");
    h.claim();

    h.reject({ type: "job/start", job: "j", holder: { dispatcher: "u", agent: "main" } },
      "reassigned");
    h.ok({ type: "job/start", job: "j" });
  });

  test("times in the steps of a job may go backwards without harm", () => {
    const h = assigned();
    h.setNow(T0 - 10n * SECOND);
    h.ok({ type: "job/start", job: "j" });
    h.setNow(T0 - 20n * SECOND);
    expect(h.ok({ type: "job/finish", job: "j", result: 3 }).status).toBe("COMPLETED");
    expect(h.agent("u", "main").completed).toEqual(["j"]);
  });
});
