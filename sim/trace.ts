// Traces: one JSON object per line (the seed and expanded world first, then every command
// folded, every effect and fault with its virtual time, then the verdict and a digest of the
// final state). The same seed gives the same bytes; `digestState` is what replay compares.

import { createHash } from "node:crypto";
import { presentReply, type State } from "../core/index.js";

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

/** A canonical, ordered rendering of a state: every persistent tree walked in key order. */
export function canonicalState(state: State): unknown {
  const queues = [...state.queues.entries()].map(([name, queue]) => ({
    name,
    options: queue.options,
    putback: [...queue.putback.entries()],
    fifo: [...queue.fifo.entries()],
    held: [...queue.held.entries()],
    quotas: [...queue.quotas.entries()],
    dispatchers: [...queue.dispatchers.entries()].map(([uuid, d]) => ({
      ...d, uuid, agents: d.agents.map((a) => ({ ...a, completed: [...a.completed.entries()] })),
    })),
  }));
  return { queues, jobs: [...state.jobs.entries()], nextSeq: state.nextSeq,
    nextPosition: state.nextPosition, nextCompletion: state.nextCompletion };
}

export function digestState(state: State): string {
  return createHash("sha256").update(jsonLine(canonicalState(state))).digest("hex");
}
