// Commands: plain JSON data, `{ type, at, ...fields }`. `at` is the issuing process's own
// clock reading as ISO 8601 text; every id is chosen by the issuer. A command therefore folds
// to the same result wherever and whenever a log is replayed.
//
// Fields that users supply (times, durations, quota names) stay as the user wrote them: the
// reducers judge them, so that a naive time or a negative deadline fails its command alone.

import type { Json } from "./types.js";

export interface HolderRef {
  readonly dispatcher: string;
  readonly agent: string;
  /** The claim attempt; when given, a later claim of the same job by the same agent is stale. */
  readonly attempt?: number;
}

/** A job returned by a task: put on the job's queue; its outcome becomes the job's. */
export interface ReturnedJob {
  readonly job: string;
  readonly task: string;
  readonly args?: Json[];
}

interface Base {
  readonly at: string;
}

export type Command =
  | Base & { readonly type: "queue/create" | "queue/configure"; readonly queue: string;
      readonly defaultBeginBy?: string | null; readonly interruptPolicy?: string }
  | Base & { readonly type: "job/put"; readonly queue?: string; readonly job: string;
      readonly task?: string; readonly args?: Json[]; readonly beginAfter?: unknown;
      readonly beginBy?: unknown; readonly quotaNames?: unknown }
  | Base & { readonly type: "queue/pull"; readonly queue?: string; readonly index?: number }
  | Base & { readonly type: "queue/remove"; readonly queue?: string; readonly job: string }
  | Base & { readonly type: "queue/claim"; readonly queue?: string; readonly filter?: unknown }
  | Base & { readonly type: "job/setQuotaNames"; readonly job: string;
      readonly quotaNames: unknown }
  | Base & { readonly type: "job/setBeginBy"; readonly job: string; readonly beginBy: unknown }
  | Base & { readonly type: "quota/create"; readonly queue?: string; readonly name: string;
      readonly size?: number }
  | Base & { readonly type: "quota/resize"; readonly queue?: string; readonly name: string;
      readonly size: number }
  | Base & { readonly type: "quota/remove"; readonly queue?: string; readonly name: string }
  | Base & { readonly type: "dispatcher/register"; readonly queue?: string;
      readonly dispatcher: string; readonly pingInterval?: string;
      readonly deathInterval?: string }
  | Base & { readonly type: "dispatcher/activate" | "dispatcher/ping" |
      "dispatcher/unregister"; readonly queue?: string; readonly dispatcher: string }
  /** `ifDead`: refused unless the record is dead at `at` when the command is folded. */
  | Base & { readonly type: "dispatcher/deactivate"; readonly queue?: string;
      readonly dispatcher: string; readonly ifDead?: boolean }
  | Base & { readonly type: "agent/add"; readonly queue?: string; readonly dispatcher: string;
      readonly agent: string; readonly size?: number; readonly filter?: unknown;
      readonly retention?: string }
  /** `start`: a claimed job (not a wrapper) is started in the same step, saving a round. */
  | Base & { readonly type: "agent/claim"; readonly queue?: string; readonly dispatcher: string;
      readonly agent: string; readonly start?: boolean }
  | Base & { readonly type: "agent/remove"; readonly queue?: string;
      readonly dispatcher: string; readonly agent: string }
  | Base & { readonly type: "job/start" | "job/run"; readonly job: string;
      readonly holder?: HolderRef }
  | Base & { readonly type: "job/finish"; readonly job: string; readonly holder?: HolderRef;
      readonly result?: Json; readonly error?: string; readonly message?: string;
      readonly callbacks?: "run" | "hold"; readonly returnJob?: ReturnedJob }
  | Base & { readonly type: "job/fail"; readonly job: string; readonly holder?: HolderRef;
      readonly error?: string; readonly message?: string }
  | Base & { readonly type: "job/addCallback"; readonly job: string; readonly callback: string;
      readonly task: string; readonly args?: Json[]; readonly on?: string };

export type CommandType = Command["type"];
