// The durable command log of the live adapter: one interface, implemented on SQLite
// (sqlite-log.ts) and PostgreSQL (postgres-log.ts), and the parts both share: turning rows
// into commands, the schema version check, and waiting for new entries.
//
// The log is totally ordered by position (1, 2, 3 ... without gaps), and a reader sees a
// prefix of it: if position 7 is visible, 1..6 are too. Each store serialises its appenders
// to keep that promise; see the comments on `append` in each. What to append and when to take
// a snapshot is the worker's business, not the store's.

import type { Command } from "../core/index.js";

/** One command of the log and where it sits. Positions start at 1. */
export interface LogEntry {
  readonly position: number;
  readonly command: Command;
}

/** A state serialised at a position: folding the log after `position` onto it is current. */
export interface StoredSnapshot {
  readonly position: number;
  readonly state: string;
}

/** The positions given to an appended batch: first..last, consecutive. */
export interface AppendResult {
  readonly first: number;
  readonly last: number;
}

export interface LogStore {
  /** "sqlite" or "postgres". */
  readonly kind: string;
  /** Where the log lives, without secrets, for logs and errors. */
  readonly description: string;

  /**
   * Appends a batch atomically: all commands get consecutive positions, or none is kept. A
   * rejected append may still have committed (the connection broke after the commit was
   * sent: a lost acknowledgement); callers learn the outcome by reading the log, which is why
   * every command carries ids chosen by its issuer.
   */
  append(commands: readonly Command[]): Promise<AppendResult>;
  /** Entries after `position` in log order; fewer than asked only at the end of the log. */
  readAfter(position: number, maxCount?: number): Promise<LogEntry[]>;
  /** The last committed position; 0 for an empty log. */
  head(): Promise<number>;
  /**
   * Resolves with the head once it is past `afterPosition`, or with the head as it is when
   * `timeoutMs` has passed (or the store closes). Callers loop; a wake-up may come early.
   */
  waitForAppend(afterPosition: number, timeoutMs: number): Promise<number>;
  /**
   * Saves a snapshot; saving the same position twice keeps the first (they are equal).
   * TODO: split or compress large states; one text value caps a state near 1 GB.
   */
  saveSnapshot(position: number, state: string): Promise<void>;
  /** The latest snapshot, or null when none was saved. */
  loadSnapshot(): Promise<StoredSnapshot | null>;
  close(): Promise<void>;
}

/** The schema version this code writes; migrations bring older databases up to it. */
export const SCHEMA_VERSION = 1;

/** How many snapshots a store keeps; older ones are deleted when a newer one is saved. */
export const SNAPSHOTS_KEPT = 3;

export const DEFAULT_READ_COUNT = 1000;

export class LogStoreError extends Error {
  override readonly name: string = "LogStoreError";
}

/** A row of the log that is not a command. The row is left as it is; nothing is skipped. */
export class CorruptLogError extends LogStoreError {
  override readonly name = "CorruptLogError";

  constructor(readonly where: string, readonly position: number, readonly reason: string) {
    super(`${where}: the log entry at position ${position} is corrupt (${reason}); ` +
      `it was left as written and reading stops before it`);
  }
}

export class SchemaVersionError extends LogStoreError {
  override readonly name = "SchemaVersionError";
}

/** Refuses a database that a newer chronoq has migrated: its rows may mean something else. */
export function checkSchemaVersion(where: string, found: number): void {
  if (found > SCHEMA_VERSION) {
    throw new SchemaVersionError(`${where}: the database schema is version ${found}, but this ` +
      `chronoq understands versions up to ${SCHEMA_VERSION}; upgrade chronoq to use it`);
  }
}

/** The text stored for a command; refuses what could not be read back as the same command. */
export function encodeCommand(command: Command): string {
  if (typeof command !== "object" || command === null) {
    throw new LogStoreError("append: a command must be an object");
  }
  if (typeof command.type !== "string" || typeof command.at !== "string") {
    throw new LogStoreError(`append: a command needs a string type and at, got ` +
      `${safeJson(command).slice(0, 200)}`);
  }
  try {
    return JSON.stringify(command);
  } catch (error) {
    throw new LogStoreError(`append: command '${command.type}' is not JSON: ` +
      `${(error as Error).message}`);
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Reads one stored row as a command, or throws naming its position. */
export function decodeEntry(where: string, position: number, text: unknown): LogEntry {
  if (typeof text !== "string") {
    throw new CorruptLogError(where, position, `the command is ${typeof text}, not text`);
  }
  let command: unknown;
  try {
    command = JSON.parse(text);
  } catch (error) {
    throw new CorruptLogError(where, position, `not JSON: ${(error as Error).message}`);
  }
  if (typeof command !== "object" || command === null || Array.isArray(command)) {
    throw new CorruptLogError(where, position, "not a JSON object");
  }
  const fields = command as { type?: unknown; at?: unknown };
  if (typeof fields.type !== "string" || fields.type === "") {
    throw new CorruptLogError(where, position, "no command type");
  }
  if (typeof fields.at !== "string") {
    throw new CorruptLogError(where, position, "no 'at' time");
  }
  return { position, command: command as Command };
}

/**
 * Turns rows read after `after` into entries. The rows must continue the log without a gap:
 * a gap would mean a writer that bypassed the append lock, and folding past it would fork the
 * state, so it is an error. A corrupt row ends the batch; it is thrown only once it is first,
 * so a reader folds everything before it and then stops at it, with its position.
 */
export function rowsToEntries(
  where: string, after: number, rows: readonly { position: number; command: unknown }[],
): LogEntry[] {
  const entries: LogEntry[] = [];
  let expected = after + 1;
  for (const row of rows) {
    if (row.position !== expected) {
      throw new LogStoreError(`${where}: read position ${row.position} where ${expected} ` +
        `was expected; the log has a gap, which chronoq never writes`);
    }
    try {
      entries.push(decodeEntry(where, row.position, row.command));
    } catch (error) {
      if (entries.length === 0) throw error;
      break;
    }
    expected++;
  }
  return entries;
}

/** Converts a position read from a driver (a number, or text for a PostgreSQL bigint). */
export function toPosition(value: unknown): number {
  const position = typeof value === "string" ? Number(value) : value;
  if (typeof position !== "number" || !Number.isSafeInteger(position) || position < 0) {
    throw new LogStoreError(`log: position ${String(value)} is not a safe integer`);
  }
  return position;
}

export function checkCount(where: string, count: number): void {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new LogStoreError(`${where}: count ${count} is not a positive integer`);
  }
}

export function checkPosition(where: string, position: number): void {
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new LogStoreError(`${where}: position ${position} is not a non-negative integer`);
  }
}

/** Node fires a longer timer at once, so a longer wait returns early (callers loop anyway). */
const TIMER_MAX_MS = 2_147_483_647;

interface Waiter {
  readonly afterPosition: number;
  readonly resolve: (head: number) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The waiting half of a store. Whoever learns of a new head (a poll, a notification, an own
 * append) calls `notify`; waiters past their position are woken. While anyone waits, the head
 * is also polled every `pollIntervalMs`, so a lost notification delays a reader by at most one
 * interval, and nothing is polled while nobody waits.
 */
export class AppendWaiters {
  private readonly waiting = new Set<Waiter>();
  private pollTimer: NodeJS.Timeout | null = null;
  private knownHead = 0;
  private closed = false;

  constructor(
    private readonly readHead: () => Promise<number>,
    private readonly pollIntervalMs: number,
  ) {}

  /**
   * `pollNow`: read the head at once, for an append that may have committed between the
   * caller's last read and this wait. A store whose notifications are live passes false:
   * they already keep the known head current, and a poll follows after the interval anyway.
   */
  wait(afterPosition: number, timeoutMs: number, pollNow = true): Promise<number> {
    if (this.closed || this.knownHead > afterPosition) return Promise.resolve(this.knownHead);
    const promise = new Promise<number>((resolve) => {
      const delayMs = Math.max(0, Math.min(timeoutMs, TIMER_MAX_MS));
      const waiter: Waiter = {
        afterPosition, resolve, timer: setTimeout(() => this.finish(waiter), delayMs),
      };
      this.waiting.add(waiter);
    });
    if (pollNow) {
      void this.poll();
    } else if (this.pollTimer === null) {
      this.pollTimer = setTimeout(() => void this.poll(), this.pollIntervalMs);
      this.pollTimer.unref();
    }
    return promise;
  }

  notify(head: number): void {
    if (head > this.knownHead) this.knownHead = head;
    for (const waiter of this.waiting) {
      if (this.knownHead > waiter.afterPosition) this.finish(waiter);
    }
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiting) this.finish(waiter);
    if (this.pollTimer !== null) clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  private finish(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    this.waiting.delete(waiter);
    waiter.resolve(this.knownHead);
  }

  private async poll(): Promise<void> {
    if (this.pollTimer !== null) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    try {
      this.notify(await this.readHead());
    } catch {
      // TODO: report a store that keeps failing to answer; waiters only time out for now.
    }
    if (this.closed || this.waiting.size === 0 || this.pollTimer !== null) return;
    this.pollTimer = setTimeout(() => void this.poll(), this.pollIntervalMs);
    this.pollTimer.unref();
  }
}
