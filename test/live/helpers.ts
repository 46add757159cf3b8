// Shared set-up for the log store tests: a fresh SQLite file in a temp dir or a fresh schema in
// the test PostgreSQL, raw access to either (to plant corrupt rows and future schema
// versions), and a JavaScript build of live/ for child processes, which cannot load
// TypeScript themselves.

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync }
  from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";

import Database from "better-sqlite3";
import pg from "pg";
import ts from "typescript";

import type { Command } from "../../core/index.js";
import type { LogStore } from "../../live/log-store.js";
import { openLog, type OpenLogOptions } from "../../live/open-log.js";

export const PG_URL = process.env.CHRONOQ_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";
const REPO = join(dirname(new URL(import.meta.url).pathname), "..", "..");

/** A place for one log: its `--db` value, raw SQL on it, and clean-up. */
export interface LogFixture {
  readonly kind: "sqlite" | "postgres";
  readonly db: string;
  open(options?: OpenLogOptions): Promise<LogStore>;
  /** Runs SQL with `?` placeholders against the log's tables, bypassing the store. */
  raw(sql: string, params?: unknown[]): Promise<unknown[]>;
  dispose(): Promise<void>;
}

let counter = 0;

export function uniqueName(prefix: string): string {
  const random = Math.floor(Math.random() * 1e9).toString(36);
  return `${prefix}_${process.pid}_${random}_${counter++}`;
}

export function sqliteFixture(): LogFixture {
  const dir = mkdtempSync(join(tmpdir(), "chronoq-live-"));
  const file = join(dir, "chronoq.db");
  return {
    kind: "sqlite",
    db: file,
    open: (options) => openLog(file, options),
    async raw(sql, params = []) {
      const db = new Database(file);
      try {
        db.pragma("busy_timeout = 5000");
        const statement = db.prepare(sql);
        return statement.reader ? statement.all(...params) : [statement.run(...params)];
      } finally {
        db.close();
      }
    },
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function postgresFixture(): LogFixture {
  const schema = uniqueName("chronoq_test");
  const db = `${PG_URL}?schema=${schema}`;
  return {
    kind: "postgres",
    db,
    open: (options) => openLog(db, options),
    async raw(sql, params = []) {
      return withPgClient(async (client) => {
        await client.query(`set search_path to "${schema}"`);
        let index = 0;
        const result = await client.query(sql.replace(/\?/g, () => `$${++index}`), params);
        return result.rows;
      });
    },
    async dispose() {
      await withPgClient((client) => client.query(`drop schema if exists "${schema}" cascade`));
    },
  };
}

export async function withPgClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export const FIXTURES = [
  { kind: "sqlite", make: sqliteFixture },
  { kind: "postgres", make: postgresFixture },
] as const;

/** A command as the log tests append them: not a core command type, which the store allows. */
export function mark(fields: { [key: string]: string | number }): Command {
  return { type: "test/mark", at: "2024-01-01T00:00:00.000000Z", ...fields } as never;
}

/**
 * Transpiles live/ and core/ (and the test fixtures) to JavaScript under a temp dir that
 * mirrors the repository, with node_modules linked in, and returns that dir.
 */
export function buildForChildren(): string {
  const out = mkdtempSync(join(tmpdir(), "chronoq-live-build-"));
  for (const folder of ["core", "live", "test/live/fixtures"]) {
    for (const name of readdirSync(join(REPO, folder))) {
      if (!name.endsWith(".ts")) continue;
      const source = readFileSync(join(REPO, folder, name), "utf8");
      const output = ts.transpileModule(source, { compilerOptions: {
        module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true,
      } }).outputText;
      const target = join(out, folder, name.replace(/\.ts$/, ".js"));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, output);
    }
  }
  writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module" }));
  symlinkSync(join(REPO, "node_modules"), join(out, "node_modules"));
  return out;
}

export function removeBuild(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Runs a built fixture script with node; resolves with its stdout, rejects on failure. */
export function runChild(build: string, script: string, args: string[]): Promise<string> {
  const file = join(build, "test/live/fixtures", script);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${relative(REPO, file)} exited ${code}: ${stderr}`));
    });
  });
}
