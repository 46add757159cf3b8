// The simulator's public API, as the command line (bin/) uses it: run a world file, fuzz,
// and replay a trace. Everything else in sim/ is internal.

import { readFileSync, writeFileSync } from "node:fs";
import { runWorld as runParsed, type Verdict } from "./run.js";
import { parseWorld, parseWorldText, WorldError, type World } from "./world.js";

export { EXIT_INVALID, EXIT_LIVENESS, EXIT_PASS, EXIT_SAFETY, exitCodeOf } from "./exit-codes.js";
export { fuzz, type FuzzFailure, type FuzzOptions, type FuzzProgress, type FuzzResult }
  from "./fuzz.js";
export { replayText, replayTrace, TraceError, type ReplayResult } from "./replay.js";
export type { Verdict, Violation } from "./run.js";
export { parseWorld, parseWorldText, WorldError, type World };

export interface SimOptions {
  /** Overrides the world's own seed. */
  readonly seed?: number;
  /** Writes the trace (JSON lines) here. */
  readonly tracePath?: string;
  /** Run the core invariants every N folds instead of after every one (benchmarks). */
  readonly invariantEvery?: number;
}

/** Reads and validates a world file; throws WorldError (exit EXIT_INVALID) when it is bad. */
export function loadWorld(path: string): World {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new WorldError(path, `cannot read: ${(error as Error).message}`);
  }
  return parseWorldText(text, path);
}

/** Runs a world (parsed, or raw JSON data to validate) and returns its verdict. */
export function runWorld(world: World | object, options: SimOptions = {}): Verdict {
  const parsed = isParsed(world) ? world : parseWorld(world);
  const result = runParsed(parsed, { trace: options.tracePath !== undefined,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.invariantEvery === undefined ? {} : { invariantEvery: options.invariantEvery }) });
  if (options.tracePath !== undefined) writeFileSync(options.tracePath, result.trace);
  return result.verdict;
}

function isParsed(world: object): world is World {
  return "startUs" in world && "processes" in world;
}
export { checkLog, type LogCheckResult, type LoggedCommand } from "./log-check.js";
