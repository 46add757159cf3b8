// A live worker process: it folds the durable log, drives the dispatcher state machine of
// core/ with the real clock, and carries out the machine's effects (appends, timers, task
// runs). It holds no queue logic: what to claim, start, ping or reap is the machine's call.
//
// On stop it asks the machine to shut down cleanly (no new claims, running jobs report,
// then deactivate); after the grace period it deactivates at once, which hands its
// unfinished jobs to wrappers exactly as a dead dispatcher's would be.

import { randomUUID } from "node:crypto";
import {
  initialLocal, step, type AgentPlan, type Effect, type LogEntry as MachineEntry,
  type MachineInput, type MachineLocal,
} from "../core/dispatcher-machine.js";
import { formatTime, type Command, type Micros } from "../core/index.js";
import { AppendBatcher } from "./append-batcher.js";
import { setLongTimer, systemClock, type Clock, type TimerHandle } from "./clock.js";
import type { LogStore } from "./log-store.js";
import { silentLogger, type Logger } from "./logger.js";
import { Replica, stamp, type FoldedEntry } from "./replica.js";
import { runTask, type TaskRegistry } from "./tasks.js";

export interface WorkerOptions {
  readonly store: LogStore;
  readonly tasks: TaskRegistry;
  readonly agents: readonly AgentPlan[];
  readonly queue?: string;
  /** The dispatcher's UUID; a new one for each process by default. */
  readonly dispatcher?: string;
  readonly pollIntervalMs?: number;
  readonly pingIntervalMs?: number;
  readonly deathIntervalMs?: number;
  /** How long a tail read waits for new entries before it looks again. */
  readonly tailWaitMs?: number;
  /** A snapshot is taken after this many folded entries, at most once per interval. */
  readonly snapshotEvery?: number;
  readonly snapshotIntervalMs?: number;
  /** Log every event of the core, not only those about dispatchers and failures. */
  readonly verbose?: boolean;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export const WORKER_DEFAULTS = {
  pollIntervalMs: 1000,
  pingIntervalMs: 30_000,
  deathIntervalMs: 60_000,
  tailWaitMs: 1000,
  snapshotEvery: 50_000,
  snapshotIntervalMs: 60_000,
} as const;

const MS = 1000n;

/** Events logged without `verbose`: the life of dispatchers, and jobs that went wrong. */
const QUIET_EVENTS = /^(dispatcher\/|agent\/|queue\/|job\/(failed|expired|reaped|retried))/;

export class Worker {
  readonly dispatcher: string;
  readonly origin = randomUUID();
  private local: MachineLocal;
  private readonly replica: Replica;
  private readonly batcher: AppendBatcher;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private timer: TimerHandle | null = null;
  private running = false;
  private tailing: Promise<void> = Promise.resolve();
  private machineStoppedResolve!: () => void;
  private readonly machineStopped: Promise<void>;
  private stoppedResolve!: () => void;
  /** Resolves once the worker has stopped: machine stopped, appends flushed, tail ended. */
  readonly stopped: Promise<void>;

  constructor(private readonly options: WorkerOptions) {
    this.dispatcher = options.dispatcher ?? randomUUID();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.replica = new Replica(options.store);
    this.batcher = new AppendBatcher(options.store);
    this.stopped = new Promise((resolve) => (this.stoppedResolve = resolve));
    this.machineStopped = new Promise((resolve) => (this.machineStoppedResolve = resolve));
    const ms = (value: number | undefined, fallback: number) => BigInt(value ?? fallback) * MS;
    const pollIntervalUs = ms(options.pollIntervalMs, WORKER_DEFAULTS.pollIntervalMs);
    this.local = initialLocal({
      process: this.origin,
      dispatcher: this.dispatcher,
      queue: options.queue ?? "",
      pollIntervalUs,
      pingIntervalUs: ms(options.pingIntervalMs, WORKER_DEFAULTS.pingIntervalMs),
      deathIntervalUs: ms(options.deathIntervalMs, WORKER_DEFAULTS.deathIntervalMs),
      appendTimeoutUs: 10n * pollIntervalUs,
      agents: options.agents,
    });
  }

  /** Loads the state, then starts the tail loop and the machine's first poll. */
  async start(): Promise<void> {
    await this.replica.load();
    await this.replica.catchUp();
    this.running = true;
    this.logger.log("worker/started", { dispatcher: this.dispatcher,
      position: this.replica.position, store: this.options.store.description });
    this.feed({ kind: "log", nowUs: this.now(), position: this.replica.position,
      state: this.replica.state, entries: [] });
    this.feed({ kind: "timer", nowUs: this.now() });
    this.tailing = this.tail();
  }

  /** Asks for a clean shutdown; after `graceMs` the dispatcher is deactivated at once. */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.logger.log("worker/stopping", { graceMs });
    this.feed({ kind: "shutdown", nowUs: this.now() });
    const grace = new Promise<"late">((resolve) => {
      const handle = setTimeout(() => resolve("late"), graceMs);
      void this.machineStopped.then(() => clearTimeout(handle));
    });
    const clean = this.machineStopped.then(() => "done" as const);
    if (await Promise.race([clean, grace]) === "late") await this.forceDeactivate();
    await this.batcher.flush();
    this.running = false;
    this.timer?.cancel();
    await this.tailing;
    this.stoppedResolve();
  }

  private now(): Micros {
    return this.clock.nowUs();
  }

  private feed(input: MachineInput): void {
    const result = step(this.local, input);
    this.local = result.local;
    for (const effect of result.effects) this.carryOut(effect);
  }

  private carryOut(effect: Effect): void {
    switch (effect.kind) {
      case "append":
        return this.append(effect.token, effect.command);
      case "runJob":
        return void this.runJob(effect);
      case "setTimer":
        this.timer?.cancel();
        this.timer = setLongTimer(effect.delayUs, () => {
          if (this.running) this.feed({ kind: "timer", nowUs: this.now() });
        });
        return;
      case "stopped":
        this.logger.log("worker/stopped", { dispatcher: this.dispatcher });
        this.machineStoppedResolve();
        return;
    }
  }

  private append(token: number, command: Command): void {
    this.batcher.append([stamp(command, this.origin, token)]).then(
      () => this.running && this.feed({ kind: "appended", nowUs: this.now(), token }),
      (error: unknown) => {
        this.logger.log("worker/appendFailed", { command: command.type,
          message: (error as Error).message });
        if (this.running) this.feed({ kind: "appendFailed", nowUs: this.now(), token });
      },
    );
  }

  private async runJob(effect: Extract<Effect, { kind: "runJob" }>): Promise<void> {
    // The core's events (job/started, job/failed ...) are logged as the log is folded.
    const { job, task, args, holder } = effect;
    const outcome = await runTask(this.options.tasks, task, args, { job, task,
      attempt: holder.attempt, dispatcher: holder.dispatcher, agent: holder.agent });
    if (!this.running) return;
    this.feed({ kind: "jobFinished", nowUs: this.now(), job, attempt: holder.attempt,
      outcome: outcome.ok ? { ok: true, value: outcome.value }
        : { ok: false, error: outcome.error, message: outcome.message } });
  }

  /** Follows the log: folds new entries and hands them to the machine. */
  private async tail(): Promise<void> {
    const waitMs = this.options.tailWaitMs ?? WORKER_DEFAULTS.tailWaitMs;
    const snapshotEvery = this.options.snapshotEvery ?? WORKER_DEFAULTS.snapshotEvery;
    const snapshotIntervalMs = this.options.snapshotIntervalMs ??
      WORKER_DEFAULTS.snapshotIntervalMs;
    // Encoding the state is the costliest thing a worker does: spread snapshots out in time.
    let lastSnapshotMs = Date.now();
    while (this.running) {
      try {
        await this.options.store.waitForAppend(this.replica.position, waitMs);
        if (!this.running) return;
        const folded = await this.replica.catchUp();
        if (folded.length > 0) this.absorb(folded);
        if (Date.now() - lastSnapshotMs >= snapshotIntervalMs &&
            await this.replica.snapshotIfDue(snapshotEvery)) {
          lastSnapshotMs = Date.now();
        }
      } catch (error) {
        this.logger.log("worker/tailFailed", { message: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  private absorb(folded: readonly FoldedEntry[]): void {
    const entries: MachineEntry[] = folded.map((entry) => ({
      position: entry.position, origin: entry.origin, token: entry.token,
      command: entry.command, reply: entry.reply, events: entry.events,
    }));
    for (const entry of folded) {
      for (const { type, ...fields } of entry.events) {
        if (this.options.verbose === true || QUIET_EVENTS.test(type)) this.logger.log(type, fields);
      }
    }
    this.feed({ kind: "log", nowUs: this.now(), position: this.replica.position,
      state: this.replica.state, entries });
  }

  private async forceDeactivate(): Promise<void> {
    this.logger.log("worker/graceExpired", { dispatcher: this.dispatcher });
    const command: Command = { type: "dispatcher/deactivate", at: formatTime(this.now()),
      queue: this.options.queue ?? "", dispatcher: this.dispatcher };
    await this.batcher.append([stamp(command, this.origin, 0)]).catch((error: unknown) => {
      this.logger.log("worker/appendFailed", { command: command.type,
        message: (error as Error).message });
    });
  }
}
