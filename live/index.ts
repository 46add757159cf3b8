// The typed library API of the live adapter: connect to a log (SQLite file or PostgreSQL
// URL), put jobs, configure queues, read the status, and run workers from TypeScript.
//
//   const queue = await connect("./chronoq.db");
//   await queue.put("email.send", ["ada@example.com"], { beginBy: "10m" });
//   const worker = new Worker({ store: queue.store, tasks: taskRegistry({ ... }),
//     agents: [{ name: "main", size: 4 }] });
//   await worker.start();

import { formatTime, type Json, type State } from "../core/index.js";
import { systemClock, type Clock } from "./clock.js";
import {
  LogClient, putCommand, summarise, type Appended, type PutRequest, type QueueSettings,
} from "./client.js";
import type { LogStore } from "./log-store.js";
import { openLog, resolveDb, type OpenLogOptions } from "./open-log.js";

export { Worker, WORKER_DEFAULTS, type WorkerOptions } from "./worker.js";
export { loadTaskModule, taskRegistry, type TaskContext, type TaskHandler } from "./tasks.js";
export { createLogger, type Logger } from "./logger.js";
export { openLog, resolveDb } from "./open-log.js";
export type { LogStore } from "./log-store.js";

export interface Chronoq {
  readonly store: LogStore;
  /** Puts a job; resolves with the core's reply (an `{ error }` reply if it was refused). */
  put(task: string, args?: Json[], options?: Omit<PutRequest, "task" | "args">):
    Promise<Appended>;
  /** Puts many jobs in one transaction; one reply each, in order. */
  putMany(requests: readonly PutRequest[]): Promise<Appended[]>;
  configure(settings: QueueSettings): Promise<Appended>;
  /** Creates a quota of a queue (a job names it in `quotaNames`). */
  createQuota(name: string, size: number, queue?: string): Promise<Appended>;
  /** Adds a callback job (a built-in task) that receives the job's result. */
  addCallback(job: string, callback: string, task: string, args?: Json[],
    on?: "success" | "failure" | "always"): Promise<Appended>;
  /** Queues, dispatchers alive or dead, agents, quotas and job counts. */
  status(): Promise<Record<string, unknown>>;
  /** The folded state itself, for queries with core's functions. */
  state(): Promise<State>;
  close(): Promise<void>;
}

export async function connect(
  db?: string, options: OpenLogOptions & { clock?: Clock } = {},
): Promise<Chronoq> {
  const store = await openLog(resolveDb(db), options);
  const clock = options.clock ?? systemClock;
  const client = new LogClient(store);
  const at = () => formatTime(clock.nowUs());
  return {
    store,
    put: (task, args = [], rest = {}) =>
      client.append(putCommand({ ...rest, task, args }, clock.nowUs())),
    putMany: (requests) =>
      client.appendAll(requests.map((request) => putCommand(request, clock.nowUs()))),
    configure: (settings) => client.configure(settings, clock.nowUs()),
    createQuota: (name, size, queue = "") =>
      client.append({ type: "quota/create", at: at(), queue, name, size }),
    addCallback: (job, callback, task, args = [], on = "always") =>
      client.append({ type: "job/addCallback", at: at(), job, callback, task, args, on }),
    async status() {
      const { state, position } = await client.state();
      return summarise(state, position, clock.nowUs());
    },
    async state() {
      return (await client.state()).state;
    },
    close: () => store.close(),
  };
}
