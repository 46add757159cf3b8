// The live subcommands: `worker`, `put` and `status`. Each opens the log named by `--db` or
// CHRONOQ_DB (a SQLite file by default) and leaves the queue logic to core/ and live/.

import type { AgentPlan } from "../core/dispatcher-machine.js";
import { parseDuration } from "../core/index.js";
import { systemClock } from "../live/clock.js";
import { LogClient, putCommand as putCommandOf, summarise } from "../live/client.js";
import { createLogger } from "../live/logger.js";
import type { LogStore } from "../live/log-store.js";
import { openLog, resolveDb } from "../live/open-log.js";
import { loadTaskModule } from "../live/tasks.js";
import { Worker } from "../live/worker.js";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** `NAME:SIZE[:FILTER]`; FILTER is `a,b` (only those tasks) or `!a,b` (all but those). */
export function parseAgentSpec(spec: string): AgentPlan {
  const [name, sizeText, filterText] = spec.split(":");
  const size = Number(sizeText ?? "3");
  if (!name || !Number.isInteger(size) || size < 1) {
    throw new UsageError(`--agent '${spec}': expected NAME:SIZE[:FILTER] with SIZE >= 1`);
  }
  if (filterText === undefined || filterText === "") return { name, size };
  const negated = filterText.startsWith("!");
  const tasks = (negated ? filterText.slice(1) : filterText).split(",").filter(Boolean);
  return { name, size, filter: negated ? { taskNotIn: tasks } : { taskIn: tasks } };
}

export interface WorkerFlags {
  readonly tasks: string;
  readonly db?: string;
  readonly queue?: string;
  readonly agent?: string[];
  readonly dispatcher?: string;
  readonly pollInterval?: string;
  readonly pingInterval?: string;
  readonly deathInterval?: string;
  readonly grace?: string;
  readonly jsonLogs?: boolean;
  readonly verbose?: boolean;
}

function milliseconds(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const us = parseDuration(text, flag);
  if (us <= 0n) throw new UsageError(`${flag}: must be a positive duration`);
  return Number(us / 1000n);
}

export async function workerCommand(flags: WorkerFlags): Promise<number> {
  const agents = (flags.agent ?? ["main:3"]).map(parseAgentSpec);
  const names = agents.map((agent) => agent.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new UsageError(`--agent: '${twice}' is named twice`);
  if (flags.dispatcher !== undefined && flags.dispatcher.trim() === "") {
    throw new UsageError("--dispatcher: must not be empty");
  }
  const tasks = await loadTaskModule(flags.tasks);
  const store = await openLog(resolveDb(flags.db));
  await ensureQueue(store, flags.queue ?? "");
  const worker = new Worker({
    store, tasks, agents, queue: flags.queue, dispatcher: flags.dispatcher,
    pollIntervalMs: milliseconds(flags.pollInterval, "--poll-interval"),
    pingIntervalMs: milliseconds(flags.pingInterval, "--ping-interval"),
    deathIntervalMs: milliseconds(flags.deathInterval, "--death-interval"),
    logger: createLogger({ process: "worker", clock: systemClock, json: flags.jsonLogs }),
    verbose: flags.verbose,
  });
  const graceMs = milliseconds(flags.grace, "--grace") ?? 30_000;
  const stop = () => void worker.stop(graceMs);
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  await worker.start();
  await worker.stopped;
  await store.close();
  // A task still running past the grace period must not keep a stopped worker alive.
  process.exit(0);
}

/** A worker serves a queue that exists: a new queue name is created with default options. */
async function ensureQueue(store: LogStore, queue: string): Promise<void> {
  const client = new LogClient(store);
  const { state } = await client.state();
  if (state.queues.has(queue)) return;
  const { reply } = await client.configure({ queue }, systemClock.nowUs());
  if (typeof reply === "object" && reply !== null && "error" in reply) {
    throw new UsageError(`--queue '${queue}': ${JSON.stringify(reply)}`);
  }
}

export interface PutFlags {
  readonly db?: string;
  readonly args?: string;
  readonly job?: string;
  readonly queue?: string;
  readonly beginAfter?: string;
  readonly beginBy?: string;
  readonly quota?: string[];
}

export async function putCommand(task: string, flags: PutFlags): Promise<number> {
  let args: unknown = [];
  if (flags.args !== undefined) {
    try {
      args = JSON.parse(flags.args);
    } catch (error) {
      throw new UsageError(`--args: not JSON (${(error as Error).message})`);
    }
  }
  if (!Array.isArray(args)) throw new UsageError("--args: expected a JSON list, e.g. '[1, 2]'");
  const inexact = inexactNumber(args);
  if (inexact !== undefined) {
    throw new UsageError(`--args: ${inexact} cannot be kept exactly as a JSON number`);
  }
  const store = await openLog(resolveDb(flags.db));
  try {
    const result = await new LogClient(store).append(putCommandOf({ task, args, job: flags.job,
      queue: flags.queue, beginAfter: flags.beginAfter, beginBy: flags.beginBy,
      quotaNames: flags.quota }, systemClock.nowUs()));
    process.stdout.write(`${JSON.stringify(result.reply)}\n`);
    return typeof result.reply === "object" && result.reply !== null && "error" in result.reply
      ? 1 : 0;
  } finally {
    await store.close();
  }
}

/** A number in parsed JSON that lost its value (1e400, or an integer past 2^53), if any. */
function inexactNumber(value: unknown): string | undefined {
  if (typeof value === "number") {
    const lost = !Number.isFinite(value) ||
      (Number.isInteger(value) && !Number.isSafeInteger(value));
    return lost ? String(value) : undefined;
  }
  if (Array.isArray(value)) return value.map(inexactNumber).find((found) => found !== undefined);
  if (typeof value === "object" && value !== null) {
    return Object.values(value).map(inexactNumber).find((found) => found !== undefined);
  }
  return undefined;
}

export async function statusCommand(flags: { db?: string; json?: boolean }): Promise<number> {
  const store = await openLog(resolveDb(flags.db), { mustExist: true });
  try {
    const { state, position } = await new LogClient(store).state();
    const summary = summarise(state, position, systemClock.nowUs());
    process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : statusText(summary));
    return 0;
  } finally {
    await store.close();
  }
}

function statusText(summary: Record<string, unknown>): string {
  const lines = [`log position ${summary.position} at ${summary.at}`,
    `jobs: ${Object.entries(summary.jobs as object).map(([k, v]) => `${k}=${v}`).join(" ") ||
      "none"}`];
  for (const queue of summary.queues as Record<string, unknown>[]) {
    lines.push(`queue '${queue.name}': ${queue.length} queued`);
    for (const quota of queue.quotas as Record<string, unknown>[]) {
      lines.push(`  quota ${quota.name}: ${quota.members}/${quota.size}`);
    }
    for (const d of queue.dispatchers as Record<string, unknown>[]) {
      const agents = (d.agents as Record<string, unknown>[])
        .map((a) => `${a.name} ${a.jobs}/${a.size} (${a.completed} completed)`).join(", ");
      lines.push(`  dispatcher ${d.dispatcher} ${d.state} last ping ${d.lastPing ?? "never"}` +
        (agents === "" ? "" : `: ${agents}`));
    }
  }
  return `${lines.join("\n")}\n`;
}
