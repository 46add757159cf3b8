// The shape of the queue state. Everything here is read-only data: reducers build a new state
// that shares all unchanged parts with the old one. Collections that can grow with the number
// of jobs are persistent B+ trees (sorted-btree, copy-on-write), so one command costs
// O(log n) rather than a copy of the queue.
//
// A job's status is never stored: it is derived from its phase and its location, so the two
// cannot disagree (see `statusOf` in jobs.ts).

import type { BTree } from "./btree.js";
import type { Micros } from "./time.js";

export type JobId = string;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type Phase = "NEW" | "ACTIVE" | "CALLBACKS" | "COMPLETED";
export type Status = "NEW" | "PENDING" | "ASSIGNED" | "ACTIVE" | "CALLBACKS" | "COMPLETED";
export type WrapperKind = "fail" | "handleInterrupt" | "resumeCallbacks";

export interface Failure {
  readonly kind: string;
  readonly message: string;
}

/** Who holds a claimed job: the claim token checked by start, finish and fail. */
export interface Holder {
  readonly dispatcher: string;
  readonly agent: string;
  readonly attempt: number;
}

/** Where a job lives. Exactly one place per job; see invariants.ts. */
export type Location =
  | { readonly kind: "queue"; readonly queue: string; readonly store: QueueStore;
      readonly key: number }
  | { readonly kind: "held"; readonly queue: string; readonly key: HeldKey }
  | { readonly kind: "agent"; readonly queue: string; readonly dispatcher: string;
      readonly agent: string }
  | { readonly kind: "completed"; readonly queue: string; readonly dispatcher: string;
      readonly agent: string; readonly key: CompletedKey }
  /** A reaped ACTIVE or CALLBACKS job, in the hands of the wrapper that will settle it. */
  | { readonly kind: "ownedBy"; readonly wrapper: JobId }
  /** An expired job, taken out of its queue; its fail wrapper was handed out. */
  | { readonly kind: "awaitingFail"; readonly wrapper: JobId }
  /** A job that a wrapper settled; it leaves the state together with that wrapper. */
  | { readonly kind: "settledBy"; readonly wrapper: JobId }
  | { readonly kind: "callbackOf"; readonly job: JobId }
  | { readonly kind: "detached" };

export type QueueStore = "putback" | "fifo";

export interface HeldKey {
  readonly beginAfter: Micros;
  readonly seq: number;
}

/** Completed collections iterate newest first: later time, then later completion. */
export interface CompletedKey {
  readonly completedAt: Micros;
  readonly seq: number;
}

export type CallbackSide = "success" | "failure" | "always";

export interface Job {
  readonly id: JobId;
  readonly task: string;
  readonly args: readonly Json[];
  /** Creation order; breaks ties between held jobs due at the same time. */
  readonly seq: number;
  /** The queue this job was last put in (or belongs to, for wrappers and callbacks). */
  readonly queue: string;
  readonly phase: Phase;
  readonly location: Location;
  readonly beginAfter: Micros | null;
  /** The deadline as a duration after `beginAfter`; null means none. */
  readonly beginBy: Micros | null;
  readonly quotaNames: readonly string[];
  readonly result?: Json;
  readonly failure?: Failure;
  readonly wraps?: JobId;
  readonly wrapperKind?: WrapperKind;
  /** Why a fail wrapper fails its job: "deadline" or "interrupted". */
  readonly wrapperReason?: string;
  readonly holder: Holder | null;
  readonly claims: number;
  readonly attempts: number;
  readonly interruptions: number;
  readonly transactionErrors: number;
  readonly disconnects: number;
  /** A retry is not started before this time (the backoff of a retry policy). */
  readonly notBefore: Micros | null;
  readonly activeStart: Micros | null;
  readonly activeEnd: Micros | null;
  readonly callbacks: readonly JobId[];
  readonly callbackSide: CallbackSide;
  readonly wrapperCounts: { readonly [kind in WrapperKind]: number };
  /** A job whose task returned another job waits ACTIVE for it; this names the inner job. */
  readonly awaiting?: JobId;
  /** An inner job whose outcome becomes the outcome of the job that returned it. */
  readonly resultFor?: JobId;
}

export interface Quota {
  readonly name: string;
  readonly size: number;
  readonly members: readonly JobId[];
}

export type Filter =
  | { readonly task: string }
  | { readonly taskIn: readonly string[] }
  | { readonly taskNotIn: readonly string[] };

export interface Agent {
  readonly name: string;
  readonly size: number;
  readonly filter: Filter | null;
  readonly jobs: readonly JobId[];
  readonly completed: BTree<CompletedKey, JobId>;
  /** Completed entries older than this, at the time of a completion, are dropped. */
  readonly retentionUs: Micros;
}

export interface Dispatcher {
  readonly uuid: string;
  readonly activated: Micros | null;
  readonly lastPing: Micros | null;
  readonly pingIntervalUs: Micros;
  readonly deathIntervalUs: Micros;
  /** Sorted by name; an agent list is short, so a plain array serves. */
  readonly agents: readonly Agent[];
}

/** What a retry policy allows; see policies.ts. */
export type RetryPolicyName = "commonFourTimes" | "commonForever" | "never";

export type InterruptPolicy = "fail" | RetryPolicyName;

export interface QueueOptions {
  readonly defaultBeginBy: Micros | null;
  readonly interruptPolicy: InterruptPolicy;
}

export interface QueueEntry {
  readonly job: JobId;
  readonly beginAfter: Micros;
}

export interface Queue {
  readonly name: string;
  readonly options: QueueOptions;
  /** Jobs retried "now", served before everything else. */
  readonly putback: BTree<number, QueueEntry>;
  /** Jobs that were due when put, in put order (not re-sorted; see reference 2.2). */
  readonly fifo: BTree<number, QueueEntry>;
  /** Jobs due in the future when put, by (beginAfter, seq). */
  readonly held: BTree<HeldKey, JobId>;
  readonly quotas: BTree<string, Quota>;
  readonly dispatchers: BTree<string, Dispatcher>;
}

export interface State {
  readonly queues: BTree<string, Queue>;
  readonly jobs: BTree<JobId, Job>;
  /** Next job sequence number. */
  readonly nextSeq: number;
  /** Next position in a FIFO or put-back store, shared by all queues. */
  readonly nextPosition: number;
  /** Next completion number, ordering completions within one microsecond. */
  readonly nextCompletion: number;
}

export interface Event {
  readonly type: string;
  readonly [field: string]: Json | undefined;
}
