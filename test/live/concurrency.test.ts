// Concurrent writers and a tailing reader, on real databases: several writer processes (and,
// for PostgreSQL, several connections of one process) append batches while a reader tails the
// log. The reader must see positions 1, 2, 3 ... with no gap at any moment, every batch must
// sit whole and in its writer's order, and nothing may be lost.
//
// A canary shows that the hazard is real: with a plain sequence, PostgreSQL lets a reader see
// a later row while an earlier one is still in flight.

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import type { LogEntry, LogStore } from "../../live/log-store.js";
import { APPEND_LOCK_CLASS } from "../../live/postgres-log.js";
import {
  FIXTURES, buildForChildren, mark, postgresFixture, removeBuild, runChild, sqliteFixture,
  uniqueName, withPgClient, PG_URL,
} from "./helpers.js";
import pg from "pg";

interface BatchReport {
  readonly writer: string;
  readonly batch: number;
  readonly size: number;
  readonly first: number;
  readonly last: number;
}

interface Marked {
  readonly writer: string;
  readonly batch: number;
  readonly index: number;
}

let build: string;

beforeAll(() => {
  build = buildForChildren();
});

afterAll(() => {
  removeBuild(build);
});

/** Tails the log until `done()` and the head is reached, checking that no gap is ever seen. */
async function tail(store: LogStore, done: () => boolean): Promise<LogEntry[]> {
  const seen: LogEntry[] = [];
  let position = 0;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const entries = await store.readAfter(position, 25);
    for (const entry of entries) {
      expect(entry.position, "the reader saw a gap").toBe(position + 1);
      position = entry.position;
      seen.push(entry);
    }
    if (entries.length > 0) continue;
    if (done() && position === await store.head()) return seen;
    if (Date.now() > deadline) throw new Error(`tail: stuck at position ${position}`);
    await store.waitForAppend(position, 50);
  }
}

/** Every batch whole, in its writer's order, and together exactly positions 1..n. */
function checkBatches(reports: readonly BatchReport[], seen: readonly LogEntry[]): void {
  const byFirst = [...reports].sort((a, b) => a.first - b.first);
  let next = 1;
  for (const report of byFirst) {
    expect(report.first).toBe(next);
    expect(report.last - report.first + 1).toBe(report.size);
    next = report.last + 1;
  }
  expect(seen.map((entry) => entry.position)).toEqual(seen.map((_, index) => index + 1));
  expect(seen.length).toBe(next - 1);

  for (const report of reports) {
    for (let position = report.first; position <= report.last; position++) {
      const command = seen[position - 1]!.command as unknown as Marked;
      expect(command).toMatchObject({ writer: report.writer, batch: report.batch,
        index: position - report.first });
    }
  }
  const writers = new Set(reports.map((report) => report.writer));
  for (const writer of writers) {
    const own = reports.filter((report) => report.writer === writer);
    const firsts = [...own].sort((a, b) => a.batch - b.batch).map((report) => report.first);
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
  }
}

function parseReports(output: string): BatchReport[] {
  return output.trim().split("\n").map((line) => JSON.parse(line) as BatchReport);
}

describe.each(FIXTURES)("$kind: writer processes and a tailing reader", ({ make }) => {
  test("four processes append batches; the reader never sees a gap; nothing is lost",
    async () => {
      const fixture = make();
      // The writers start on a database without tables: they race to create the schema too.
      let finished = false;
      const writers = Promise.all(["w0", "w1", "w2", "w3"].map((writer) =>
        runChild(build, "append-writer.js", [fixture.db, writer, "25", "20"])))
        .finally(() => (finished = true));
      const reader = await fixture.open({ pollIntervalMs: 5 });
      try {
        const seen = await tail(reader, () => finished);
        const reports = (await writers).flatMap(parseReports);

        expect(reports).toHaveLength(100);
        checkBatches(reports, seen);
      } finally {
        await reader.close();
        await fixture.dispose();
      }
    });
});

describe("postgres: many connections of one process", () => {
  test("interleaved batches from eight connections keep the log gap-free", async () => {
    const fixture = postgresFixture();
    const writers = await Promise.all(Array.from({ length: 8 }, () => fixture.open()));
    const reader = await fixture.open({ pollIntervalMs: 5 });
    try {
      let finished = false;
      const appends = Promise.all(writers.map(async (store, number) => {
        const reports: BatchReport[] = [];
        for (let batch = 0; batch < 15; batch++) {
          const size = 1 + ((number * 7 + batch * 3) % 9);
          const commands = Array.from({ length: size },
            (_, index) => mark({ writer: `c${number}`, batch, index }));
          reports.push({ writer: `c${number}`, batch, size, ...await store.append(commands) });
        }
        return reports;
      })).finally(() => (finished = true));
      const [seen, rawSeen] = await Promise.all([tail(reader, () => finished),
        rawTail(fixture.db, () => finished)]);

      checkBatches((await appends).flat(), seen);
      expect(rawSeen).toBe(seen.length);
    } finally {
      for (const store of [...writers, reader]) await store.close();
      await fixture.dispose();
    }
  });
});

/**
 * A reader that bypasses the store and checks contiguity itself, polling in a tight loop, so
 * that a gap would be caught even if the store's own check were wrong. Returns the count read.
 */
async function rawTail(db: string, done: () => boolean): Promise<number> {
  const schema = new URL(db).searchParams.get("schema")!;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    let position = 0;
    for (;;) {
      const result = await client.query(`select position from "${schema}".log
        where position > $1 order by position limit 50`, [position]);
      for (const row of result.rows) {
        expect(Number(row.position), "the raw reader saw a gap").toBe(position + 1);
        position++;
      }
      if (result.rows.length === 0 && done()) {
        const head = await client.query(`select count(*)::int as n from "${schema}".log`);
        if (head.rows[0].n === position) return position;
      }
    }
  } finally {
    await client.end();
  }
}

describe("postgres: why appenders take a lock", () => {
  test("canary: with a plain sequence a reader sees row 2 while row 1 is in flight", async () => {
    const table = uniqueName("chronoq_canary");
    await withPgClient(async (setup) => {
      await setup.query(`create table ${table} (position bigserial primary key, x int)`);
      const first = new pg.Client({ connectionString: PG_URL });
      await first.connect();
      try {
        await first.query("begin");
        await first.query(`insert into ${table} (x) values (1)`);
        await setup.query(`insert into ${table} (x) values (2)`);

        const visible = await setup.query(`select position from ${table} order by position`);
        expect(visible.rows.map((row) => Number(row.position))).toEqual([2]);
        await first.query("commit");
      } finally {
        await first.end();
        await setup.query(`drop table ${table}`);
      }
    });
  });

  test("an append waits while another transaction holds the append lock", async () => {
    const fixture = postgresFixture();
    const store = await fixture.open();
    const schema = new URL(fixture.db).searchParams.get("schema")!;
    try {
      await store.append([mark({ n: 1 })]);
      const holder = new pg.Client({ connectionString: PG_URL });
      await holder.connect();
      await holder.query("begin");
      await holder.query("select pg_advisory_xact_lock($1, hashtext($2))",
        [APPEND_LOCK_CLASS, schema]);
      // The holder plays an appender in flight: position 2 is written but not committed.
      await holder.query(`insert into "${schema}".log (position, command) values (2, $1)`,
        [JSON.stringify(mark({ n: 2 }))]);

      let appended = false;
      const append = store.append([mark({ n: 3 })]).then((result) => {
        appended = true;
        return result;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(appended).toBe(false);
      expect(await store.head()).toBe(1);

      await holder.query("commit");
      await holder.end();
      expect(await append).toEqual({ first: 3, last: 3 });
      expect((await store.readAfter(0)).map((entry) => entry.position)).toEqual([1, 2, 3]);
    } finally {
      await store.close();
      await fixture.dispose();
    }
  });
});

describe("sqlite: the write lock", () => {
  test("an append that cannot get the write lock in time fails whole", async () => {
    const fixture = sqliteFixture();
    const store = await fixture.open({ busyTimeoutMs: 50 });
    const Database = (await import("better-sqlite3")).default;
    const other = new Database(fixture.db);
    try {
      await store.append([mark({ n: 1 })]);
      other.exec("begin immediate");

      await expect(store.append([mark({ n: 2 }), mark({ n: 3 })]))
        .rejects.toThrow(/locked|busy/i);
      other.exec("rollback");
      expect(await store.head()).toBe(1);
      expect(await store.append([mark({ n: 2 })])).toEqual({ first: 2, last: 2 });
    } finally {
      other.close();
      await store.close();
      await fixture.dispose();
    }
  });
});
