// Three worker processes (the built `chronoq worker`), one killed with SIGKILL while it runs
// jobs: every job still reaches COMPLETED, the killed worker's jobs follow the interrupt
// policy, none is lost and none finishes twice; its jobs come back no earlier than its death.
// Then the same log folded by the simulator's checkers (`chronoq replay --db`) holds.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { parseTime, statusOf } from "../../core/index.js";
import { connect } from "../../live/index.js";
import { Replica, type FoldedEntry } from "../../live/replica.js";
import { postgresFixture, sqliteFixture, type LogFixture } from "./helpers.js";
import { completed } from "./wait.js";

const CLI = join(process.cwd(), "dist", "bin", "chronoq.js");
const JOBS = 24;
const DEATH_MS = 1000;

const TASKS = `
export const tasks = {
  async slow([ms]) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return ms;
  },
};
`;

function startWorker(db: string, tasksFile: string, dispatcher: string): ChildProcess {
  return spawn("node", [CLI, "worker", "--tasks", tasksFile, "--db", db, "--agent", "main:4",
    "--dispatcher", dispatcher,
    "--poll-interval", "30ms", "--ping-interval", "200ms", "--death-interval", `${DEATH_MS}ms`,
    "--grace", "5s"], { stdio: ["ignore", "ignore", "pipe"] });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe.each([["sqlite", sqliteFixture], ["postgres", postgresFixture]] as const)(
  "a worker killed with SIGKILL on %s", (_kind, makeFixture) => {
    let fixture: LogFixture;
    const children: ChildProcess[] = [];

    afterEach(async () => {
      for (const child of children.splice(0)) {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        await exited(child);
      }
      await fixture.dispose();
    });

    test("loses no job and finishes none twice", async () => {
      fixture = makeFixture();
      const dir = mkdtempSync(join(tmpdir(), "chronoq-kill-"));
      const tasksFile = join(dir, "tasks.mjs");
      writeFileSync(tasksFile, TASKS);
      const queue = await connect(fixture.db, { pollIntervalMs: 10 });
      try {
        // Interrupted jobs are retried, so every job must end with its own result.
        await queue.configure({ interruptPolicy: "commonForever" });
        const ids = Array.from({ length: JOBS }, (_, i) => `job-${i}`);
        for (const id of ids) await queue.put("slow", [400], { job: id });
        const names = ["worker-a", "worker-b", "worker-c"];
        for (const name of names) children.push(startWorker(fixture.db, tasksFile, name));

        const victim = await aWorkerRunningJobs(queue.store);
        victim.child = children[names.indexOf(victim.dispatcher)]!;
        const killedAt = Date.now();
        victim.child.kill("SIGKILL");
        await exited(victim.child);

        const state = await completed(queue, ids, 30_000);
        for (const id of ids) expect(state.jobs.get(id)!.result).toBe(400);
        const history = await foldedHistory(queue.store);
        for (const id of ids) {
          expect(history.filter((e) => e.events.some((ev) => ev.type === "job/succeeded" &&
            ev.job === id))).toHaveLength(1);
        }
        const reaped = history.filter((e) => e.events.some((ev) => ev.type ===
          "dispatcher/deactivated" && ev.dispatcher === victim.dispatcher));
        expect(reaped).toHaveLength(1);
        const reapedAt = Number(parseTime(reaped[0]!.command.at, "at") / 1000n);
        expect(reapedAt).toBeGreaterThan(victim.lastSignOfLifeMs + DEATH_MS - 50);
        expect(reapedAt - killedAt).toBeLessThan(DEATH_MS + 2000);

        for (const child of children) child.kill("SIGTERM");
        for (const child of children) await exited(child);
        const replay = spawnSync("node", [CLI, "replay", "--db", fixture.db],
          { encoding: "utf8" });
        expect(replay.stdout).toContain("PASS");
        expect(replay.status).toBe(0);
      } finally {
        await queue.close();
      }
    }, 60_000);
  });

/** Waits until two workers run jobs; names the first and when it last showed life. */
async function aWorkerRunningJobs(store: Parameters<typeof foldedHistory>[0]) {
  for (let attempt = 0; attempt < 400; attempt++) {
    const replica = new Replica(store);
    await replica.catchUp();
    const holders = new Map<string, number>();
    for (const job of replica.state.jobs.values()) {
      if (statusOf(replica.state.jobs, job) === "ACTIVE" && job.holder !== null) {
        holders.set(job.holder.dispatcher, (holders.get(job.holder.dispatcher) ?? 0) + 1);
      }
    }
    const [dispatcher] = [...holders.keys()].sort();
    if (dispatcher !== undefined && holders.size >= 2) {
      const record = replica.state.queues.get("")!.dispatchers.get(dispatcher)!;
      const lastSign = record.lastPing !== null && record.lastPing > record.activated!
        ? record.lastPing : record.activated!;
      return { child: undefined as unknown as ChildProcess, dispatcher,
        lastSignOfLifeMs: Number(lastSign / 1000n) };
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("no worker started running jobs");
}

async function foldedHistory(store: ConstructorParameters<typeof Replica>[0]):
  Promise<FoldedEntry[]> {
  return new Replica(store).catchUp();
}
