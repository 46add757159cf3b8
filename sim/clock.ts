// A process's own clock: the world's virtual time seen through an offset, a drift and jumps.
// Readings are what the process stamps on its commands; timers it sets run at its own rate,
// so a drifting clock also stretches its poll and ping intervals.

export interface ClockSpec {
  readonly offsetUs: number;
  /** Parts per million; positive runs fast. */
  readonly driftPpm: number;
}

export class ProcessClock {
  private jumpUs = 0;

  constructor(private readonly startUs: number, readonly spec: ClockSpec) {}

  /** The local reading, in microseconds since 1970, at a virtual time. */
  readUs(virtualUs: number): number {
    const drifted = virtualUs * (1 + this.spec.driftPpm / 1e6);
    return Math.round(this.startUs + this.spec.offsetUs + this.jumpUs + drifted);
  }

  readMicros(virtualUs: number): bigint {
    return BigInt(this.readUs(virtualUs));
  }

  /** A jump forward (positive) or back (negative), as when NTP steps the clock. */
  jump(byUs: number): void {
    this.jumpUs += byUs;
  }

  /** Undoes every jump, as a clock discipline (NTP) would once the world heals. */
  resetJumps(): void {
    this.jumpUs = 0;
  }

  /** The virtual time a local delay takes. */
  virtualDelayUs(localDelayUs: number): number {
    return Math.max(1, Math.round(localDelayUs / (1 + this.spec.driftPpm / 1e6)));
  }
}
