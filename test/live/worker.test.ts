// Live workers end to end, on a real SQLite file and the real PostgreSQL: jobs put through
// the library API run on in-process workers with short intervals; results, callbacks,
// deadlines, quotas, failures and a clean shutdown are read back from the folded log.

import { afterEach, describe, expect, test } from "vitest";
import type { State } from "../../core/index.js";
import { connect, taskRegistry, Worker, type Chronoq } from "../../live/index.js";
import { postgresFixture, sqliteFixture, type LogFixture } from "./helpers.js";
import { completed } from "./wait.js";

const FAST = { pollIntervalMs: 20, pingIntervalMs: 200, deathIntervalMs: 1000, tailWaitMs: 20 };

function outcome(state: State, id: string) {
  const job = state.jobs.get(id)!;
  return job.failure === undefined ? { result: job.result } : { failure: job.failure };
}

describe.each([["sqlite", sqliteFixture], ["postgres", postgresFixture]] as const)(
  "workers on %s", (_kind, makeFixture) => {
    let fixture: LogFixture;
    const cleanup: (() => Promise<void>)[] = [];

    afterEach(async () => {
      for (const step of cleanup.splice(0).reverse()) await step();
    });

    async function setUp(tasks: Record<string, unknown>, agents = [{ name: "main", size: 3 }]) {
      fixture = makeFixture();
      cleanup.push(() => fixture.dispose());
      const queue = await connect(fixture.db, { pollIntervalMs: 10 });
      cleanup.push(() => queue.close());
      const worker = new Worker({ store: queue.store, tasks: taskRegistry(tasks), agents,
        ...FAST });
      await worker.start();
      cleanup.push(() => worker.stop(2000));
      return { queue, worker };
    }

    test("runs user tasks and built-in callbacks; failures become data", async () => {
      const { queue } = await setUp({
        double: async ([n]: number[]) => n! * 2,
        explode: async () => { throw new RangeError("out of range"); },
        notJson: async () => new Map(),
      });
      await queue.put("double", [21], { job: "a" });
      await queue.addCallback("a", "a-cb", "add", [100]);
      await queue.put("explode", [], { job: "b" });
      await queue.put("notJson", [], { job: "c" });
      await queue.put("missing", [], { job: "d" });

      const state = await completed(queue, ["a", "a-cb", "b", "c", "d"]);
      expect(outcome(state, "a")).toEqual({ result: 42 });
      expect(outcome(state, "a-cb")).toEqual({ result: 142 });
      expect(outcome(state, "b")).toEqual({ failure: { kind: "RangeError",
        message: "out of range" } });
      expect(outcome(state, "c")).toMatchObject({ failure: { kind: "ResultNotJsonError" } });
      expect(outcome(state, "d")).toMatchObject({ failure: { kind: "UnknownTaskError" } });
    });

    test("a job whose deadline passed before it could start is failed, not run", async () => {
      let ran = false;
      const { queue } = await setUp({ work: async () => { ran = true; } });
      const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
      await queue.put("work", [], { job: "late", beginAfter: hourAgo, beginBy: "1s" });

      const state = await completed(queue, ["late"]);
      expect(outcome(state, "late")).toMatchObject({ failure: { kind: "AbortedError" } });
      expect(ran).toBe(false);
    });

    test("a delayed job runs once its time has come, not before", async () => {
      const started: number[] = [];
      const { queue } = await setUp({ work: async () => { started.push(Date.now()); } });
      const dueAt = Date.now() + 400;
      await queue.put("work", [], { job: "later", beginAfter: new Date(dueAt).toISOString() });

      await completed(queue, ["later"]);
      expect(started).toHaveLength(1);
      expect(started[0]!).toBeGreaterThanOrEqual(dueAt);
    });

    test("a quota of one runs its jobs one at a time", async () => {
      let running = 0;
      let most = 0;
      const { queue } = await setUp({
        slow: async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 40));
          running--;
        },
      }, [{ name: "main", size: 4 }]);
      await queue.createQuota("serial", 1);
      const ids = ["q1", "q2", "q3", "q4", "q5"];
      for (const id of ids) await queue.put("slow", [], { job: id, quotaNames: ["serial"] });

      await completed(queue, ids);
      expect(most).toBe(1);
    });

    test("status names the dispatcher, its agents and the job counts", async () => {
      const { queue, worker } = await setUp({ noop: async () => null });
      await queue.put("noop", [], { job: "n" });
      await completed(queue, ["n"]);

      const status = await queue.status() as { jobs: object; queues: { dispatchers: object[] }[] };
      expect(status.jobs).toEqual({ COMPLETED: 1 });
      expect(status.queues[0]!.dispatchers).toEqual([expect.objectContaining({
        dispatcher: worker.dispatcher, state: "alive",
        agents: [{ name: "main", size: 3, jobs: 0, completed: 1 }] })]);
    });

    test("stopping lets running jobs finish, then deactivates", async () => {
      let finished = false;
      const { queue, worker } = await setUp({
        slow: async () => {
          await new Promise((resolve) => setTimeout(resolve, 300));
          finished = true;
          return "done";
        },
      });
      await queue.put("slow", [], { job: "s" });
      for (let i = 0; i < 200 && (await queue.state()).jobs.get("s")?.phase !== "ACTIVE"; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }

      await worker.stop(5000);
      expect(finished).toBe(true);
      const state = await queue.state();
      expect(outcome(state, "s")).toEqual({ result: "done" });
      const record = state.queues.get("")!.dispatchers.get(worker.dispatcher)!;
      expect(record.activated).toBeNull();
    });
  });
