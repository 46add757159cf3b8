// Waiting helpers for live tests: poll the folded log until jobs reach COMPLETED.

import { statusOf } from "../../core/index.js";
import type { Chronoq } from "../../live/index.js";

/** Waits until every listed job is COMPLETED in the folded state; returns that state. */
export async function completed(queue: Chronoq, ids: string[], timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await queue.state();
    const pending = ids.filter((id) => {
      const job = state.jobs.get(id);
      return job === undefined || statusOf(state.jobs, job) !== "COMPLETED";
    });
    if (pending.length === 0) return state;
    if (Date.now() > deadline) throw new Error(`still not completed: ${pending.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
