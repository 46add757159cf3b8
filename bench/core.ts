// The core benchmark (`npm run bench:core`): put N jobs on queue "" and then claim them all,
// through the pure core's reduce and through the naive mutable array of naive-queue.ts, side
// by side. It prints put, claim and overall commands per second, the heap that N pending jobs
// hold, and the cost of one command, then a last line that says which targets are met.
//
//   node --expose-gc dist/bench/core.js [--sizes 1000,10000] [--impl core,fold,naive]
//
// Workload: put i runs at T0 + 2i µs; every 4th job asks to begin 1 µs after its put, so it
// waits in the held index while the others go to the FIFO, and begin-after order is put
// order. Claim j runs at T0 + 2N + 1 + j µs, when every job is due and within its default
// one-hour deadline. Commands, with their time strings, are made before the clock starts.

import { cpus, loadavg } from "node:os";
import { getHeapStatistics } from "node:v8";
import {
  foldCommands, formatTime, initialState, parseTime, queueLength, reduce, type Command,
  type State,
} from "../core/index.js";
import { NaiveQueue } from "./naive-queue.js";

const DEFAULT_SIZES = [1_000, 10_000, 100_000, 1_000_000];
/** core: `reduce` once per command; fold: `foldCommands` over batches, as a log is folded. */
const IMPLS = ["core", "fold", "naive"] as const;
const FOLD_BATCH = 1000;
type ImplName = (typeof IMPLS)[number];

const T0 = parseTime("2006-08-10T15:44:22.000211Z", "T0");
const HELD_EVERY = 4;
const TASK = "bench/noop";

/** Rounds per size: small sizes repeat so that one timing is not a few milliseconds. */
const COMMANDS_PER_SIZE = 400_000;
const MAX_ROUNDS = 50;

// Targets from the issue, judged on the core's numbers.
const TARGET_RATE = 1_000_000;
const TARGET_SCALING = 3;
const TARGET_HEAP_MB = 500;

interface Options {
  readonly sizes: readonly number[];
  readonly impls: readonly ImplName[];
}

/** One implementation under test: a fresh, empty queue that folds commands. */
interface Runner {
  /** Folds the commands in order; returns how many got no job back (must be 0). */
  run(commands: readonly Command[]): number;
  pending(): number;
  /** The claimed job ids in order, for the check before timing. */
  claimedIds?: string[];
}

interface Round {
  readonly putNs: number;
  readonly claimNs: number;
}

interface Row {
  readonly n: number;
  readonly impl: ImplName;
  readonly rounds: number;
  readonly putRate: number;
  readonly claimRate: number;
  readonly overallRate: number;
  readonly heapMB: number;
  readonly usPerCommand: number;
}

function usage(message: string): never {
  process.stderr.write(`bench/core: ${message}\n` +
    "usage: node --expose-gc dist/bench/core.js [--sizes 1000,10000] [--impl core,fold,naive]\n" +
    "sizes take an optional k or M suffix (1k, 1M)\n");
  process.exit(2);
}

function parseSize(text: string): number {
  const match = /^(\d+)([kKmM]?)$/.exec(text.trim());
  if (match === null) usage(`'${text}' is not a size`);
  const unit = match[2]!.toLowerCase();
  const n = Number(match[1]) * (unit === "k" ? 1_000 : unit === "m" ? 1_000_000 : 1);
  if (!Number.isSafeInteger(n) || n < 1) usage(`size '${text}' must be a whole number >= 1`);
  return n;
}

function parseOptions(argv: readonly string[]): Options {
  let sizes: readonly number[] = DEFAULT_SIZES;
  let impls: readonly ImplName[] = IMPLS;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const value = (): string => {
      if (eq >= 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) usage(`${name} needs a value`);
      return next;
    };
    if (name === "--sizes") {
      sizes = value().split(",").filter((part) => part.trim() !== "").map(parseSize);
      if (sizes.length === 0) usage("--sizes needs at least one size");
    } else if (name === "--impl") {
      impls = value().split(",").map((part) => {
        const impl = part.trim();
        if (!(IMPLS as readonly string[]).includes(impl)) usage(`unknown impl '${impl}'`);
        return impl as ImplName;
      });
    } else if (name === "--help" || name === "-h") {
      usage("help");
    } else {
      usage(`unknown argument '${arg}'`);
    }
  }
  return { sizes, impls };
}

// ---- the workload ----------------------------------------------------------------------

function jobId(i: number): string {
  return `job-${i}`;
}

function makePuts(n: number): Command[] {
  const puts: Command[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const at = T0 + BigInt(2 * i);
    puts[i] = i % HELD_EVERY === HELD_EVERY - 1
      ? { type: "job/put", at: formatTime(at), queue: "", job: jobId(i), task: TASK,
          beginAfter: formatTime(at + 1n) }
      : { type: "job/put", at: formatTime(at), queue: "", job: jobId(i), task: TASK };
  }
  return puts;
}

function makeClaims(n: number): Command[] {
  const claims: Command[] = new Array(n);
  const start = T0 + BigInt(2 * n + 1);
  for (let j = 0; j < n; j++) {
    claims[j] = { type: "queue/claim", at: formatTime(start + BigInt(j)), queue: "" };
  }
  return claims;
}

// ---- the implementations under test ----------------------------------------------------

function coreRunner(record: boolean): Runner {
  let state: State = initialState();
  const runner: Runner = {
    run(commands) {
      let current = state;
      let missing = 0;
      for (let i = 0; i < commands.length; i++) {
        const reduction = reduce(current, commands[i]!);
        current = reduction.state;
        const job = (reduction.reply as { readonly job?: unknown }).job;
        if (typeof job !== "string") missing++;
        else if (record && commands[i]!.type === "queue/claim") runner.claimedIds!.push(job);
      }
      state = current;
      return missing;
    },
    pending: () => queueLength(state.queues.get("")!),
  };
  if (record) runner.claimedIds = [];
  return runner;
}

function foldRunner(record: boolean): Runner {
  let state: State = initialState();
  const runner: Runner = {
    run(commands) {
      let missing = 0;
      for (let start = 0; start < commands.length; start += FOLD_BATCH) {
        const batch = commands.slice(start, start + FOLD_BATCH);
        const fold = foldCommands(state, batch);
        state = fold.state;
        for (let i = 0; i < batch.length; i++) {
          const job = (fold.replies[i] as { readonly job?: unknown }).job;
          if (typeof job !== "string") missing++;
          else if (record && batch[i]!.type === "queue/claim") runner.claimedIds!.push(job);
        }
      }
      return missing;
    },
    pending: () => queueLength(state.queues.get("")!),
  };
  if (record) runner.claimedIds = [];
  return runner;
}

function naiveRunner(record: boolean): Runner {
  const queue = new NaiveQueue();
  const runner: Runner = {
    run(commands) {
      let missing = 0;
      for (let i = 0; i < commands.length; i++) {
        const job = queue.apply(commands[i]!).job;
        if (job === null) missing++;
        else if (record && commands[i]!.type === "queue/claim") runner.claimedIds!.push(job);
      }
      return missing;
    },
    pending: () => queue.length,
  };
  if (record) runner.claimedIds = [];
  return runner;
}

function makeRunner(impl: ImplName, record = false): Runner {
  if (impl === "core") return coreRunner(record);
  return impl === "fold" ? foldRunner(record) : naiveRunner(record);
}

// ---- measuring ---------------------------------------------------------------------------

const gcFunction = (globalThis as { gc?: () => void }).gc;

function collect(): void {
  gcFunction!();
  gcFunction!();
}

function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

function elapsedNs(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

function failIfIncomplete(impl: ImplName, n: number, missing: number, runner: Runner): void {
  if (missing !== 0 || runner.pending() !== 0) {
    throw new Error(`${impl} at N=${n}: ${missing} command(s) got no job; ` +
      `${runner.pending()} job(s) left pending`);
  }
}

/**
 * Times one put-then-claim round. No forced gc here: a forced gc just before a short round
 * shrinks V8's young generation and made N=1k rounds up to 4x slower per command.
 */
function timeRound(impl: ImplName, n: number): Round {
  const puts = makePuts(n);
  const claims = makeClaims(n);
  const runner = makeRunner(impl);

  const putStart = process.hrtime.bigint();
  const putMissing = runner.run(puts);
  const putNs = elapsedNs(putStart);
  const claimStart = process.hrtime.bigint();
  const claimMissing = runner.run(claims);
  const claimNs = elapsedNs(claimStart);

  failIfIncomplete(impl, n, putMissing + claimMissing, runner);
  return { putNs, claimNs };
}

/** Heap held by N pending jobs: puts folded, put commands released, forced gc (untimed). */
function measureHeap(impl: ImplName, n: number): number {
  collect();
  const before = heapUsed();
  let puts: Command[] | null = makePuts(n);
  const runner = makeRunner(impl);
  const missing = runner.run(puts);
  puts = null;
  collect();
  const bytes = heapUsed() - before;
  if (missing !== 0 || runner.pending() !== n) {
    throw new Error(`${impl} at N=${n}: ${missing} put(s) got no job`);
  }
  return bytes;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function roundsFor(n: number): number {
  return Math.min(MAX_ROUNDS, Math.max(1, Math.ceil(COMMANDS_PER_SIZE / n)));
}

function measure(impl: ImplName, n: number): Row {
  const heapBytes = measureHeap(impl, n);
  const rounds: Round[] = [];
  const count = roundsFor(n);
  for (let r = 0; r < count; r++) rounds.push(timeRound(impl, n));
  const putNs = median(rounds.map((round) => round.putNs));
  const claimNs = median(rounds.map((round) => round.claimNs));
  return {
    n, impl, rounds: count,
    putRate: n / (putNs / 1e9),
    claimRate: n / (claimNs / 1e9),
    overallRate: (2 * n) / ((putNs + claimNs) / 1e9),
    heapMB: heapBytes / 1e6,
    usPerCommand: (putNs + claimNs) / 1e3 / (2 * n),
  };
}

/** Before timing anything: both implementations hand out every job, in begin-after order. */
function checkClaimOrder(impls: readonly ImplName[]): void {
  const n = 1_000;
  for (const impl of impls) {
    const runner = makeRunner(impl, true);
    const missing = runner.run(makePuts(n)) + runner.run(makeClaims(n));
    const ids = runner.claimedIds!;
    const wrong = ids.findIndex((id, i) => id !== jobId(i));
    if (missing !== 0 || ids.length !== n || wrong >= 0) {
      throw new Error(`${impl}: claim order check failed (${missing} missing, ` +
        `${ids.length} claimed, first out of order at ${wrong})`);
    }
  }
}

function warmUp(impls: readonly ImplName[]): void {
  for (const impl of impls) {
    for (let r = 0; r < 3; r++) timeRound(impl, 10_000);
  }
}

// ---- reporting ---------------------------------------------------------------------------

const COLUMNS = [
  ["N", 11], ["impl", 6], ["put cmds/s", 13], ["claim cmds/s", 13], ["overall cmds/s", 15],
  ["heap MB", 9], ["µs/command", 11], ["rounds", 7],
] as const;

function integer(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function line(cells: readonly string[]): string {
  return cells.map((cell, i) => {
    const width = COLUMNS[i]![1];
    return i === 1 ? ` ${cell.padEnd(width - 1)}` : cell.padStart(width);
  }).join("");
}

function formatRow(row: Row): string {
  return line([
    integer(row.n), row.impl, integer(row.putRate), integer(row.claimRate),
    integer(row.overallRate), row.heapMB.toFixed(1), row.usPerCommand.toFixed(3),
    String(row.rounds),
  ]);
}

interface Judgement {
  readonly met: boolean | null;
  readonly text: string;
}

function judge(target: string, met: boolean | null, detail: string): Judgement {
  const word = met === null ? "not measured" : met ? "met" : "NOT met";
  return { met, text: `${target}: ${word} (${detail})` };
}

function verdict(rows: readonly Row[], impl: "core" | "fold"): string {
  const core = (n: number) => rows.find((row) => row.impl === impl && row.n === n);
  const small = core(1_000);
  const large = core(1_000_000);
  const results = [
    large === undefined
      ? judge(">= 1M cmds/s at 1M jobs", null, "needs core at N=1000000")
      : judge(">= 1M cmds/s at 1M jobs", large.overallRate >= TARGET_RATE,
        `${integer(large.overallRate)} cmds/s`),
    small === undefined || large === undefined
      ? judge("cost at 1M within 3x of 1k", null, "needs core at N=1000 and N=1000000")
      : judge("cost at 1M within 3x of 1k",
        large.usPerCommand <= TARGET_SCALING * small.usPerCommand,
        `${(large.usPerCommand / small.usPerCommand).toFixed(2)}x`),
    large === undefined
      ? judge("1M pending jobs in <= 500 MB", null, "needs core at N=1000000")
      : judge("1M pending jobs in <= 500 MB", large.heapMB <= TARGET_HEAP_MB,
        `${large.heapMB.toFixed(1)} MB`),
  ];
  const met = results.filter((result) => result.met === true).length;
  const measured = results.filter((result) => result.met !== null).length;
  return `targets (${impl}): ${met} of 3 met, ${measured} measured - ` +
    results.map((result) => result.text).join("; ");
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  if (gcFunction === undefined) usage("run node with --expose-gc (npm run bench:core does)");

  const cpu = cpus()[0]?.model ?? "unknown cpu";
  const limitMB = getHeapStatistics().heap_size_limit / 2 ** 20;
  console.log(`chronoq core benchmark: put N jobs on queue "", then claim them all`);
  console.log(`node ${process.version}, ${cpu} x${cpus().length}, heap limit ` +
    `${limitMB.toFixed(0)} MiB, load average ${loadavg()[0]!.toFixed(2)} at start`);
  console.log(`every ${HELD_EVERY}th job is held (beginAfter 1 µs after its put); ` +
    "times are distinct, made before timing");
  console.log("cmds/s, µs/command: median of the timed rounds; heap MB (10^6 B), in an " +
    "untimed round:");
  console.log("heap used with the N jobs pending after the puts (put commands released, " +
    "forced gc)");
  console.log("minus heap used before them");

  checkClaimOrder(options.impls);
  warmUp(options.impls);

  console.log("");
  console.log(line(COLUMNS.map(([title]) => title)));
  const rows: Row[] = [];
  for (const n of options.sizes) {
    for (const impl of options.impls) {
      const row = measure(impl, n);
      rows.push(row);
      console.log(formatRow(row));
    }
  }
  console.log("");
  for (const impl of ["core", "fold"] as const) {
    if (options.impls.includes(impl)) console.log(verdict(rows, impl));
  }
}

main();
