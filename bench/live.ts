// The live benchmark (not a test): chronoq on SQLite and on PostgreSQL against three peer
// queues (graphile-worker, pg-boss, BullMQ) on the same machine, PostgreSQL and Redis:
//   1. drain: N no-op jobs enqueued in bulk, then one worker process (concurrency 10) drains
//      them; jobs/s to enqueue, and jobs/s from the worker's spawn until the last completion
//      is durable in the system's own store;
//   2. lateness: delayed jobs due a few seconds ahead; (handler start - due time), median/p99;
//   3. rerun after kill: a worker runs a long job, is SIGKILLed, a second worker starts; time
//      from the kill until the job starts again, capped.
// Every worker is a separate process: chronoq's is the built CLI (`chronoq worker`) with a
// tasks module written to a temp dir; a peer's is this file run with `--role worker`. Both
// use the same handlers (benchTasks below). Each run gets its own SQLite files, PostgreSQL
// schemas and Redis key prefix, all removed at the end.
//
//   npm run bench:live -- [--quick] [--only chronoq,bullmq] [--scenarios drain,late,kill]
//                         [--profile DIR]   (writes --cpu-prof of the chronoq drain workers)
// The peers live in bench/peers/ (npm install --prefix bench/peers); chronoq never imports
// them, and this file loads them only at run time, so it builds without them.

import { spawn, type ChildProcess } from "node:child_process";
import {
  appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import pg from "pg";

import { parseTime, statusOf, type Json } from "../core/index.js";
import { systemClock } from "../live/clock.js";
import { connect, openLog, type LogStore } from "../live/index.js";
import { LogClient, putCommand } from "../live/client.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const CLI = join(REPO, "dist", "bin", "chronoq.js");
const PEERS = join(REPO, "bench", "peers");
const PG_URL = process.env.CHRONOQ_BENCH_PG ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS = { host: "127.0.0.1", port: 6379 };
const CONCURRENCY = 10;
/** Jobs per bulk call, the same for every system. */
const CHUNK = 1000;
/** How often the orchestrator looks at a store for completions or task records. */
const POLL_MS = 10;

const SYSTEMS = ["chronoq-sqlite", "chronoq-postgres", "graphile-worker", "pg-boss",
  "bullmq"] as const;
type SystemName = (typeof SYSTEMS)[number];

// ---------------------------------------------------------------- handlers (all systems)

const wallMs = () => performance.timeOrigin + performance.now();

/**
 * The tasks every worker runs. `late` records how late it started; `long` records its start
 * and then runs for an hour. Records go to the file named by CQBENCH_OUT, one per line.
 */
export function benchTasks(out: string | undefined) {
  const record = (line: string) => {
    if (out !== undefined && out !== "") appendFileSync(out, `${line}\n`);
  };
  return {
    noop: async () => null,
    late: async ([due]: Json[]) => {
      record(`late ${(wallMs() - Number(due)).toFixed(3)}`);
      return null;
    },
    long: async ([tag]: Json[]) => {
      record(`start ${wallMs().toFixed(3)} ${process.pid} ${String(tag)}`);
      await new Promise((resolve) => setTimeout(resolve, 3_600_000));
      return null;
    },
  };
}

type TaskName = keyof ReturnType<typeof benchTasks>;

interface JobSpec {
  readonly task: TaskName;
  readonly args: Json[];
  /** Epoch milliseconds; absent for "now". */
  readonly runAt?: number;
}

// ---------------------------------------------------------------- peers, loaded at run time

interface GraphileUtils {
  addJobs(specs: unknown[]): Promise<unknown>;
  release(): Promise<void>;
}
interface GraphileModule {
  run(options: Record<string, unknown>): Promise<{ stop(): Promise<void> }>;
  runMigrations(options: Record<string, unknown>): Promise<void>;
  makeWorkerUtils(options: Record<string, unknown>): Promise<GraphileUtils>;
}
interface PgBossJob { readonly data: { task: TaskName; args: Json[] } }
interface PgBoss {
  on(event: "error", listener: (error: Error) => void): void;
  start(): Promise<unknown>;
  stop(options?: Record<string, unknown>): Promise<void>;
  createQueue(name: string): Promise<void>;
  insert(jobs: unknown[]): Promise<unknown>;
  work(name: string, options: Record<string, unknown>,
    handler: (jobs: PgBossJob[]) => Promise<unknown>): Promise<string>;
}
type PgBossClass = new (options: Record<string, unknown>) => PgBoss;
interface RedisClient {
  zcard(key: string): Promise<number>;
  scan(cursor: string, ...args: (string | number)[]): Promise<[string, string[]]>;
  del(...keys: string[]): Promise<number>;
  info(section: string): Promise<string>;
}
interface BullQueue {
  readonly client: Promise<RedisClient>;
  addBulk(jobs: { name: string; data: unknown; opts?: Record<string, unknown> }[]):
    Promise<unknown>;
  close(): Promise<void>;
}
interface BullModule {
  Queue: new (name: string, options: Record<string, unknown>) => BullQueue;
  Worker: new (name: string, processor: (job: { data: PgBossJob["data"] }) => Promise<unknown>,
    options: Record<string, unknown>) => { close(): Promise<void> };
}

const peerRequire = createRequire(join(PEERS, "package.json"));

async function peer<T>(name: string): Promise<T> {
  let path: string;
  try {
    path = peerRequire.resolve(name);
  } catch {
    throw new Error(`peer '${name}' is not installed; run: npm install --prefix bench/peers`);
  }
  const module = await import(pathToFileURL(path).href) as { default?: unknown };
  return (module.default ?? module) as T;
}

function peerVersion(name: string): string {
  const file = join(PEERS, "node_modules", name, "package.json");
  if (!existsSync(file)) return "not installed";
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

// ---------------------------------------------------------------- one system, one store

type WorkerMode =
  | { readonly kind: "drain" | "late" }
  | { readonly kind: "kill"; readonly dispatcher: string; readonly ping?: string;
      readonly death?: string };

/** What the peer worker role needs to find its store. */
interface PeerContext {
  readonly schema: string;
  readonly prefix: string;
  readonly queue: string;
}

interface Target {
  readonly system: SystemName;
  readonly bulkApi: string;
  setup(): Promise<void>;
  /** Enqueues in chunks of CHUNK with the system's bulk API; resolves once all are durable. */
  enqueue(jobs: readonly JobSpec[]): Promise<void>;
  /** Node arguments that start one worker process. */
  workerArgs(mode: WorkerMode, profileDir?: string): string[];
  /** How many jobs have completed, durably, so far. */
  completed(): Promise<number>;
  /** After a drain: a problem with the outcome, or null. */
  verify(expected: number): Promise<string | null>;
  dispose(): Promise<void>;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

async function withPg<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const dropSchema = (schema: string) =>
  withPg((client) => client.query(`drop schema if exists "${schema}" cascade`)).then(() => {});

class ChronoqTarget implements Target {
  readonly bulkApi = "putMany";
  private store: LogStore | null = null;
  private position = 0;
  private readonly finished = new Set<string>();
  private readonly db: string;

  constructor(
    readonly system: "chronoq-sqlite" | "chronoq-postgres",
    private readonly where: { dir: string; schema: string },
    private readonly tasksFile: string,
  ) {
    this.db = system === "chronoq-sqlite" ? join(where.dir, `${where.schema}.db`)
      : `${PG_URL}?schema=${where.schema}`;
  }

  async setup(): Promise<void> {
    this.store = await openLog(this.db, { pollIntervalMs: 5 });
  }

  async configureRetries(): Promise<void> {
    const queue = await connect(this.db);
    try {
      await queue.configure({ interruptPolicy: "commonForever" });
    } finally {
      await queue.close();
    }
  }

  /** The library's bulk put: one transaction per chunk, each job's reply read back. */
  async enqueue(jobs: readonly JobSpec[]): Promise<void> {
    const client = new LogClient(this.store!);
    for (const chunk of chunks(jobs)) {
      const now = systemClock.nowUs();
      const replies = await client.appendAll(chunk.map((job) => putCommand({
        task: job.task, args: job.args as Json[],
        ...(job.runAt === undefined ? {} : { beginAfter: new Date(job.runAt).toISOString() }),
      }, now)));
      const refused = replies.find((r) => typeof r.reply === "object" && r.reply !== null &&
        "error" in r.reply);
      if (refused !== undefined) throw new Error(`put refused: ${JSON.stringify(refused)}`);
    }
  }

  workerArgs(mode: WorkerMode, profileDir?: string): string[] {
    const profile = profileDir === undefined ? []
      : ["--cpu-prof", "--cpu-prof-dir", profileDir, "--cpu-prof-name",
        `${this.system}-${mode.kind}.cpuprofile`];
    const kill = mode.kind !== "kill" ? [] : ["--dispatcher", mode.dispatcher,
      ...(mode.ping === undefined ? [] : ["--ping-interval", mode.ping]),
      ...(mode.death === undefined ? [] : ["--death-interval", mode.death])];
    return [...profile, CLI, "worker", "--tasks", this.tasksFile, "--db", this.db,
      "--agent", `main:${CONCURRENCY}`, ...kill];
  }

  /** Reads the log tail and counts jobs with a `job/finish` (the fold checks it later). */
  async completed(): Promise<number> {
    for (;;) {
      const entries = await this.store!.readAfter(this.position, 1000);
      if (entries.length === 0) return this.finished.size;
      for (const { command } of entries) {
        const fields = command as { type: string; job?: string };
        if (fields.type === "job/finish" && fields.job !== undefined) {
          this.finished.add(fields.job);
        }
      }
      this.position = entries[entries.length - 1]!.position;
    }
  }

  async verify(expected: number): Promise<string | null> {
    const queue = await connect(this.db);
    try {
      const state = await queue.state();
      let done = 0;
      for (const job of state.jobs.values()) {
        if (statusOf(state.jobs, job) === "COMPLETED" && job.failure === undefined) done++;
      }
      return done === expected ? null : `${done} of ${expected} jobs COMPLETED in the fold`;
    } finally {
      await queue.close();
    }
  }

  /** The last sign of life (activation or ping) of a dispatcher in the log, epoch ms. */
  async lastSignOfLife(dispatcher: string): Promise<number | null> {
    let latest: number | null = null;
    for (let position = 0; ;) {
      const entries = await this.store!.readAfter(position, 1000);
      if (entries.length === 0) return latest;
      for (const { command } of entries) {
        const fields = command as { type: string; dispatcher?: string; at: string };
        if (fields.dispatcher === dispatcher && (fields.type === "dispatcher/activate" ||
          fields.type === "dispatcher/ping")) {
          latest = Math.max(latest ?? 0, Number(parseTime(fields.at, "at")) / 1000);
        }
      }
      position = entries[entries.length - 1]!.position;
    }
  }

  async dispose(): Promise<void> {
    await this.store?.close();
    this.store = null;
    if (this.system === "chronoq-postgres") await dropSchema(this.where.schema);
    else {
      for (const suffix of ["", "-wal", "-shm"]) {
        rmSync(join(this.where.dir, `${this.where.schema}.db${suffix}`), { force: true });
      }
    }
  }
}

function peerArgs(system: SystemName, mode: WorkerMode, context: PeerContext): string[] {
  return [SELF, "--role", "worker", "--system", system, "--mode", mode.kind,
    "--context", JSON.stringify(context)];
}

class GraphileTarget implements Target {
  readonly system = "graphile-worker";
  readonly bulkApi = "addJobs";
  private utils: GraphileUtils | null = null;
  private total = 0;

  constructor(private readonly context: PeerContext) {}

  async setup(): Promise<void> {
    const graphile = await peer<GraphileModule>("graphile-worker");
    const options = { connectionString: PG_URL, schema: this.context.schema };
    await graphile.runMigrations(options);
    this.utils = await graphile.makeWorkerUtils(options);
  }

  async enqueue(jobs: readonly JobSpec[]): Promise<void> {
    for (const chunk of chunks(jobs)) {
      await this.utils!.addJobs(chunk.map((job) => ({ identifier: job.task,
        payload: { task: job.task, args: job.args },
        ...(job.runAt === undefined ? {} : { runAt: new Date(job.runAt) }) })));
    }
    this.total += jobs.length;
  }

  workerArgs(mode: WorkerMode): string[] {
    return peerArgs(this.system, mode, this.context);
  }

  /** graphile-worker deletes a job when it completes. */
  async completed(): Promise<number> {
    const left = await this.pool.query(
      `select count(*)::int as n from "${this.context.schema}"._private_jobs`);
    return this.total - (left.rows[0] as { n: number }).n;
  }

  private readonly pool = new pg.Pool({ connectionString: PG_URL, max: 1 });

  async verify(): Promise<string | null> {
    const failed = await this.pool.query(`select count(*)::int as n from ` +
      `"${this.context.schema}"._private_jobs where last_error is not null`);
    const n = (failed.rows[0] as { n: number }).n;
    return n === 0 ? null : `${n} jobs failed`;
  }

  async dispose(): Promise<void> {
    await this.utils?.release();
    await this.pool.end();
    await dropSchema(this.context.schema);
  }
}

class PgBossTarget implements Target {
  readonly system = "pg-boss";
  readonly bulkApi = "insert";
  private boss: PgBoss | null = null;
  private readonly pool = new pg.Pool({ connectionString: PG_URL, max: 1 });

  constructor(private readonly context: PeerContext) {}

  async setup(): Promise<void> {
    const PgBossClass = await peer<PgBossClass>("pg-boss");
    this.boss = new PgBossClass({ connectionString: PG_URL, schema: this.context.schema });
    this.boss.on("error", (error) => console.error(`pg-boss (client): ${error.message}`));
    await this.boss.start();
    await this.boss.createQueue(this.context.queue);
  }

  async enqueue(jobs: readonly JobSpec[]): Promise<void> {
    for (const chunk of chunks(jobs)) {
      await this.boss!.insert(chunk.map((job) => ({ name: this.context.queue,
        data: { task: job.task, args: job.args },
        ...(job.runAt === undefined ? {} : { startAfter: new Date(job.runAt).toISOString() }),
      })));
    }
  }

  workerArgs(mode: WorkerMode): string[] {
    return peerArgs(this.system, mode, this.context);
  }

  async completed(): Promise<number> {
    const result = await this.pool.query(`select count(*)::int as n from ` +
      `"${this.context.schema}".job where name = $1 and state = 'completed'`,
    [this.context.queue]);
    return (result.rows[0] as { n: number }).n;
  }

  async verify(): Promise<string | null> {
    const result = await this.pool.query(`select count(*)::int as n from ` +
      `"${this.context.schema}".job where name = $1 and state = 'failed'`, [this.context.queue]);
    const n = (result.rows[0] as { n: number }).n;
    return n === 0 ? null : `${n} jobs failed`;
  }

  async dispose(): Promise<void> {
    await this.boss?.stop({ graceful: false, wait: true });
    await this.pool.end();
    await dropSchema(this.context.schema);
  }
}

class BullTarget implements Target {
  readonly system = "bullmq";
  readonly bulkApi = "addBulk";
  private queue: BullQueue | null = null;

  constructor(private readonly context: PeerContext) {}

  async setup(): Promise<void> {
    const bull = await peer<BullModule>("bullmq");
    this.queue = new bull.Queue(this.context.queue,
      { connection: REDIS, prefix: this.context.prefix });
    await this.queue.client;
  }

  async enqueue(jobs: readonly JobSpec[]): Promise<void> {
    for (const chunk of chunks(jobs)) {
      const now = Date.now();
      await this.queue!.addBulk(chunk.map((job) => ({ name: job.task,
        data: { task: job.task, args: job.args },
        ...(job.runAt === undefined ? {} : { opts: { delay: Math.max(0, job.runAt - now) } }),
      })));
    }
  }

  workerArgs(mode: WorkerMode): string[] {
    return peerArgs(this.system, mode, this.context);
  }

  /** BullMQ keeps completed jobs (removeOnComplete is off by default) in a sorted set. */
  async completed(): Promise<number> {
    const client = await this.queue!.client;
    return client.zcard(`${this.context.prefix}:${this.context.queue}:completed`);
  }

  async verify(): Promise<string | null> {
    const client = await this.queue!.client;
    const n = await client.zcard(`${this.context.prefix}:${this.context.queue}:failed`);
    return n === 0 ? null : `${n} jobs failed`;
  }

  async redisVersion(): Promise<string> {
    const info = await (await this.queue!.client).info("server");
    return /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown";
  }

  async dispose(): Promise<void> {
    if (this.queue === null) return;
    const client = await this.queue.client;
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${this.context.prefix}:*`,
        "COUNT", 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    await this.queue.close();
    this.queue = null;
  }
}

// ---------------------------------------------------------------- the peer worker role

async function peerWorker(system: SystemName, context: PeerContext): Promise<void> {
  const tasks = benchTasks(process.env.CQBENCH_OUT);
  const run = (data: PgBossJob["data"]) => tasks[data.task](data.args);
  let stop: () => Promise<void>;
  if (system === "graphile-worker") {
    const graphile = await peer<GraphileModule>("graphile-worker");
    const taskList = Object.fromEntries(Object.keys(tasks).map((name) =>
      [name, async (payload: unknown) => { await run(payload as PgBossJob["data"]); }]));
    const runner = await graphile.run({ connectionString: PG_URL, schema: context.schema,
      concurrency: CONCURRENCY, noHandleSignals: true, taskList });
    stop = () => runner.stop();
  } else if (system === "pg-boss") {
    const PgBossClass = await peer<PgBossClass>("pg-boss");
    const boss = new PgBossClass({ connectionString: PG_URL, schema: context.schema });
    boss.on("error", (error) => console.error(`pg-boss: ${error.message}`));
    await boss.start();
    // pg-boss 10 has no per-worker concurrency option: a worker fetches `batchSize` jobs per
    // poll and hands them over together; they run concurrently here.
    await boss.work(context.queue, { batchSize: CONCURRENCY },
      (jobs) => Promise.all(jobs.map((job) => run(job.data))));
    stop = () => boss.stop({ graceful: false, wait: true });
  } else if (system === "bullmq") {
    const bull = await peer<BullModule>("bullmq");
    const worker = new bull.Worker(context.queue, (job) => run(job.data),
      { connection: REDIS, prefix: context.prefix, concurrency: CONCURRENCY });
    stop = () => worker.close();
  } else {
    throw new Error(`no peer worker for ${system}`);
  }
  const exit = () => void stop().finally(() => process.exit(0));
  process.once("SIGTERM", exit);
  process.once("SIGINT", exit);
}

// ---------------------------------------------------------------- orchestration helpers

interface Options {
  readonly quick: boolean;
  readonly only: readonly SystemName[];
  readonly scenarios: readonly string[];
  readonly profileDir?: string;
}

interface RunContext {
  readonly options: Options;
  readonly runId: string;
  readonly dir: string;
  readonly tasksFile: string;
  readonly children: Set<ChildProcess>;
  readonly targets: Set<Target>;
}

function makeTarget(run: RunContext, system: SystemName, scenario: string): Target {
  const schema = `cqbench_${run.runId}_${system.replace(/-/g, "_")}_${scenario}`;
  const context = { schema, prefix: `cqbench:${run.runId}:${scenario}`, queue: "bench" };
  const target = system === "chronoq-sqlite" || system === "chronoq-postgres"
    ? new ChronoqTarget(system, { dir: run.dir, schema }, run.tasksFile)
    : system === "graphile-worker" ? new GraphileTarget(context)
      : system === "pg-boss" ? new PgBossTarget(context) : new BullTarget(context);
  run.targets.add(target);
  return target;
}

async function disposeTarget(run: RunContext, target: Target): Promise<void> {
  run.targets.delete(target);
  await target.dispose();
}

function startWorker(run: RunContext, target: Target, mode: WorkerMode, out: string,
  label: string): ChildProcess {
  const log = openSync(join(run.dir, `${label}.log`), "a");
  const child = spawn(process.execPath,
    target.workerArgs(mode, mode.kind === "drain" ? run.options.profileDir : undefined),
    { stdio: ["ignore", log, log], env: { ...process.env, CQBENCH_OUT: out } });
  closeSync(log);
  run.children.add(child);
  child.once("exit", () => run.children.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited(child);
  clearTimeout(timer);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function lines(file: string, kind: string): string[][] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter((line) => line.startsWith(`${kind} `))
    .map((line) => line.split(" "));
}

/** Polls until `count` records of `kind` exist or the cap passes; returns what is there. */
async function waitForRecords(file: string, kind: string, count: number, capMs: number,
  child?: ChildProcess): Promise<string[][]> {
  const deadline = Date.now() + capMs;
  for (;;) {
    const found = lines(file, kind);
    if (found.length >= count || Date.now() > deadline) return found;
    if (child !== undefined && child.exitCode !== null) {
      throw new Error(`worker exited with ${child.exitCode} before ${count} '${kind}' records`);
    }
    await sleep(POLL_MS);
  }
}

function percentile(sorted: readonly number[], p: number): number | undefined {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

const fmtRate = (n: number) => Math.round(n).toLocaleString("en-US");

// ---------------------------------------------------------------- scenario 1: drain

interface DrainResult {
  readonly system: SystemName;
  readonly bulkApi: string;
  readonly jobs: number;
  readonly enqueueRate: number;
  readonly drainRate: number;
  readonly drainS: number;
  /** Completions per second from the first completion seen to the last (no start-up). */
  readonly steadyRate: number | null;
  readonly done: number;
  readonly capped: boolean;
  readonly problem: string | null;
}

async function drain(run: RunContext, system: SystemName, jobs: number, capMs: number):
  Promise<DrainResult> {
  const target = makeTarget(run, system, "drain");
  try {
    await target.setup();
    const specs: JobSpec[] = Array.from({ length: jobs }, () => ({ task: "noop", args: [] }));
    const enqueueStart = performance.now();
    await target.enqueue(specs);
    const enqueueS = (performance.now() - enqueueStart) / 1000;

    const out = join(run.dir, `${system}-drain.out`);
    const started = performance.now();
    const child = startWorker(run, target, { kind: "drain" }, out, `${system}-drain`);
    let done = 0;
    let first: { at: number; done: number } | null = null;
    while (done < jobs && performance.now() - started < capMs) {
      done = await target.completed();
      if (first === null && done > 0) first = { at: performance.now(), done };
      if (done < jobs) await sleep(POLL_MS);
      if (child.exitCode !== null) throw new Error(`${system} worker exited ${child.exitCode}`);
    }
    const ended = performance.now();
    const drainS = (ended - started) / 1000;
    const steadyRate = first === null || ended <= first.at ? null
      : (done - first.done) / ((ended - first.at) / 1000);
    await stopChild(child);
    const problem = done < jobs ? null : await target.verify(jobs);
    return { system, bulkApi: target.bulkApi, jobs, enqueueRate: jobs / enqueueS,
      drainRate: done / drainS, drainS, steadyRate, done, capped: done < jobs, problem };
  } finally {
    await disposeTarget(run, target);
  }
}

// ---------------------------------------------------------------- scenario 2: lateness

interface LateResult {
  readonly system: SystemName;
  readonly jobs: number;
  readonly started: number;
  readonly medianMs: number | undefined;
  readonly p99Ms: number | undefined;
  /** A lower bound for percentiles that fall on jobs that never started within the cap. */
  readonly atLeastMs: number;
  readonly enqueueLateMs: number;
}

const LEAD_MS = 2000;
const SPREAD_MS = 3000;

async function lateness(run: RunContext, system: SystemName, jobs: number, capMs: number):
  Promise<LateResult> {
  const target = makeTarget(run, system, "late");
  const out = join(run.dir, `${system}-late.out`);
  try {
    await target.setup();
    const child = startWorker(run, target, { kind: "late" }, out, `${system}-late`);
    // Warm-up: one job due now; its record shows the worker is up and consuming.
    await target.enqueue([{ task: "late", args: [Date.now()] }]);
    const warm = await waitForRecords(out, "late", 1, 60_000, child);
    if (warm.length === 0) throw new Error(`${system}: the worker never ran the warm-up job`);

    const base = Date.now() + LEAD_MS;
    const specs: JobSpec[] = Array.from({ length: jobs }, (_, i) => {
      const runAt = base + Math.round((i * SPREAD_MS) / jobs);
      return { task: "late", args: [runAt], runAt };
    });
    await target.enqueue(specs);
    const enqueueLateMs = Math.max(0, Date.now() - base);
    const lastDue = base + SPREAD_MS;
    const records = await waitForRecords(out, "late", jobs + 1,
      lastDue - Date.now() + capMs, child);
    const waitedUntil = Date.now();
    await stopChild(child);
    const values = records.slice(1).map((fields) => Number(fields[1]));
    values.sort((a, b) => a - b);
    const all = jobs;
    const pick = (p: number) => {
      const rank = Math.max(0, Math.ceil(p * all) - 1);
      return rank < values.length ? values[rank] : undefined;
    };
    return { system, jobs, started: values.length, medianMs: pick(0.5), p99Ms: pick(0.99),
      atLeastMs: waitedUntil - lastDue, enqueueLateMs };
  } finally {
    await disposeTarget(run, target);
  }
}

// ---------------------------------------------------------------- scenario 3: kill

interface KillResult {
  readonly system: SystemName;
  readonly settings: string;
  readonly rerunMs: number | null;
  readonly capMs: number;
  /** chronoq: ms from the victim's death (last sign of life + death interval) to rerun. */
  readonly afterDeathMs?: number;
  readonly boundMs?: number;
  readonly documented?: string;
}

const DOCUMENTED: Partial<Record<SystemName, string>> = {
  "bullmq": "30-60 s (lock 30 s, stalled check 30 s)",
  "graphile-worker": "4 h (lock age)",
  "pg-boss": "15 min (expireIn) + maintenance",
};

async function killRerun(run: RunContext, system: SystemName, pair: { ping: string;
  death: string; pingMs: number; deathMs: number } | null, capMs: number):
  Promise<KillResult> {
  const label = `${system}-kill${pair === null ? "" : "-short"}`;
  const target = makeTarget(run, system, pair === null ? "kill" : "killshort");
  const out = join(run.dir, `${label}.out`);
  const chronoq = target instanceof ChronoqTarget ? target : null;
  const mode = (dispatcher: string): WorkerMode => ({ kind: "kill", dispatcher,
    ...(pair === null ? {} : { ping: pair.ping, death: pair.death }) });
  const settings = chronoq === null ? "defaults"
    : pair === null ? "30s/60s (default)" : `${pair.ping}/${pair.death}`;
  try {
    await target.setup();
    await chronoq?.configureRetries();
    await target.enqueue([{ task: "long", args: ["victim"] }]);
    const victim = startWorker(run, target, mode("victim"), out, `${label}-a`);
    const first = await waitForRecords(out, "start", 1, 60_000, victim);
    if (first.length === 0) throw new Error(`${label}: the long job never started`);
    await sleep(200);
    const killedAt = wallMs();
    victim.kill("SIGKILL");
    await exited(victim);
    const heir = startWorker(run, target, mode("heir"), out, `${label}-b`);
    const starts = await waitForRecords(out, "start", 2, capMs);
    heir.kill("SIGKILL");
    await exited(heir);
    const rerunAt = starts.length >= 2 ? Number(starts[1]![1]) : null;
    const result: KillResult = { system, settings, capMs,
      rerunMs: rerunAt === null ? null : rerunAt - killedAt,
      ...(DOCUMENTED[system] === undefined ? {} : { documented: DOCUMENTED[system] }) };
    if (chronoq === null) return result;
    const pingMs = pair?.pingMs ?? 30_000;
    const deathMs = pair?.deathMs ?? 60_000;
    const lastSign = await chronoq.lastSignOfLife("victim");
    return { ...result, boundMs: deathMs + pingMs,
      ...(lastSign === null || rerunAt === null ? {}
        : { afterDeathMs: rerunAt - (lastSign + deathMs) }) };
  } finally {
    await disposeTarget(run, target);
  }
}

// ---------------------------------------------------------------- report

function machineFacts(pgVersion: string, redisVersion: string): string[] {
  return [
    `date: ${new Date().toISOString()}`,
    `machine: nproc ${cpus().length} (${cpus()[0]?.model ?? "?"}), ` +
      `${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${process.platform}`,
    `PostgreSQL: ${pgVersion}; Redis: ${redisVersion}`,
    `peers: graphile-worker ${peerVersion("graphile-worker")}, pg-boss ` +
      `${peerVersion("pg-boss")}, bullmq ${peerVersion("bullmq")}`,
  ];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line)].join("\n");
}

const fmtMs = (ms: number | undefined, atLeast: number) =>
  ms === undefined ? `> ${(atLeast / 1000).toFixed(0)} s` : `${ms.toFixed(1)} ms`;

function report(facts: string[], drains: DrainResult[], lates: LateResult[],
  kills: KillResult[], options: Options): string {
  const out = ["# chronoq live benchmark", "", ...facts.map((f) => `- ${f}`),
    `- workers: one process per system, concurrency ${CONCURRENCY}, default settings; ` +
    `completions polled every ${POLL_MS} ms` + (options.quick ? " (--quick)" : ""), ""];
  if (drains.length > 0) {
    out.push(`## Drain: ${drains[0]!.jobs.toLocaleString("en-US")} no-op jobs`, "");
    out.push(table(["system", "enqueue/s", "drain/s", "drain s", "first-last/s", "bulk API",
      "note"],
    drains.map((d) => [d.system, fmtRate(d.enqueueRate), fmtRate(d.drainRate),
      d.drainS.toFixed(2), d.steadyRate === null ? "" : fmtRate(d.steadyRate), d.bulkApi,
      d.capped ? `capped: ${d.done} done` : d.problem ?? "all done"])), "",
    `bulk calls of ${CHUNK} jobs; drain: from the worker's spawn to the last durable`,
    "completion; first-last: first completion seen to the last (start-up excluded)", "");
  }
  if (lates.length > 0) {
    out.push(`## Lateness: ${lates[0]!.jobs.toLocaleString("en-US")} delayed jobs due ` +
      `${LEAD_MS / 1000}-${(LEAD_MS + SPREAD_MS) / 1000} s ahead`, "");
    out.push(table(["system", "median", "p99", "started", "note"], lates.map((l) => [
      l.system, fmtMs(l.medianMs, l.atLeastMs), fmtMs(l.p99Ms, l.atLeastMs),
      `${l.started}/${l.jobs}`,
      l.enqueueLateMs > 0 ? `enqueue ended ${l.enqueueLateMs} ms after the first due time`
        : ""])), "");
  }
  if (kills.length > 0) {
    out.push("## Rerun after SIGKILL (from the kill until the job starts again)", "");
    out.push(table(["system", "ping/death", "rerun after", "bound", "after death", "source"],
      kills.map((k) => [k.system, k.settings,
        k.rerunMs === null ? `> ${(k.capMs / 1000).toFixed(0)} s (cap)`
          : `${(k.rerunMs / 1000).toFixed(2)} s`,
        k.boundMs === undefined ? "" : `${(k.boundMs / 1000).toFixed(0)} s`,
        k.afterDeathMs === undefined ? "" : `${(k.afterDeathMs / 1000).toFixed(2)} s`,
        k.rerunMs === null && k.documented !== undefined ? `doc: ${k.documented}`
          : "measured"])), "");
  }
  out.push("## Targets", "", ...targets(drains, lates, kills).map((t) => `- ${t}`));
  return `${out.join("\n")}\n`;
}

function targets(drains: DrainResult[], lates: LateResult[], kills: KillResult[]): string[] {
  const rate = (s: SystemName) => drains.find((d) => d.system === s);
  const verdict = (ok: boolean | undefined) =>
    ok === undefined ? "not measured" : ok ? "MET" : "NOT MET";
  const faster = (a: SystemName, b: SystemName) => {
    const x = rate(a), y = rate(b);
    return x === undefined || y === undefined ? undefined
      : !x.capped && x.problem === null && x.drainRate > y.drainRate;
  };
  const lines = [
    `chronoq-sqlite drains faster than bullmq: ${verdict(faster("chronoq-sqlite", "bullmq"))}`,
    `chronoq-postgres drains faster than graphile-worker: ` +
      verdict(faster("chronoq-postgres", "graphile-worker")),
  ];
  for (const system of ["chronoq-sqlite", "chronoq-postgres"] as const) {
    const l = lates.find((x) => x.system === system);
    lines.push(`${system} p99 lateness under 50 ms: ` +
      verdict(l === undefined ? undefined : l.p99Ms !== undefined && l.p99Ms < 50));
  }
  for (const k of kills.filter((x) => x.boundMs !== undefined)) {
    const capped = k.rerunMs === null && k.capMs < k.boundMs!;
    const ok = k.rerunMs !== null && k.rerunMs <= k.boundMs! && (k.afterDeathMs ?? -1) >= 0;
    lines.push(`${k.system} ${k.settings}: back within death + ping ` +
      `(${(k.boundMs! / 1000).toFixed(0)} s) and not before death: ` +
      (capped ? `not measured (cap ${k.capMs / 1000} s)` : verdict(ok)));
  }
  return lines;
}

// ---------------------------------------------------------------- main

function parseOptions(argv: readonly string[]): Options {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i < 0 ? undefined : argv[i + 1];
  };
  const only = value("--only")?.split(",").filter(Boolean);
  const systems = only === undefined ? [...SYSTEMS]
    : SYSTEMS.filter((s) => only.some((o) => s.startsWith(o)));
  if (systems.length === 0) throw new Error(`--only ${value("--only")}: no such system`);
  const profileDir = value("--profile");
  return { quick: argv.includes("--quick"), only: systems,
    scenarios: value("--scenarios")?.split(",") ?? ["drain", "late", "kill"],
    ...(profileDir === undefined ? {} : { profileDir }) };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), "chronoq-bench-live-"));
  const tasksFile = join(dir, "tasks.mjs");
  writeFileSync(tasksFile, "// Bench tasks for chronoq workers: what every system runs.\n" +
    `import { benchTasks } from ${JSON.stringify(pathToFileURL(SELF).href)};\n` +
    `export const tasks = benchTasks(process.env.CQBENCH_OUT);\n`);
  const run: RunContext = { options, dir, tasksFile, children: new Set(), targets: new Set(),
    runId: `${Date.now().toString(36)}${process.pid.toString(36)}` };
  const cleanUp = async () => {
    for (const child of run.children) child.kill("SIGKILL");
    for (const target of [...run.targets]) await target.dispose().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void cleanUp().finally(() => process.exit(130)));

  const quick = options.quick;
  const drainJobs = quick ? 2000 : 20_000;
  const lateJobs = quick ? 300 : 2000;
  const drainCapMs = quick ? 15_000 : 60_000;
  const lateCapMs = quick ? 5_000 : 10_000;
  const killCapMs = quick ? 20_000 : 100_000;
  const shortPair = { ping: "1s", death: "5s", pingMs: 1000, deathMs: 5000 };
  const log = (text: string) => process.stderr.write(`bench:live ${text}\n`);

  const drains: DrainResult[] = [], lates: LateResult[] = [], kills: KillResult[] = [];
  try {
    const pgVersion = await withPg(async (c) =>
      ((await c.query("show server_version")).rows[0] as { server_version: string })
        .server_version);
    let redisVersion = "not used";
    if (options.only.includes("bullmq")) {
      const probe = makeTarget(run, "bullmq", "probe") as BullTarget;
      await probe.setup();
      redisVersion = await probe.redisVersion();
      await disposeTarget(run, probe);
    }
    if (options.scenarios.includes("drain")) {
      for (const system of options.only) {
        log(`drain ${system} (${drainJobs} jobs)`);
        drains.push(await drain(run, system, drainJobs, drainCapMs));
      }
    }
    if (options.scenarios.includes("late")) {
      for (const system of options.only) {
        log(`lateness ${system} (${lateJobs} jobs)`);
        lates.push(await lateness(run, system, lateJobs, lateCapMs));
      }
    }
    if (options.scenarios.includes("kill")) {
      // All kill measurements run at once: each waits on its own store, mostly idle.
      log(`rerun after kill, ${options.only.join(", ")} (cap ${killCapMs / 1000} s)`);
      const runs = options.only.flatMap((system) => system.startsWith("chronoq")
        ? [killRerun(run, system, null, killCapMs), killRerun(run, system, shortPair, 15_000)]
        : [killRerun(run, system, null, killCapMs)]);
      kills.push(...await Promise.all(runs));
    }
    process.stdout.write(report(machineFacts(pgVersion, redisVersion), drains, lates, kills,
      options));
  } finally {
    await cleanUp();
  }
}

function argValue(flag: string): string {
  const i = process.argv.indexOf(flag);
  const value = i < 0 ? undefined : process.argv[i + 1];
  if (value === undefined) throw new Error(`${flag} is required`);
  return value;
}

const isMain = process.argv[1] !== undefined &&
  pathToFileURL(process.argv[1]).href === import.meta.url;
if (isMain) {
  const role = process.argv.includes("--role") ? argValue("--role") : "orchestrator";
  const work = role === "worker"
    ? peerWorker(argValue("--system") as SystemName,
      JSON.parse(argValue("--context")) as PeerContext)
    : main();
  work.catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    process.exit(1);
  });
}
