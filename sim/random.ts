// Seeded randomness for the simulator. Every draw comes from seedrandom, split into named
// streams derived from the run's seed, so that a new use of one stream never shifts the draws
// of another (adding a fault site does not change the workload). Nothing here reads a clock.

import seedrandom from "seedrandom";

export const STREAM_NAMES = ["workload", "faults", "latency", "ids"] as const;
export type StreamName = (typeof STREAM_NAMES)[number];

/** One named stream of uniform draws in [0, 1). */
export class Stream {
  private readonly prng: seedrandom.PRNG;

  constructor(seed: number, readonly name: string) {
    this.prng = seedrandom.alea(`chronoq/${seed}/${name}`);
  }

  next(): number {
    return this.prng();
  }

  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number {
    if (max <= min) return min;
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A number in [min, max). */
  between(min: number, max: number): number {
    return max <= min ? min : min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return probability > 0 && this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("sim: random: pick from an empty list");
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** An exponential wait with the given mean, in whole microseconds (at least 1). */
  exponentialUs(meanUs: number): number {
    return Math.max(1, Math.round(-Math.log(1 - this.next()) * meanUs));
  }

  /** Lowercase hex of the given length, for generated ids. */
  hex(length: number): string {
    let text = "";
    while (text.length < length) text += Math.floor(this.next() * 16).toString(16);
    return text;
  }
}

export type Streams = { readonly [name in StreamName]: Stream };

export function makeStreams(seed: number): Streams {
  return {
    workload: new Stream(seed, "workload"),
    faults: new Stream(seed, "faults"),
    latency: new Stream(seed, "latency"),
    ids: new Stream(seed, "ids"),
  };
}
