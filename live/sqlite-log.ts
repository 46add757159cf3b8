// The command log in a SQLite file, through better-sqlite3: the embedded default, shared by
// the processes of one machine. WAL mode lets readers read while one writer writes; a busy
// timeout makes a writer wait for the file lock instead of failing.
//
// better-sqlite3 is synchronous: a call blocks the event loop while it waits for the lock
// (up to the busy timeout). Appends are short transactions, so the wait is short in practice.
// TODO: move appends to a worker thread if a busy file ever stalls timers noticeably.

import Database from "better-sqlite3";

import type { Command } from "../core/index.js";
import {
  AppendWaiters, DEFAULT_READ_COUNT, LogStoreError, SCHEMA_VERSION, SNAPSHOTS_KEPT,
  checkCount, checkPosition, checkSchemaVersion, encodeCommand, rowsToEntries, type AppendResult,
  type LogEntry, type LogStore, type StoredSnapshot,
} from "./log-store.js";

export interface SqliteLogOptions {
  readonly path: string;
  /** How long a writer waits for another process's transaction before failing. */
  readonly busyTimeoutMs?: number;
  /** How often a waiting reader checks for new entries; a `max(position)` is cheap. */
  readonly pollIntervalMs?: number;
  /**
   * "normal" (the default) survives a killed process, kill -9 included, since a commit in
   * WAL mode is in the operating system's hands; it may lose the last commits on power
   * loss. "full" syncs every commit to disk (survives power loss) at several times the cost.
   */
  readonly synchronous?: "full" | "normal";
}

/** Migrations by the version they bring the schema to; each runs once, in order. */
const MIGRATIONS: readonly (readonly string[])[] = [
  [],
  [
    `create table log (
       position integer primary key,
       command text not null,
       appended_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`,
    `create table snapshot (
       position integer primary key,
       state text not null,
       saved_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`,
  ],
];

export async function openSqliteLog(options: SqliteLogOptions): Promise<LogStore> {
  const db = new Database(options.path);
  try {
    configure(db, options);
    migrate(db, `sqlite ${options.path}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteLog(db, options);
}

function configure(db: Database.Database, options: SqliteLogOptions): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  const mode = db.pragma("journal_mode = WAL", { simple: true });
  if (mode !== "wal" && options.path !== ":memory:") {
    throw new LogStoreError(`sqlite ${options.path}: cannot use WAL mode (got '${mode}')`);
  }
  db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
}

/**
 * Creates or upgrades the schema in one immediate transaction, so that two processes opening
 * a new file at once do not both create it: the second waits for the write lock, then finds
 * the version the first wrote.
 */
function migrate(db: Database.Database, where: string): void {
  db.transaction(() => {
    db.exec(`create table if not exists schema_version (
      version integer not null,
      applied_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`);
    const row = db.prepare("select max(version) as version from schema_version").get() as
      { version: number | null };
    const found = row.version ?? 0;
    checkSchemaVersion(where, found);

    for (let version = found + 1; version <= SCHEMA_VERSION; version++) {
      for (const statement of MIGRATIONS[version]!) db.exec(statement);
      db.prepare("insert into schema_version (version) values (?)").run(version);
    }
  }).immediate();
}

class SqliteLog implements LogStore {
  readonly kind = "sqlite";
  readonly description: string;
  private readonly waiters: AppendWaiters;
  private readonly statements;
  private readonly appendBatch: (texts: readonly string[]) => AppendResult;
  private readonly saveInTransaction: (position: number, state: string) => void;
  private closed = false;

  constructor(private readonly db: Database.Database, options: SqliteLogOptions) {
    this.description = `sqlite ${options.path}`;
    this.statements = prepare(db);
    this.waiters = new AppendWaiters(async () => this.readHead(), options.pollIntervalMs ?? 10);
    this.appendBatch = db.transaction((texts: readonly string[]) => this.insert(texts))
      .immediate;
    this.saveInTransaction = db.transaction((position: number, state: string) =>
      this.insertSnapshot(position, state)).immediate;
  }

  /**
   * Why readers see a prefix: `BEGIN IMMEDIATE` takes the database's single write lock
   * before the head is read, so appenders run one at a time, each numbering its batch after
   * the previous commit. Commits therefore happen in position order, and a WAL reader's
   * snapshot, taken at a commit boundary, holds positions 1..n for some n.
   */
  async append(commands: readonly Command[]): Promise<AppendResult> {
    this.checkOpen();
    if (commands.length === 0) throw new LogStoreError(`${this.description}: empty append`);
    const texts = commands.map(encodeCommand);
    const result = this.appendBatch(texts);
    this.waiters.notify(result.last);
    return result;
  }

  private insert(texts: readonly string[]): AppendResult {
    const first = this.readHead() + 1;
    texts.forEach((text, index) => this.statements.insert.run(first + index, text));
    return { first, last: first + texts.length - 1 };
  }

  async readAfter(position: number, maxCount = DEFAULT_READ_COUNT): Promise<LogEntry[]> {
    this.checkOpen();
    checkPosition(`${this.description}: readAfter`, position);
    checkCount(`${this.description}: readAfter`, maxCount);
    const rows = this.statements.readAfter.all(position, maxCount) as
      { position: number; command: unknown }[];
    return rowsToEntries(this.description, position, rows);
  }

  async head(): Promise<number> {
    this.checkOpen();
    return this.readHead();
  }

  async waitForAppend(afterPosition: number, timeoutMs: number): Promise<number> {
    this.checkOpen();
    return this.waiters.wait(afterPosition, timeoutMs);
  }

  async saveSnapshot(position: number, state: string): Promise<void> {
    this.checkOpen();
    checkPosition(`${this.description}: saveSnapshot`, position);
    this.saveInTransaction(position, state);
  }

  private insertSnapshot(position: number, state: string): void {
    const head = this.readHead();
    if (position > head) {
      throw new LogStoreError(`${this.description}: a snapshot at ${position} is past the ` +
        `head of the log (${head})`);
    }
    this.statements.insertSnapshot.run(position, state);
    this.statements.pruneSnapshots.run(SNAPSHOTS_KEPT - 1);
  }

  async loadSnapshot(): Promise<StoredSnapshot | null> {
    this.checkOpen();
    const row = this.statements.latestSnapshot.get() as StoredSnapshot | undefined;
    return row ?? null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiters.close();
    this.db.close();
  }

  private readHead(): number {
    const row = this.statements.head.get() as { head: number };
    return row.head;
  }

  private checkOpen(): void {
    if (this.closed) throw new LogStoreError(`${this.description}: the log is closed`);
  }
}

function prepare(db: Database.Database) {
  return {
    head: db.prepare("select coalesce(max(position), 0) as head from log"),
    insert: db.prepare("insert into log (position, command) values (?, ?)"),
    readAfter: db.prepare(
      "select position, command from log where position > ? order by position limit ?"),
    insertSnapshot: db.prepare(
      "insert into snapshot (position, state) values (?, ?) on conflict (position) do nothing"),
    // With fewer snapshots than kept, the subquery is null and nothing is deleted.
    pruneSnapshots: db.prepare(`delete from snapshot where position <
      (select position from snapshot order by position desc limit 1 offset ?)`),
    latestSnapshot: db.prepare(
      "select position, state from snapshot order by position desc limit 1"),
  };
}
