// The typed rejections of the core. A reducer that refuses a command throws a Rejection
// before it returns; `reduce` turns it into an error reply and keeps the old state, so a
// rejected command changes nothing on any replica that folds the same log.

export const ERROR_CODES = [
  "naive-time",
  "unknown-quota",
  "quota-names-not-iterable",
  "negative-duration",
  "bad-status",
  "index-out-of-range",
  "not-in-queue",
  "already-queued",
  "duplicate-dispatcher",
  "unknown-dispatcher",
  "already-activated",
  "not-activated",
  "duplicate-agent",
  "agent-has-jobs",
  "unknown-agent",
  "unknown-job",
  "unknown-queue",
  "duplicate-quota",
  "reassigned",
  "invalid-argument",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorReply {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

export class Rejection extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = "Rejection";
  }

  toReply(): ErrorReply {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Asserts an internal fact; a failure is a bug in chronoq, never a user error. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`chronoq: assertion failed: ${message}`);
}
