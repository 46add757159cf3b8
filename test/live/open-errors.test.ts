// Opening a log that is not there, or not a log: the error names the database, and a
// command that only reads does not create a file.

import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { openLog } from "../../live/open-log.js";

describe("opening a log", () => {
  const dir = mkdtempSync(join(tmpdir(), "chronoq-open-"));

  test("a reader refuses a missing SQLite file and creates none", async () => {
    const path = join(dir, "typo.db");
    await expect(openLog(path, { mustExist: true })).rejects
      .toThrow(`sqlite ${path}: no database file there`);
    expect(existsSync(path)).toBe(false);
  });

  test("a file that is not a database is named in the error", async () => {
    const path = join(dir, "notes.db");
    writeFileSync(path, "these are not the pages of a database, just some text\n".repeat(20));
    await expect(openLog(path)).rejects.toThrow(`sqlite ${path}:`);
  });

  test("a refused PostgreSQL connection is named, without its password", async () => {
    await expect(openLog("postgres://postgres:secret@127.0.0.1:1/test")).rejects
      .toThrow(/^postgres postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/test: /);
  });
});
