// Fuzzing: fast-check draws small worlds and fault plans, each run by the simulator; a world
// that does not pass is shrunk by fast-check to a minimal one, saved as a world file that
// fails the same way, and returned with the one-line command that reproduces it.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { runWorld, type Verdict } from "./run.js";
import { parseWorld } from "./world.js";

export interface FuzzOptions {
  /** How many worlds to draw. */
  readonly seeds: number;
  /** The fuzzer's own seed (fast-check's). */
  readonly seed: number;
  /** Plants the canary bug in every drawn world (the harness self-test). */
  readonly canary?: boolean;
  /**
   * Also draws worlds where two processes share one dispatcher UUID (on by default). A twin
   * takes over a record it saw dead only with `ifDead`, which the core judges at fold time.
   */
  readonly twins?: boolean;
  /** Where a failing world is saved; defaults to `fuzz-failures` under the working folder. */
  readonly saveDir?: string;
  readonly onProgress?: (progress: FuzzProgress) => void;
}

export interface FuzzProgress {
  readonly run: number;
  readonly of: number;
  /** True once a failure was found and fast-check is shrinking it. */
  readonly shrinking: boolean;
}

export interface FuzzFailure {
  readonly verdict: Verdict;
  readonly world: object;
  readonly scenarioPath: string;
  readonly repro: string;
  /** The saved world, run again from its file, failed with the same invariant. */
  readonly reproduced: boolean;
  /** The index (from 1) of the drawn world that first failed, before shrinking. */
  readonly foundAtRun: number;
  readonly shrinks: number;
}

export interface FuzzResult {
  readonly ok: boolean;
  readonly seed: number;
  readonly runs: number;
  readonly failure?: FuzzFailure;
}

/** The knobs of a drawn world; each shrinks towards the simplest value. */
interface Knobs {
  readonly seed: number;
  readonly processes: number;
  readonly agentSize: number;
  readonly jobs: number;
  readonly quotaSize: number | null;
  readonly skewS: number;
  readonly taskTimeS: number;
  readonly beginByS: number | null;
  readonly crash: boolean;
  readonly pause: boolean;
  readonly clockJump: boolean;
  readonly partition: boolean;
  readonly appendFaults: boolean;
  readonly twins: boolean;
  readonly retryInterrupted: boolean;
  readonly errorRate: number;
  /** A filtered agent named before the general one (claims must reach both). */
  readonly filteredAgent: boolean;
}

const knobs: fc.Arbitrary<Knobs> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  processes: fc.integer({ min: 1, max: 4 }),
  agentSize: fc.integer({ min: 1, max: 3 }),
  jobs: fc.integer({ min: 1, max: 12 }),
  quotaSize: fc.option(fc.integer({ min: 1, max: 2 }), { nil: null }),
  skewS: fc.integer({ min: 0, max: 20 }),
  taskTimeS: fc.integer({ min: 1, max: 30 }),
  beginByS: fc.option(fc.integer({ min: 10, max: 600 }), { nil: null }),
  crash: fc.boolean(),
  pause: fc.boolean(),
  clockJump: fc.boolean(),
  partition: fc.boolean(),
  appendFaults: fc.boolean(),
  twins: fc.boolean(),
  retryInterrupted: fc.boolean(),
  errorRate: fc.constantFrom(0, 0.3),
  filteredAgent: fc.boolean(),
});

/** The world file a set of knobs stands for. */
export function worldFromKnobs(k: Knobs, canary: boolean, twins = true): object {
  const processes = Array.from({ length: k.processes }, (_, i) => ({
    name: `p${i + 1}`,
    // Twins: the second process is started with the first one's dispatcher UUID.
    dispatcher: twins && k.twins && i === 1 ? "p1" : `p${i + 1}`,
    // Siblings' clocks sit half the skew ahead or behind, so no two differ by more than it;
    // skew + ping + poll stays under the death interval, as liveness requires.
    clock: { offset: `${i === 0 ? 0 : (i % 2 === 0 ? 1 : -1) * Math.round(k.skewS / 2)}s` },
    agents: k.filteredAgent
      ? [{ name: "errors", size: 1, filter: { taskIn: ["throw"] } },
        { name: "main", size: k.agentSize }]
      : [{ name: "main", size: k.agentSize }],
  }));
  const random: { [key: string]: string | number } = {};
  if (k.crash) random.crash = "90s";
  if (k.pause) random.pause = "90s";
  if (k.clockJump) random.clockJump = "90s";
  if (k.partition) random.partition = "90s";
  if (k.appendFaults) {
    Object.assign(random, { slowAppend: 0.05, failedAppend: 0.05, lostAck: 0.1 });
  }
  return {
    name: `Fuzz: drawn world (${k.processes} processes, ${k.jobs} jobs, seed ${k.seed})`,
    seed: k.seed,
    duration: "4m",
    ...(k.retryInterrupted ? { queue: { interruptPolicy: "commonForever" } } : {}),
    livenessBound: "10m",
    intervals: { poll: "2s", ping: "5s", death: "30s", appendTimeout: "5s" },
    quotas: k.quotaSize === null ? [] : [{ name: "q", size: k.quotaSize }],
    processes,
    workload: { jobs: k.jobs, window: "2m", taskTime: ["1s", `${k.taskTimeS}s`],
      errorRate: k.errorRate, errorKinds: ["ValueError", "ConflictError"],
      ...(k.beginByS === null ? {} : { beginBy: `${k.beginByS}s` }) },
    faults: { random },
    ...(canary ? { canary: "reap-early" } : {}),
  };
}

export function fuzz(options: FuzzOptions): FuzzResult {
  const canary = options.canary === true;
  const twins = options.twins !== false;
  let run = 0;
  let firstFailure = 0;
  let last: { verdict: Verdict; world: object } | null = null;
  const property = fc.property(knobs, (k) => {
    run++;
    const shrinking = firstFailure > 0;
    options.onProgress?.({ run: shrinking ? firstFailure : run, of: options.seeds, shrinking });
    const world = worldFromKnobs(k, canary, twins);
    const verdict = runWorld(parseWorld(world)).verdict;
    if (verdict.kind === "pass") return true;
    if (firstFailure === 0) firstFailure = run;
    last = { verdict, world };
    return false;
  });
  const details = fc.check(property, { seed: options.seed, numRuns: options.seeds });
  if (!details.failed || details.counterexample === null) {
    return { ok: true, seed: options.seed, runs: details.numRuns };
  }
  const [minimal] = details.counterexample;
  const world = worldFromKnobs(minimal, canary, twins);
  const verdict = runWorld(parseWorld(world)).verdict;
  void last;
  return { ok: false, seed: options.seed, runs: details.numRuns,
    failure: save(world, verdict, options, firstFailure, details.numShrinks) };
}

function save(
  world: object, verdict: Verdict, options: FuzzOptions, foundAtRun: number, shrinks: number,
): FuzzFailure {
  const dir = options.saveDir ?? "fuzz-failures";
  mkdirSync(dir, { recursive: true });
  const invariant = verdict.violation?.invariant ?? verdict.kind;
  const path = join(dir, `fuzz-${options.seed}-${invariant}.json`);
  const named = { ...world, name: `Fuzz: ${invariant} found by fuzz seed ${options.seed}`,
    description: `Shrunk by fast-check from run ${foundAtRun}: ${verdict.violation?.message}` };
  writeFileSync(path, JSON.stringify(named, null, 2) + "\n");

  const again = runWorld(parseWorld(named)).verdict;
  const reproduced = again.kind === verdict.kind &&
    again.violation?.invariant === verdict.violation?.invariant;
  return { verdict, world: named, scenarioPath: path, foundAtRun, shrinks, reproduced,
    repro: `chronoq sim ${path} --seed ${verdict.seed}` };
}
