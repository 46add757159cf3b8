// Replay: re-folds the commands of a trace, in log order, from the initial state the trace
// names, and checks that every reply and the final state digest come out the same. A
// production log exported as a trace replays the same way.

import { readFileSync } from "node:fs";
import {
  initialState, presentReply, reduce, stateDigest, type Command, type State,
} from "../core/index.js";
import { jsonLine } from "./trace.js";

export interface ReplayResult {
  readonly ok: boolean;
  readonly seed: number | null;
  readonly folded: number;
  readonly digest: string;
  /** The digest the trace recorded at its end, or null when it has none. */
  readonly expected: string | null;
  /** What went wrong, when not ok. */
  readonly problem?: string;
}

export class TraceError extends Error {
  constructor(readonly line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.name = "TraceError";
  }
}

interface Line {
  readonly line?: string;
  readonly seed?: number;
  readonly queues?: { [name: string]: object };
  readonly pos?: number;
  readonly command?: Command;
  readonly reply?: unknown;
  readonly digest?: string;
}

/** Replays a trace file; an unreadable or malformed file throws TraceError (invalid input). */
export function replayTrace(path: string): ReplayResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new TraceError(0, `cannot read ${path}: ${(error as Error).message}`);
  }
  return replayText(text);
}

export function replayText(text: string): ReplayResult {
  const lines = text.split("\n").filter((l) => l.trim() !== "").map(parseLine);
  const header = lines.find((l) => l.line === "run");
  let state: State = initialState(header?.queues ?? { "": {} });
  let folded = 0;
  let problem: string | undefined;
  for (const [index, record] of lines.entries()) {
    if (record.command === undefined || record.pos === undefined) continue;
    if (record.pos !== folded) throw new TraceError(index + 1, `expected position ${folded}`);
    const result = reduce(state, record.command);
    state = result.state;
    folded++;
    if (problem === undefined && record.reply !== undefined &&
        jsonLine(presentReply(result.reply)) !== jsonLine(record.reply)) {
      problem = `reply at position ${record.pos} differs from the trace`;
    }
  }
  const verdict = lines.find((l) => l.line === "verdict");
  const digest = stateDigest(state);
  const expected = verdict?.digest ?? null;
  if (problem === undefined && expected !== null && expected !== digest) {
    problem = `final state digest ${digest} differs from the trace's ${expected}`;
  }
  return { ok: problem === undefined, seed: header?.seed ?? null, folded, digest, expected,
    ...(problem === undefined ? {} : { problem }) };
}

function parseLine(text: string, index: number): Line {
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== "object") throw new Error("not an object");
    return value as Line;
  } catch (error) {
    throw new TraceError(index + 1, `not a JSON object: ${(error as Error).message}`);
  }
}
