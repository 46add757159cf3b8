// The report's view of a trace: the record shapes that `chronoq sim` (sim/run.ts) and
// `chronoq run` (scenarios/script-runner.ts) write, one JSON object per line, and the readers
// that turn text or a file into records. Reports never import sim/: the trace file is the
// contract between them, so a trace exported from a live log can be reported the same way.

import { closeSync, openSync, readSync } from "node:fs";
import type { Command, Event } from "../core/index.js";

/** A process of a simulated world, as the `run` header spells it out. */
export interface WorldProcess {
  readonly name: string;
  readonly dispatcher: string;
  readonly agents: readonly { readonly name: string; readonly size: number }[];
}

/** The header's `world`: the expanded world file, times in microseconds. */
export interface WorldHeader {
  readonly name: string;
  readonly description?: string;
  readonly start?: string;
  readonly startUs: number;
  readonly durationUs?: number;
  readonly pingIntervalUs?: number;
  readonly deathIntervalUs?: number;
  readonly quotas?: readonly { readonly name: string; readonly size: number }[];
  readonly processes?: readonly WorldProcess[];
}

/** The header a script run writes instead of a world. */
export interface ScriptHeader {
  readonly name: string;
  readonly file: string;
  readonly description?: string;
  readonly start: string;
  readonly startUs: number;
  readonly steps: number;
}

export interface RunHeader {
  readonly line: "run";
  readonly seed: number | null;
  readonly world?: WorldHeader;
  readonly script?: ScriptHeader;
  readonly queues?: { readonly [name: string]: object };
}

/** A command as folded into the log, with what the core answered. */
export interface FoldRecord {
  readonly t: number;
  readonly pos: number;
  readonly origin: string;
  readonly command: Command;
  readonly reply: unknown;
  readonly events: readonly Event[];
  /** Script runs: the step's index, whether its expectation held, and what it expected. */
  readonly step?: number;
  readonly ok?: boolean;
  readonly expect?: unknown;
}

/** A script step that only read the state or moved the clock. */
export interface QueryRecord {
  readonly t: number;
  readonly step: number;
  readonly do: string;
  readonly reply: unknown;
  readonly ok: boolean;
  readonly expect?: unknown;
}

export interface FaultRecord {
  readonly t: number;
  readonly fault: string;
  readonly process?: string;
  readonly forUs?: number;
  readonly byUs?: number;
  readonly token?: number;
}

export interface LifecycleRecord {
  readonly t: number;
  readonly process: string;
  readonly lifecycle: string;
}

export interface EffectRecord {
  readonly t: number;
  readonly process: string;
  readonly effect: { readonly kind: string; readonly [field: string]: unknown };
}

export interface ViolationRecord {
  readonly invariant: string;
  readonly message: string;
  readonly atUs: number;
  readonly time: string;
  readonly commands: readonly { position: number; origin: string; command: Command }[];
}

/** The last line: a world's verdict, or a script's (`fail` when a step did not hold). */
export interface VerdictRecord {
  readonly line: "verdict";
  readonly kind: string;
  readonly seed?: number | null;
  readonly folded?: number;
  readonly simulatedUs?: number;
  readonly digest?: string;
  readonly probes?: { readonly [probe: string]: number };
  readonly missingProbes?: readonly string[];
  readonly violation?: ViolationRecord;
  readonly passed?: number;
  readonly failed?: number;
}

export type TraceRecord =
  | ({ readonly kind: "header" } & { readonly value: RunHeader })
  | { readonly kind: "fold"; readonly value: FoldRecord }
  | { readonly kind: "query"; readonly value: QueryRecord }
  | { readonly kind: "fault"; readonly value: FaultRecord }
  | { readonly kind: "lifecycle"; readonly value: LifecycleRecord }
  | { readonly kind: "effect"; readonly value: EffectRecord }
  | { readonly kind: "verdict"; readonly value: VerdictRecord };

/** A line that is not a JSON object, or a trace without its header. */
export class TraceFormatError extends Error {
  constructor(readonly line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.name = "TraceFormatError";
  }
}

/** Sorts one parsed line into its kind; unknown shapes are skipped, not fatal. */
export function classify(value: { [key: string]: unknown }): TraceRecord | null {
  if (value.line === "run") return { kind: "header", value: value as unknown as RunHeader };
  if (value.line === "verdict") {
    return { kind: "verdict", value: value as unknown as VerdictRecord };
  }
  if (typeof value.pos === "number" && value.command !== undefined) {
    return { kind: "fold", value: value as unknown as FoldRecord };
  }
  if (typeof value.fault === "string") {
    return { kind: "fault", value: value as unknown as FaultRecord };
  }
  if (typeof value.lifecycle === "string") {
    return { kind: "lifecycle", value: value as unknown as LifecycleRecord };
  }
  if (value.effect !== undefined) {
    return { kind: "effect", value: value as unknown as EffectRecord };
  }
  if (typeof value.step === "number") {
    return { kind: "query", value: value as unknown as QueryRecord };
  }
  return null;
}

/** Parses lines into records, numbering lines from 1 for error messages. */
export function* parseLines(lines: Iterable<string>): Generator<TraceRecord> {
  let number = 0;
  for (const text of lines) {
    number++;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new TraceFormatError(number, `not JSON: ${(error as Error).message}`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new TraceFormatError(number, "not a JSON object");
    }
    const record = classify(value as { [key: string]: unknown });
    if (record !== null) yield record;
  }
}

/** The lines of a text, without building an array of them. */
export function* linesOf(text: string): Generator<string> {
  let from = 0;
  while (from < text.length) {
    const end = text.indexOf("\n", from);
    if (end < 0) {
      yield text.slice(from);
      return;
    }
    yield text.slice(from, end);
    from = end + 1;
  }
}

/**
 * The lines of a file, read in chunks: a simulated day's trace is hundreds of megabytes, more
 * than one string may hold comfortably.
 */
export function* fileLines(path: string, chunkBytes = 4 << 20): Generator<string> {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(chunkBytes);
    let carry = Buffer.alloc(0);
    for (;;) {
      const read = readSync(fd, buffer, 0, chunkBytes, null);
      if (read === 0) break;
      // Decoding only up to the last newline never splits a multi-byte character, since a
      // newline byte never occurs inside one; the rest waits for the next chunk as bytes.
      const last = buffer.lastIndexOf(10, read - 1);
      if (last < 0) {
        carry = Buffer.concat([carry, buffer.subarray(0, read)]);
        continue;
      }
      const text = Buffer.concat([carry, buffer.subarray(0, last + 1)]).toString("utf8");
      carry = Buffer.from(buffer.subarray(last + 1, read));
      yield* linesOf(text);
    }
    if (carry.length > 0) yield carry.toString("utf8");
  } finally {
    closeSync(fd);
  }
}
