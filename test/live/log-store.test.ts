// The log store contract, run against both stores on real databases: a SQLite file in a temp
// dir and a fresh schema in the test PostgreSQL. Order, batches, snapshots, schema versions,
// corrupt rows and wake-ups; concurrency has its own file.

import { afterEach, beforeEach, describe, expect, test } from "vitest";

import {
  CorruptLogError, LogStoreError, SCHEMA_VERSION, SchemaVersionError, type LogStore,
} from "../../live/log-store.js";
import { FIXTURES, mark, type LogFixture } from "./helpers.js";

describe.each(FIXTURES)("$kind log store", ({ make }) => {
  let fixture: LogFixture;
  let stores: LogStore[];

  beforeEach(() => {
    fixture = make();
    stores = [];
  });

  afterEach(async () => {
    for (const store of stores) await store.close();
    await fixture.dispose();
  });

  async function open(options = {}): Promise<LogStore> {
    const store = await fixture.open(options);
    stores.push(store);
    return store;
  }

  describe("append and read", () => {
    test("an empty log has head 0 and no entries", async () => {
      const store = await open();

      expect(await store.head()).toBe(0);
      expect(await store.readAfter(0)).toEqual([]);
    });

    test("batches get consecutive positions and read back in order from anywhere", async () => {
      const store = await open();

      expect(await store.append([mark({ n: 1 })])).toEqual({ first: 1, last: 1 });
      expect(await store.append([mark({ n: 2 }), mark({ n: 3 }), mark({ n: 4 })]))
        .toEqual({ first: 2, last: 4 });

      const all = await store.readAfter(0);
      expect(all.map((entry) => entry.position)).toEqual([1, 2, 3, 4]);
      expect(all.map((entry) => (entry.command as { n?: number }).n)).toEqual([1, 2, 3, 4]);
      expect(all[0]!.command).toEqual(mark({ n: 1 }));
      expect((await store.readAfter(2)).map((entry) => entry.position)).toEqual([3, 4]);
      expect((await store.readAfter(1, 2)).map((entry) => entry.position)).toEqual([2, 3]);
      expect(await store.readAfter(4)).toEqual([]);
      expect(await store.head()).toBe(4);
    });

    test("a second connection reads what the first appended", async () => {
      const writer = await open();
      const reader = await open();
      await writer.append([mark({ n: 1 }), mark({ n: 2 })]);

      expect((await reader.readAfter(0)).length).toBe(2);
      expect(await reader.head()).toBe(2);
    });

    test("a batch with a bad command is refused whole", async () => {
      const store = await open();
      await store.append([mark({ n: 1 })]);

      await expect(store.append([])).rejects.toThrow(/empty append/);
      await expect(store.append([mark({ n: 2 }), { at: "x" } as never]))
        .rejects.toThrow(/needs a string type and at/);
      await expect(store.append([mark({ n: 2 }), { ...mark({}), big: 1n } as never]))
        .rejects.toThrow(/not JSON/);
      expect(await store.head()).toBe(1);
    });

    test("a closed store refuses calls", async () => {
      const store = await fixture.open();
      await store.close();

      await expect(store.head()).rejects.toThrow(/closed/);
      await expect(store.append([mark({})])).rejects.toThrow(LogStoreError);
      await store.close();
    });
  });

  describe("snapshots", () => {
    test("none at first; the latest is loaded; only the newest few are kept", async () => {
      const store = await open();
      expect(await store.loadSnapshot()).toBeNull();
      await store.append(Array.from({ length: 10 }, (_, n) => mark({ n })));

      for (const position of [2, 4, 6, 8]) await store.saveSnapshot(position, `state@${position}`);
      await store.saveSnapshot(8, "a second save of 8 keeps the first");

      expect(await store.loadSnapshot()).toEqual({ position: 8, state: "state@8" });
      const rows = await fixture.raw("select position from snapshot order by position");
      expect(rows.map((row) => Number((row as { position: unknown }).position)))
        .toEqual([4, 6, 8]);
    });

    test("a snapshot past the head of the log is refused", async () => {
      const store = await open();
      await store.append([mark({})]);

      await expect(store.saveSnapshot(2, "{}")).rejects.toThrow(/past the head of the log/);
      expect(await store.loadSnapshot()).toBeNull();
    });

    test("a large state survives byte for byte", async () => {
      const store = await open();
      await store.append([mark({})]);
      const state = JSON.stringify({ text: "é😀\u0000".repeat(50_000) });

      await store.saveSnapshot(1, state);
      expect((await (await open()).loadSnapshot())?.state).toBe(state);
    });
  });

  describe("schema versions", () => {
    test("a new log is created at the current version; reopening changes nothing", async () => {
      await (await open()).append([mark({})]);
      await open();

      const rows = await fixture.raw("select version from schema_version");
      expect(rows.map((row) => Number((row as { version: unknown }).version)))
        .toEqual([SCHEMA_VERSION]);
      expect(await (await open()).head()).toBe(1);
    });

    test("several connections opening a new log at once create it once", async () => {
      const opened = await Promise.all([1, 2, 3, 4].map(() => open()));

      expect(opened).toHaveLength(4);
      expect(await fixture.raw("select version from schema_version")).toHaveLength(1);
    });

    test("a log migrated by a newer chronoq is refused with a clear error", async () => {
      await (await open()).append([mark({})]);
      await fixture.raw("insert into schema_version (version) values (?)", [SCHEMA_VERSION + 1]);

      const attempt = fixture.open();
      await expect(attempt).rejects.toThrow(SchemaVersionError);
      await expect(attempt).rejects.toThrow(
        `the database schema is version ${SCHEMA_VERSION + 1}, but this chronoq understands ` +
        `versions up to ${SCHEMA_VERSION}; upgrade chronoq`);
    });
  });

  describe("corrupt rows", () => {
    const cases = [
      ["unparseable JSON", "{\"type\": \"job/put\", ", /position 3 is corrupt \(not JSON/],
      ["a command without a type", "{\"at\":\"2024-01-01T00:00:00Z\"}",
        /position 3 is corrupt \(no command type\)/],
      ["a command without a time", "{\"type\":\"job/put\"}",
        /position 3 is corrupt \(no 'at' time\)/],
      ["JSON that is not an object", "[1,2]", /position 3 is corrupt \(not a JSON object\)/],
    ] as const;

    test.each(cases)("%s: reads stop before it, name it, and lose nothing", async (
      _name, text, message,
    ) => {
      const store = await open();
      await store.append([mark({ n: 1 }), mark({ n: 2 })]);
      await fixture.raw("insert into log (position, command) values (?, ?)", [3, text]);
      await store.append([mark({ n: 4 })]);

      expect((await store.readAfter(0)).map((entry) => entry.position)).toEqual([1, 2]);
      const error = await store.readAfter(2).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CorruptLogError);
      expect((error as CorruptLogError).position).toBe(3);
      expect((error as Error).message).toMatch(message);

      expect((await store.readAfter(3)).map((entry) => entry.position)).toEqual([4]);
      const rows = await fixture.raw("select command from log where position = ?", [3]);
      expect(rows).toEqual([{ command: text }]);
    });
  });

  describe("wake-ups", () => {
    test("a waiting reader wakes when another connection appends", async () => {
      const reader = await open({ pollIntervalMs: 20 });
      const writer = await open();
      const started = Date.now();

      const woken = reader.waitForAppend(0, 5_000);
      setTimeout(() => void writer.append([mark({})]), 50);

      expect(await woken).toBe(1);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    test("a wait for a position already passed returns at once", async () => {
      const store = await open();
      await store.append([mark({}), mark({})]);

      expect(await store.waitForAppend(1, 5_000)).toBe(2);
    });

    test("a wait times out with the unchanged head", async () => {
      const store = await open({ pollIntervalMs: 10 });
      await store.append([mark({})]);
      const started = Date.now();

      expect(await store.waitForAppend(1, 100)).toBe(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    });

    test("closing the store releases its waiters", async () => {
      const store = await fixture.open();
      const woken = store.waitForAppend(0, 60_000);

      await store.close();
      expect(await woken).toBe(0);
    });

    test("a row that arrives without a notification is found by polling", async () => {
      const store = await open({ pollIntervalMs: 30 });
      const woken = store.waitForAppend(0, 5_000);
      await fixture.raw("insert into log (position, command) values (?, ?)",
        [1, JSON.stringify(mark({}))]);

      expect(await woken).toBe(1);
    });
  });
});

describe("postgres wake-ups", () => {
  test("LISTEN/NOTIFY wakes a reader long before its poll would", async () => {
    const fixture = FIXTURES[1].make();
    const reader = await fixture.open({ pollIntervalMs: 60_000 });
    const writer = await fixture.open();
    try {
      await reader.waitForAppend(0, 1);
      const started = Date.now();
      const woken = reader.waitForAppend(0, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await writer.append([mark({})]);

      expect(await woken).toBe(1);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await reader.close();
      await writer.close();
      await fixture.dispose();
    }
  });
});
