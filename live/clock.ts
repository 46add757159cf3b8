// The real clock and timers of the live adapter. Time is UTC microseconds as a bigint, the
// same unit the core uses; a reading is the wall clock with sub-millisecond precision.
// Node caps a timer at about 24.8 days, so longer timers are re-armed in steps.

import { performance } from "node:perf_hooks";
import type { Micros } from "../core/index.js";

/** The longest delay setTimeout honours (2^31 - 1 ms). */
const TIMER_MAX_MS = 2 ** 31 - 1;

export interface Clock {
  nowUs(): Micros;
}

export const systemClock: Clock = {
  nowUs(): Micros {
    return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
  },
};

export interface TimerHandle {
  cancel(): void;
}

/** Calls `fire` after `delayUs`, however long; cancel() stops it. */
export function setLongTimer(delayUs: Micros, fire: () => void): TimerHandle {
  let handle: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = (remainingMs: number) => {
    const stepMs = Math.min(remainingMs, TIMER_MAX_MS);
    handle = setTimeout(() => {
      if (cancelled) return;
      if (remainingMs > stepMs) arm(remainingMs - stepMs);
      else fire();
    }, stepMs);
  };
  arm(Math.max(0, Number(delayUs) / 1000));
  return {
    cancel() {
      cancelled = true;
      if (handle !== undefined) clearTimeout(handle);
    },
  };
}
