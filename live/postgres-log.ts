// The command log in PostgreSQL, through `pg`: for workers on many machines. Tables live in
// one schema (default "chronoq"), so several logs can share a database. Readers are woken by
// LISTEN/NOTIFY and, in case a notification is lost (a dropped listener connection), by
// polling the head while they wait.
//
// Visibility order is the delicate part; see `append`.

import pg from "pg";

import type { Command } from "../core/index.js";
import {
  AppendWaiters, DEFAULT_READ_COUNT, LogStoreError, SCHEMA_VERSION, SNAPSHOTS_KEPT,
  checkCount, checkPosition, checkSchemaVersion, encodeCommand, rowsToEntries, toPosition,
  type AppendResult, type LogEntry, type LogStore, type StoredSnapshot,
} from "./log-store.js";

export interface PostgresLogOptions {
  /** A postgres:// or postgresql:// connection URL. */
  readonly url: string;
  /** The schema that holds the tables; created when missing. */
  readonly schema?: string;
  /** How often a waiting reader polls, in case a notification was lost. */
  readonly pollIntervalMs?: number;
  readonly poolSize?: number;
}

export const DEFAULT_SCHEMA = "chronoq";

/**
 * Advisory lock classes (the first key of the two-key form), "chrq" and "chrr" in ASCII. The
 * second key is a hash of the schema name, so logs in different schemas do not wait for each
 * other (a hash collision would only make them take turns, never break either).
 */
export const APPEND_LOCK_CLASS = 0x63687271;
const MIGRATE_LOCK_CLASS = 0x63687272;

const LISTENER_CONNECT_TIMEOUT_MS = 5_000;
const LISTENER_RETRY_MS = 1_000;

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,47}$/;

/** Migrations by the version they bring the schema to; `S` stands for the quoted schema. */
const MIGRATIONS: readonly (readonly string[])[] = [
  [],
  [
    `create table S.log (
       position bigint primary key,
       command text not null,
       appended_at timestamptz not null default now())`,
    `create table S.snapshot (
       position bigint primary key,
       state text not null,
       saved_at timestamptz not null default now())`,
  ],
];

export async function openPostgresLog(options: PostgresLogOptions): Promise<LogStore> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  if (!SCHEMA_PATTERN.test(schema)) {
    throw new LogStoreError(`postgres: schema name '${schema}' must match ${SCHEMA_PATTERN}`);
  }
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 4 });
  // An idle client whose connection drops emits here; the pool discards it and reconnects.
  pool.on("error", () => undefined);
  const where = `postgres ${describeUrl(options.url)} schema ${schema}`;
  try {
    await migrate(pool, schema, where);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresLog(pool, options, schema, where);
}

/** The URL without its password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/**
 * Creates or upgrades the schema under a transaction-scoped advisory lock, so that processes
 * starting together migrate one at a time (`create ... if not exists` alone still races).
 */
async function migrate(pool: pg.Pool, schema: string, where: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query("select pg_advisory_xact_lock($1, hashtext($2))",
      [MIGRATE_LOCK_CLASS, schema]);
    await client.query(`create schema if not exists "${schema}"`);
    await client.query(`create table if not exists "${schema}".schema_version (
      version integer not null, applied_at timestamptz not null default now())`);
    const result = await client.query(
      `select coalesce(max(version), 0) as version from "${schema}".schema_version`);
    const found = Number(result.rows[0].version);
    checkSchemaVersion(where, found);

    for (let version = found + 1; version <= SCHEMA_VERSION; version++) {
      for (const statement of MIGRATIONS[version]!) {
        await client.query(statement.replaceAll("S.", `"${schema}".`));
      }
      await client.query(`insert into "${schema}".schema_version (version) values ($1)`,
        [version]);
    }
  });
}

/** Runs `work` in a READ COMMITTED transaction (see `append` for why the level matters). */
async function inTransaction<T>(
  pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query("begin isolation level read committed");
    const result = await work(client);
    await client.query("commit");
    return result;
  });
}

/** Runs `work` on a pooled client; on failure rolls back whatever transaction it left open. */
async function withClient<T>(
  pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    return await work(client);
  } catch (error) {
    failure = error as Error;
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    // A client that failed may have a broken connection: the pool then discards it.
    client.release(failure);
  }
}

class PostgresLog implements LogStore {
  readonly kind = "postgres";
  private readonly waiters: AppendWaiters;
  private readonly table: string;
  private readonly snapshotTable: string;
  private readonly channel: string;
  private listener: pg.Client | null = null;
  private listenerStarting: Promise<void> | null = null;
  /** After a failed LISTEN connection, waits rely on polling until this time. */
  private listenerRetryAtMs = 0;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool, private readonly options: PostgresLogOptions,
    private readonly schema: string, readonly description: string,
  ) {
    this.table = `"${schema}".log`;
    this.snapshotTable = `"${schema}".snapshot`;
    this.channel = `chronoq_log_${schema}`;
    this.waiters = new AppendWaiters(() => this.head(), options.pollIntervalMs ?? 250);
  }

  /**
   * Why readers never see position 7 before 6: a sequence hands out numbers at insert time,
   * but transactions commit in any order, so 7 can be visible while 6 is still in flight.
   * Here every append first takes a transaction-scoped advisory lock, held until commit or
   * rollback. PostgreSQL makes a commit visible before it releases the transaction's locks,
   * so the next appender, once it has the lock, reads a head that includes every earlier
   * batch, numbers its own batch after it, and commits after it. Commits thus happen in
   * position order and the committed positions are always 1..n. That needs READ COMMITTED:
   * the head is read by a statement after the lock statement, with a fresh snapshot (under
   * REPEATABLE READ the snapshot would predate the lock and the head could be stale). A
   * rolled-back append leaves no gap because positions come from the head, not a sequence;
   * the primary key turns any writer that bypasses the lock into an error, not a fork.
   */
  async append(commands: readonly Command[]): Promise<AppendResult> {
    this.checkOpen();
    if (commands.length === 0) throw new LogStoreError(`${this.description}: empty append`);
    const texts = commands.map(encodeCommand);
    const result = await this.inOneRoundTrip(texts);
    this.waiters.notify(result.last);
    return result;
  }

  /**
   * The whole append transaction (begin, lock, numbered insert with its notification,
   * commit) goes to the server as one multi-statement query: one round trip instead of four.
   * Each statement still runs with its own snapshot, so the insert reads the head after the
   * lock, as READ COMMITTED promises. Values are inlined as escaped literals, since a query
   * of several statements takes no parameters.
   */
  private inOneRoundTrip(texts: readonly string[]): Promise<AppendResult> {
    return withClient(this.pool, async (client) => {
      const batch = `array[${texts.map((text) => client.escapeLiteral(text)).join(",")}]::text[]`;
      const results = await client.query(`
        begin isolation level read committed;
        select pg_advisory_xact_lock(${APPEND_LOCK_CLASS}, hashtext(
          ${client.escapeLiteral(this.schema)}));
        ${this.insertStatement(batch, client.escapeLiteral(this.channel))};
        commit;`) as unknown as pg.QueryResult[];
      return this.positionsOf(results[2]!, texts.length);
    });
  }

  /** Numbers the batch after the head, inserts it, and queues the notification. */
  private insertStatement(batch: string, channel: string): string {
    return `
      with head as (select coalesce(max(position), 0) as position from ${this.table}),
      inserted as (
        insert into ${this.table} (position, command)
        select head.position + batch.ordinality, batch.command
        from head, unnest(${batch}) with ordinality as batch(command, ordinality)
        returning position)
      select min(position) as first, max(position) as last,
             pg_notify(${channel}, max(position)::text) as notified
      from inserted`;
  }

  private positionsOf(result: pg.QueryResult, count: number): AppendResult {
    const row = result.rows[0];
    const first = toPosition(row.first), last = toPosition(row.last);
    if (last - first + 1 !== count) {
      throw new LogStoreError(`${this.description}: appended ${count} commands at ` +
        `${first}..${last}`);
    }
    return { first, last };
  }

  async readAfter(position: number, maxCount = DEFAULT_READ_COUNT): Promise<LogEntry[]> {
    this.checkOpen();
    checkPosition(`${this.description}: readAfter`, position);
    checkCount(`${this.description}: readAfter`, maxCount);
    const result = await this.pool.query(
      `select position, command from ${this.table}
       where position > $1 order by position limit $2`, [position, maxCount]);
    const rows = result.rows.map((row) => ({
      position: toPosition(row.position), command: row.command as unknown,
    }));
    return rowsToEntries(this.description, position, rows);
  }

  async head(): Promise<number> {
    this.checkOpen();
    const result = await this.pool.query(
      `select coalesce(max(position), 0) as head from ${this.table}`);
    return toPosition(result.rows[0].head);
  }

  async waitForAppend(afterPosition: number, timeoutMs: number): Promise<number> {
    this.checkOpen();
    await this.startListener().catch(() => undefined);
    return this.waiters.wait(afterPosition, timeoutMs, this.listener === null);
  }

  async saveSnapshot(position: number, state: string): Promise<void> {
    this.checkOpen();
    checkPosition(`${this.description}: saveSnapshot`, position);
    const head = await this.head();
    if (position > head) {
      throw new LogStoreError(`${this.description}: a snapshot at ${position} is past the ` +
        `head of the log (${head})`);
    }
    await inTransaction(this.pool, async (client) => {
      await client.query(`insert into ${this.snapshotTable} (position, state) values ($1, $2)
        on conflict (position) do nothing`, [position, state]);
      await client.query(`delete from ${this.snapshotTable} where position <
        (select position from ${this.snapshotTable} order by position desc
         limit 1 offset $1)`, [SNAPSHOTS_KEPT - 1]);
    });
  }

  async loadSnapshot(): Promise<StoredSnapshot | null> {
    this.checkOpen();
    const result = await this.pool.query(`select position, state from ${this.snapshotTable}
      order by position desc limit 1`);
    if (result.rows.length === 0) return null;
    const row = result.rows[0];
    return { position: toPosition(row.position), state: String(row.state) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiters.close();
    await this.listenerStarting?.catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
    await this.pool.end();
  }

  /** Connects the LISTEN client on first wait; after a failure the next wait tries again. */
  private startListener(): Promise<void> {
    if (this.listener !== null || Date.now() < this.listenerRetryAtMs) return Promise.resolve();
    this.listenerStarting ??= this.connectListener().catch((error: unknown) => {
      this.listenerRetryAtMs = Date.now() + LISTENER_RETRY_MS;
      throw error;
    }).finally(() => {
      this.listenerStarting = null;
    });
    return this.listenerStarting;
  }

  private async connectListener(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.url, connectionTimeoutMillis: LISTENER_CONNECT_TIMEOUT_MS,
    });
    const drop = () => {
      if (this.listener === client) this.listener = null;
      void client.end().catch(() => undefined);
    };
    client.on("error", drop);
    client.on("end", drop);
    client.on("notification", (message) => {
      const head = Number(message.payload);
      if (Number.isSafeInteger(head)) this.waiters.notify(head);
    });
    try {
      await client.connect();
      await client.query(`listen "${this.channel}"`);
    } catch (error) {
      drop();
      throw error;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.listener = client;
    // Appends that committed before LISTEN took effect sent no notification to us.
    this.waiters.notify(await this.head());
  }

  private checkOpen(): void {
    if (this.closed) throw new LogStoreError(`${this.description}: the log is closed`);
  }
}
