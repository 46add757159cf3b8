// Choosing a store from `--db` / CHRONOQ_DB: URLs select PostgreSQL (with an optional schema),
// anything else is a SQLite file; and opening each kind for real.

import { describe, expect, test } from "vitest";

import { DEFAULT_DB, openLog, parseLogTarget, resolveDb } from "../../live/open-log.js";
import { describeUrl } from "../../live/postgres-log.js";
import { PG_URL, postgresFixture, sqliteFixture } from "./helpers.js";

describe("resolveDb", () => {
  test("the flag wins over CHRONOQ_DB, which wins over ./chronoq.db", () => {
    expect(resolveDb("a.db", { CHRONOQ_DB: "b.db" })).toBe("a.db");
    expect(resolveDb(undefined, { CHRONOQ_DB: "b.db" })).toBe("b.db");
    expect(resolveDb(undefined, {})).toBe(DEFAULT_DB);
    expect(resolveDb("", { CHRONOQ_DB: "" })).toBe("./chronoq.db");
  });
});

describe("parseLogTarget", () => {
  test("postgres:// and postgresql:// URLs select PostgreSQL, untouched without a schema", () => {
    expect(parseLogTarget("postgres://u@127.0.0.1:5432/db"))
      .toEqual({ kind: "postgres", url: "postgres://u@127.0.0.1:5432/db" });
    expect(parseLogTarget("POSTGRESQL://u@h/db?sslmode=disable"))
      .toEqual({ kind: "postgres", url: "POSTGRESQL://u@h/db?sslmode=disable" });
  });

  test("a schema parameter is taken off the URL", () => {
    expect(parseLogTarget("postgres://u@h:5432/db?schema=jobs&sslmode=disable")).toEqual({
      kind: "postgres", url: "postgres://u@h:5432/db?sslmode=disable", schema: "jobs",
    });
  });

  test("anything else is a SQLite path, including names that merely mention postgres", () => {
    expect(parseLogTarget("./chronoq.db")).toEqual({ kind: "sqlite", path: "./chronoq.db" });
    expect(parseLogTarget("/var/lib/postgres.db"))
      .toEqual({ kind: "sqlite", path: "/var/lib/postgres.db" });
    expect(parseLogTarget(":memory:")).toEqual({ kind: "sqlite", path: ":memory:" });
  });

  test("descriptions hide the password", () => {
    expect(describeUrl("postgres://u:secret@h/db")).toBe("postgres://u:***@h/db");
  });
});

describe("openLog", () => {
  test.each([["sqlite", sqliteFixture], ["postgres", postgresFixture]] as const)(
    "%s opens, appends and reads", async (kind, make) => {
      const fixture = make();
      const store = await fixture.open();
      try {
        expect(store.kind).toBe(kind);
        expect(store.description).not.toMatch(/schema=/);
        await store.append([{ type: "queue/create", at: "2024-01-01T00:00:00Z", queue: "q" }]);
        expect((await store.readAfter(0))[0]?.command.type).toBe("queue/create");
      } finally {
        await store.close();
        await fixture.dispose();
      }
    });

  test("a bad schema name is refused before anything is created", async () => {
    await expect(openLog(`${PG_URL}?schema=Bad";drop`))
      .rejects.toThrow(/schema name 'Bad";drop' must match/);
  });
});
