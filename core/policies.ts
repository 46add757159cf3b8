// Retry policies (reference 1.11 and 2.12), as decisions the reducers take. Backoff is a
// "not before" time on the job, never a sleep: the dispatcher waits for it.

import { seconds, type Micros } from "./time.js";
import type { Job, RetryPolicyName } from "./types.js";

export const RETRY_POLICIES: readonly RetryPolicyName[] = ["commonFourTimes", "commonForever",
  "never"];

/** Errors the original retried as transaction conflicts. */
const TRANSACTION_ERRORS = new Set(["ConflictError", "TransactionError", "ReadConflictError"]);
/** Errors the original retried as a lost storage connection, with a growing pause. */
const DISCONNECT_ERRORS = new Set(["ClientDisconnected", "DisconnectedError"]);

const TRANSACTION_ATTEMPTS_MAX = 5;
const INTERRUPTIONS_MAX = 9;

export type JobErrorDecision =
  | { readonly retry: false }
  | { readonly retry: true; readonly delay: Micros; readonly counter: "transactionErrors" |
      "disconnects" };

/** Decides whether a job whose task raised `kind` runs again, and after what pause. */
export function decideJobError(policy: RetryPolicyName, job: Job, kind: string): JobErrorDecision {
  if (policy === "never") return { retry: false };

  if (TRANSACTION_ERRORS.has(kind)) {
    const count = job.transactionErrors + 1;
    if (policy === "commonFourTimes" && count >= TRANSACTION_ATTEMPTS_MAX) return { retry: false };
    return { retry: true, delay: 0n, counter: "transactionErrors" };
  }
  if (DISCONNECT_ERRORS.has(kind)) {
    const count = job.disconnects + 1;
    return { retry: true, delay: seconds(Math.min(60, 5 * count)), counter: "disconnects" };
  }
  return { retry: false };
}

/** Decides whether an interrupted (reaped while ACTIVE) job runs again. */
export function decideInterrupt(policy: RetryPolicyName, job: Job): boolean {
  if (policy === "never") return false;
  if (policy === "commonForever") return true;
  return job.interruptions + 1 <= INTERRUPTIONS_MAX;
}

/** Retries stop once the job's deadline has passed (reference B2, fixed). */
export function withinRetryWindow(job: Job, at: Micros): boolean {
  if (job.beginBy === null || job.beginAfter === null) return true;
  return job.beginAfter + job.beginBy >= at;
}
