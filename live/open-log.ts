// Opens the log store named by `--db` or CHRONOQ_DB: a postgres:// or postgresql:// URL
// selects PostgreSQL, anything else is the path of a SQLite file (./chronoq.db by default).
// A PostgreSQL URL may carry `?schema=NAME` to pick the schema holding chronoq's tables; it is
// taken off the URL before `pg` sees it.

import { existsSync } from "node:fs";
import { LogStoreError, type LogStore } from "./log-store.js";
import { describeUrl, openPostgresLog, type PostgresLogOptions } from "./postgres-log.js";
import { openSqliteLog, type SqliteLogOptions } from "./sqlite-log.js";

export const DEFAULT_DB = "./chronoq.db";

export type LogTarget =
  | { readonly kind: "sqlite"; readonly path: string }
  | { readonly kind: "postgres"; readonly url: string; readonly schema?: string };

export interface OpenLogOptions {
  /** Refuse to create a SQLite file that is not there (for commands that only read). */
  readonly mustExist?: boolean;
  readonly pollIntervalMs?: number;
  readonly busyTimeoutMs?: number;
  readonly synchronous?: SqliteLogOptions["synchronous"];
  readonly poolSize?: number;
}

/** The `--db` flag wins over CHRONOQ_DB, which wins over the default file. */
export function resolveDb(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== "") return flag;
  const fromEnv = env.CHRONOQ_DB;
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : DEFAULT_DB;
}

export function parseLogTarget(db: string): LogTarget {
  if (!/^postgres(ql)?:\/\//i.test(db)) return { kind: "sqlite", path: db };
  // Only a URL with a schema is rewritten: URL() may normalise some libpq URLs differently.
  if (!/[?&]schema=/.test(db)) return { kind: "postgres", url: db };
  const url = new URL(db);
  const schema = url.searchParams.get("schema")!;
  url.searchParams.delete("schema");
  return { kind: "postgres", url: url.toString(), schema };
}

export async function openLog(db: string, options: OpenLogOptions = {}): Promise<LogStore> {
  const target = parseLogTarget(db);
  try {
    if (target.kind === "sqlite") {
      if (options.mustExist === true && !existsSync(target.path)) {
        throw new LogStoreError("no database file there (check the path or CHRONOQ_DB)");
      }
      return await openSqliteLog({ path: target.path, ...options });
    }
    const postgres: PostgresLogOptions = { ...options, url: target.url };
    return await openPostgresLog(target.schema === undefined ? postgres : { ...postgres,
      schema: target.schema });
  } catch (error) {
    // Name the database: "file is not a database" alone does not say which one.
    const where = target.kind === "sqlite" ? `sqlite ${target.path}`
      : `postgres ${describeUrl(target.url)}`;
    const message = (error as Error).message;
    if (message.startsWith(where)) throw error;
    throw new LogStoreError(`${where}: ${message}`);
  }
}
