// Turns replies into the JSON of the scenario contract: times as ISO 8601 UTC text with six
// decimals, deadlines as ISO durations. Replies keep bigint microseconds until here so that
// the simulator, which reads them by the million, never pays for formatting.

import { formatDuration, formatTime } from "./time.js";

/** Keys whose bigint values are durations; every other bigint is a point in time. */
const DURATION_KEYS = new Set(["beginBy", "pingInterval", "deathInterval", "retention"]);

export function presentReply(value: unknown, key = ""): unknown {
  if (typeof value === "bigint") {
    return DURATION_KEYS.has(key) ? formatDuration(value) : formatTime(value);
  }
  if (Array.isArray(value)) return value.map((item) => presentReply(item));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [field, inner] of Object.entries(value)) {
      if (inner !== undefined) out[field] = presentReply(inner, field);
    }
    return out;
  }
  return value;
}
