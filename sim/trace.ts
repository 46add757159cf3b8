// Traces: one JSON object per line (the seed and expanded world first, then every command
// folded, every effect and fault with its virtual time, then the verdict and a digest of the
// final state). The same seed gives the same bytes; the core's `stateDigest` is what replay
// compares.

import { presentReply } from "../core/index.js";

/** JSON text with bigints as numbers (simulated times stay below 2^53 microseconds). */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === "bigint" ? Number(inner) : inner);
}

/** Collects trace lines; `enabled` false makes every write free. */
export class TraceSink {
  readonly lines: string[] = [];

  constructor(readonly enabled: boolean) {}

  write(record: object): void {
    if (this.enabled) this.lines.push(jsonLine(record));
  }

  text(): string {
    return this.lines.length === 0 ? "" : this.lines.join("\n") + "\n";
  }
}

/** A reply in the contract's JSON shape (times as ISO text). */
export function presentForTrace(reply: unknown): unknown {
  return presentReply(reply);
}
