// Runs one world: the scheduler drives processes (each a dispatcher state machine with its own
// clock), a client that puts the workload, the in-memory command log, and the fault plan.
// Safety checkers run after every folded command; after `duration` the world heals and a
// liveness phase demands that every job put reaches COMPLETED within the stated bound.

import {
  formatTime, initialState, presentReply, reduce, runBuiltInTask, type Command, type ErrorReply,
  stateDigest, type State,
} from "../core/index.js";
import type { Holder } from "../core/types.js";
import {
  initialLocal, step, type Effect, type JobOutcome, type LogEntry, type MachineInput,
  type MachineLocal,
} from "../core/dispatcher-machine.js";
import { HistoryChecker, type Executing, type Finding } from "./checkers.js";
import { ProcessClock } from "./clock.js";
import { makeStreams, type Streams } from "./random.js";
import { Scheduler } from "./scheduler.js";
import { TraceSink } from "./trace.js";
import type { ProcessSpec, ScriptedFault, World } from "./world.js";
import { planFaults } from "./faults.js";

export interface RunOptions {
  /** Overrides the world's seed. */
  readonly seed?: number;
  readonly trace?: boolean;
  /** Run the core invariants every N folds (1: after every command). */
  readonly invariantEvery?: number;
}

export interface Violation {
  readonly invariant: string;
  readonly message: string;
  readonly atUs: number;
  /** The virtual time as ISO text. */
  readonly time: string;
  readonly commands: readonly { position: number; origin: string; command: Command }[];
}

export interface Verdict {
  readonly kind: "pass" | "safety" | "liveness";
  readonly seed: number;
  readonly world: string;
  readonly violation?: Violation;
  readonly folded: number;
  readonly simulatedUs: number;
  readonly digest: string;
  /** How often each rare path ran (faults injected, reaps, rejections), keys sorted. */
  readonly probes: { readonly [probe: string]: number };
  /** Probes the world expects that never fired: the story did not happen as told. */
  readonly missingProbes: readonly string[];
}

export interface RunResult {
  readonly verdict: Verdict;
  readonly trace: string;
  readonly state: State;
  readonly events: number;
}

interface SimProcess {
  readonly spec: ProcessSpec;
  readonly clock: ProcessClock;
  incarnation: number;
  origin: string;
  status: "down" | "up" | "paused";
  partitioned: boolean;
  local: MachineLocal | null;
  timerGen: number;
  readScheduled: boolean;
  readPos: number;
  deferred: (() => void)[];
  readonly executing: Map<string, Holder>;
}

export interface AppendFaultRates {
  slowAppend: number;
  failedAppend: number;
  lostAck: number;
}

/** The mutable world of one run; the fault plan (faults.ts) reaches in through it. */
export class SimWorld {
  readonly scheduler = new Scheduler();
  readonly streams: Streams;
  readonly sink: TraceSink;
  readonly processes: SimProcess[];
  readonly entries: LogEntry[] = [];
  readonly checker: HistoryChecker;
  state: State;
  healed = false;
  scriptRates: AppendFaultRates | null = null;
  finding: { finding: Finding; atUs: number } | null = null;
  private readonly taskTimeUs = new Map<string, number>();
  private readonly probeCounts = new Map<string, number>();
  private readonly outstanding = new Set<string>();
  private putsLeft: number;

  constructor(readonly world: World, readonly seed: number, options: RunOptions) {
    this.streams = makeStreams(seed);
    this.sink = new TraceSink(options.trace === true);
    this.checker = new HistoryChecker(Math.max(1, options.invariantEvery ?? 1));
    this.state = initialState({ "": world.queue });
    this.putsLeft = world.workload.jobs;
    this.processes = world.processes.map((spec) => ({
      spec, clock: new ProcessClock(world.startUs, { offsetUs: spec.offsetUs,
        driftPpm: spec.driftPpm }),
      incarnation: 0, origin: "", status: "down", partitioned: false, local: null, timerGen: 0,
      readScheduled: false, readPos: 0, deferred: [], executing: new Map(),
    }));
  }

  get stopped(): boolean {
    return this.finding !== null || (this.healed && this.putsLeft === 0 &&
      this.outstanding.size === 0);
  }

  /** The virtual time as the client's (and the trace's) UTC clock. */
  worldTime(virtualUs: number): string {
    return formatTime(BigInt(this.world.startUs + virtualUs));
  }

  // ---- The log -------------------------------------------------------------------------

  fold(origin: string, token: number, command: Command): void {
    if (this.finding !== null) return;
    const before = this.state;
    const { state, reply, events } = reduce(before, command);
    this.state = state;
    const entry: LogEntry = { position: this.entries.length, origin, token, command, reply,
      events };
    this.entries.push(entry);
    if (this.sink.enabled) {
      this.sink.write({ t: this.scheduler.nowUs, pos: entry.position, origin, command,
        reply: presentReply(reply), events });
    }
    this.trackCompletions(entry);

    const finding = this.checker.afterFold(entry, before, state, this.executingNow());
    if (finding !== null) {
      this.finding = { finding, atUs: this.scheduler.nowUs };
      return;
    }
    // The appender reads back soon to learn its outcome; the others read when they poll.
    const appender = this.processes.find((p) => p.origin === origin);
    if (appender !== undefined) this.scheduleRead(appender);
  }

  /** Counts one pass through a rare path; the verdict reports the counts. */
  probe(name: string): void {
    this.probeCounts.set(name, (this.probeCounts.get(name) ?? 0) + 1);
  }

  probes(): { [probe: string]: number } {
    const out: { [probe: string]: number } = {};
    for (const key of [...this.probeCounts.keys()].sort()) out[key] = this.probeCounts.get(key)!;
    return out;
  }

  private trackCompletions(entry: LogEntry): void {
    const events = entry.events;
    if ("error" in entry.reply) {
      this.probe(`rejected:${(entry.reply as ErrorReply).error.code}`);
    }
    for (const event of events) {
      if (PROBED_EVENTS.has(event.type)) {
        this.probe(event.reapedBy === undefined ? event.type : `${event.type}:byPing`);
      }
      if (event.type === "job/claimed" && typeof event.agent === "string") {
        this.probe(`claimed:${event.agent}`);
      }
      if (event.type === "job/completed" && typeof event.job === "string") {
        this.outstanding.delete(event.job);
      }
    }
  }

  private *executingNow(): Generator<Executing> {
    for (const p of this.processes) {
      for (const [job, holder] of p.executing) yield { process: p.origin, job, holder };
    }
  }

  appendRates(): AppendFaultRates {
    if (this.healed) return { slowAppend: 0, failedAppend: 0, lostAck: 0 };
    const random = this.world.randomFaults;
    const script = this.scriptRates;
    return {
      slowAppend: Math.max(random.slowAppend, script?.slowAppend ?? 0),
      failedAppend: Math.max(random.failedAppend, script?.failedAppend ?? 0),
      lostAck: Math.max(random.lostAck, script?.lostAck ?? 0),
    };
  }

  private latencyUs(range: readonly [number, number]): number {
    return Math.round(this.streams.latency.between(range[0], range[1]));
  }

  /** An append from a process: it may fail, be slow, or land with its acknowledgement lost. */
  sendAppend(p: SimProcess, token: number, command: Command): void {
    const incarnation = p.incarnation;
    const rates = this.appendRates();
    const faults = this.streams.faults;
    let latency = this.latencyUs(this.world.appendLatencyUs);
    const failed = !p.partitioned && faults.chance(rates.failedAppend);
    if (failed) this.noteAppendFault(p, "failedAppend", token);
    if (p.partitioned || failed) {
      this.scheduler.after(latency, () =>
        this.deliver(p, incarnation, (nowUs) => ({ kind: "appendFailed", nowUs, token })));
      return;
    }
    if (faults.chance(rates.slowAppend)) {
      latency += Math.round(faults.between(1e6, 2 * this.world.appendTimeoutUs));
      this.noteAppendFault(p, "slowAppend", token);
    }
    const ackLost = faults.chance(rates.lostAck);
    if (ackLost) this.noteAppendFault(p, "lostAck", token);
    this.scheduler.after(latency, () => {
      this.fold(originOf(p, incarnation), token, command);
      if (ackLost) return;
      this.scheduler.after(this.latencyUs(this.world.appendLatencyUs), () =>
        this.deliver(p, incarnation, (nowUs) => ({ kind: "appended", nowUs, token })));
    });
  }

  private noteAppendFault(p: SimProcess, fault: string, token: number): void {
    this.probe(`fault:${fault}`);
    this.sink.write({ t: this.scheduler.nowUs, process: p.origin, fault, token });
  }

  // ---- Processes -----------------------------------------------------------------------

  startProcess(p: SimProcess): void {
    if (p.status !== "down") return;
    p.incarnation++;
    p.origin = originOf(p, p.incarnation);
    p.status = "up";
    p.partitioned = false;
    p.deferred = [];
    p.executing.clear();
    p.readPos = this.entries.length;
    p.local = initialLocal({
      process: p.origin, dispatcher: p.spec.dispatcher, queue: "",
      pollIntervalUs: BigInt(this.world.pollIntervalUs),
      pingIntervalUs: BigInt(this.world.pingIntervalUs),
      deathIntervalUs: BigInt(this.world.deathIntervalUs),
      appendTimeoutUs: BigInt(this.world.appendTimeoutUs),
      agents: p.spec.agents.map((a) => ({ name: a.name, size: a.size,
        ...(a.filter === null ? {} : { filter: a.filter as never }) })),
      canaryReapEarly: this.world.canary === "reap-early",
    });
    this.sink.write({ t: this.scheduler.nowUs, process: p.origin, lifecycle: "started" });
    if (p.incarnation > 1) this.probe("process:restarted");
    this.deliver(p, p.incarnation, (nowUs) => ({ kind: "timer", nowUs }));
    this.scheduleRead(p, true);
  }

  crash(p: SimProcess): void {
    if (p.status === "down") return;
    p.status = "down";
    p.local = null;
    p.deferred = [];
    p.executing.clear();
    p.timerGen++;
  }

  pause(p: SimProcess): void {
    if (p.status === "up") p.status = "paused";
  }

  resume(p: SimProcess): void {
    if (p.status !== "paused") return;
    p.status = "up";
    const deferred = p.deferred;
    p.deferred = [];
    for (const input of deferred) input();
    this.scheduleRead(p);
  }

  setPartitioned(p: SimProcess, partitioned: boolean): void {
    p.partitioned = partitioned;
    if (!partitioned) this.scheduleRead(p);
  }

  private scheduleRead(p: SimProcess, force = false): void {
    if (p.readScheduled || p.status !== "up" || p.partitioned) return;
    if (!force && p.readPos >= this.entries.length) return;
    p.readScheduled = true;
    const incarnation = p.incarnation;
    this.scheduler.after(this.latencyUs(this.world.readLatencyUs), () => {
      if (p.incarnation !== incarnation) return;
      p.readScheduled = false;
      this.readNow(p);
    });
  }

  /** Hands the process every entry it has not read yet, with the state they fold to. */
  private readNow(p: SimProcess): void {
    if (p.status !== "up" || p.partitioned || p.readPos >= this.entries.length) return;
    const entries = this.entries.slice(p.readPos);
    p.readPos = this.entries.length;
    const state = this.state;
    const position = p.readPos;
    this.deliver(p, p.incarnation, (nowUs) => ({ kind: "log", nowUs, position, state,
      entries }));
  }

  /** Steps a process's machine, unless it is down (dropped) or paused (held until resumed). */
  deliver(p: SimProcess, incarnation: number, input: (nowUs: bigint) => MachineInput): void {
    if (p.incarnation !== incarnation || p.status === "down" || p.local === null) return;
    if (p.status === "paused") {
      p.deferred.push(() => this.deliver(p, incarnation, input));
      return;
    }
    const result = step(p.local, input(p.clock.readMicros(this.scheduler.nowUs)));
    p.local = result.local;
    for (const effect of result.effects) this.carryOut(p, effect);
  }

  private carryOut(p: SimProcess, effect: Effect): void {
    if (this.sink.enabled) {
      this.sink.write({ t: this.scheduler.nowUs, process: p.origin, effect });
    }
    const incarnation = p.incarnation;
    switch (effect.kind) {
      case "append":
        this.sendAppend(p, effect.token, effect.command);
        break;
      case "runJob":
        this.runJob(p, effect.job, effect.task, effect.args, effect.holder);
        break;
      case "setTimer": {
        const gen = ++p.timerGen;
        this.scheduler.after(p.clock.virtualDelayUs(Number(effect.delayUs)), () => {
          if (p.timerGen !== gen) return;
          // A poll starts by reading the log, as a worker's poll loop does.
          this.readNow(p);
          this.deliver(p, incarnation, (nowUs) => ({ kind: "timer", nowUs }));
        });
        break;
      }
      case "stopped":
        break;
    }
  }

  private runJob(
    p: SimProcess, job: string, task: string, args: readonly unknown[], holder: Holder,
  ): void {
    const incarnation = p.incarnation;
    p.executing.set(job, holder);
    const outcome = taskOutcome(task, args);
    const localUs = this.taskTimeUs.get(job) ?? this.world.workload.taskTimeMinUs;
    this.scheduler.after(p.clock.virtualDelayUs(localUs), () => {
      this.deliver(p, incarnation, (nowUs) => {
        if (p.executing.get(job) === holder) p.executing.delete(job);
        return { kind: "jobFinished", nowUs, job, attempt: holder.attempt, outcome };
      });
    });
  }

  // ---- Setup, workload, phases ---------------------------------------------------------

  setup(): void {
    let token = 1;
    for (const quota of this.world.quotas) {
      this.fold("setup", token++, { type: "quota/create", at: this.worldTime(0), queue: "",
        name: quota.name, size: quota.size });
    }
    for (const p of this.processes) {
      this.scheduler.at(p.spec.startAtUs, () => this.startProcess(p));
    }
    this.planWorkload();
  }

  private planWorkload(): void {
    const load = this.world.workload;
    const random = this.streams.workload;
    const meanGapUs = load.jobs === 0 ? 0 : load.windowUs / load.jobs;
    let atUs = 0;
    for (let i = 1; i <= load.jobs; i++) {
      atUs = Math.min(load.windowUs, atUs + (i === 1 ? 0 : random.exponentialUs(meanGapUs)));
      const id = `j${i}`;
      const failing = random.chance(load.errorRate);
      const quota = load.quotas.length > 0 && random.chance(load.quotaRate)
        ? random.pick(load.quotas) : null;
      this.taskTimeUs.set(id, Math.round(random.between(load.taskTimeMinUs,
        load.taskTimeMaxUs)));
      const command: Command = {
        type: "job/put", at: "", queue: "", job: id,
        task: failing ? "throw" : "value",
        args: failing ? [random.pick(load.errorKinds), "planned failure"] : [i],
        ...(quota === null ? {} : { quotaNames: [quota] }),
        ...(load.beginBy === undefined ? {} : { beginBy: load.beginBy }),
      };
      this.scheduler.at(atUs, () => this.put(command, i));
    }
  }

  private put(command: Command, token: number): void {
    const at = this.worldTime(this.scheduler.nowUs);
    this.outstanding.add((command as { job: string }).job);
    this.putsLeft--;
    this.fold("client", token, { ...command, at });
  }

  /**
   * The liveness phase begins: no new faults; paused, cut-off and crashed processes come back
   * and clock jumps are undone. Liveness also needs sibling skew plus the ping and poll
   * intervals to stay below the death interval, or siblings reap each other forever.
   */
  heal(): void {
    this.healed = true;
    this.scriptRates = null;
    this.sink.write({ t: this.scheduler.nowUs, fault: "healed" });
    for (const p of this.processes) {
      // Jumps are faults and heal; a standing offset or drift is configuration and stays.
      p.clock.resetJumps();
      if (p.status === "paused") this.resume(p);
      if (p.partitioned) this.setPartitioned(p, false);
      if (p.status === "down" && p.incarnation > 0) this.startProcess(p);
    }
  }

  unfinished(): string[] {
    return [...this.outstanding].sort();
  }

  scripted(): readonly ScriptedFault[] {
    return this.world.script;
  }
}

const PROBED_EVENTS = new Set(["dispatcher/deactivated", "dispatcher/reactivated",
  "job/reaped", "job/expired", "job/retried"]);

function originOf(p: SimProcess, incarnation: number): string {
  return `${p.spec.name}#${incarnation}`;
}

function taskOutcome(task: string, args: readonly unknown[]): JobOutcome {
  const outcome = runBuiltInTask(task, args as never);
  return outcome.ok ? { ok: true, value: outcome.value }
    : { ok: false, error: outcome.failure.kind, message: outcome.failure.message };
}


/** Runs a world to its verdict. Same world and seed: same verdict, same trace bytes. */
export function runWorld(world: World, options: RunOptions = {}): RunResult {
  const seed = options.seed ?? world.seed;
  const sim = new SimWorld(world, seed, options);
  sim.sink.write({ line: "run", seed, world: { ...world, seed }, queues: { "": world.queue } });
  sim.setup();
  planFaults(sim);

  const endUs = world.durationUs;
  sim.scheduler.run(endUs, () => sim.finding !== null);
  if (sim.finding === null) {
    sim.heal();
    sim.scheduler.run(endUs + world.livenessBoundUs, () => sim.stopped);
  }
  const verdict = decide(sim, seed);
  sim.sink.write({ line: "verdict", ...verdict });
  return { verdict, trace: sim.sink.text(), state: sim.state, events: sim.scheduler.executed };
}

function decide(sim: SimWorld, seed: number): Verdict {
  const probes = sim.probes();
  const base = { seed, world: sim.world.name, folded: sim.entries.length,
    simulatedUs: sim.scheduler.nowUs, digest: stateDigest(sim.state), probes,
    missingProbes: sim.world.expectProbes.filter((name) => probes[name] === undefined) };
  if (sim.finding !== null) {
    const { finding, atUs } = sim.finding;
    return { ...base, kind: "safety", violation: describe(sim, finding, atUs) };
  }
  const last = sim.entries[sim.entries.length - 1];
  const finalCheck = last === undefined ? null
    : sim.checker.checkState(last, sim.state, true);
  if (finalCheck !== null) {
    return { ...base, kind: "safety",
      violation: describe(sim, finalCheck, sim.scheduler.nowUs) };
  }
  const unfinished = sim.unfinished();
  if (unfinished.length === 0) return { ...base, kind: "pass" };
  const shown = unfinished.slice(0, 5).join(", ");
  return { ...base, kind: "liveness", violation: {
    invariant: "liveness", atUs: sim.scheduler.nowUs, time: sim.worldTime(sim.scheduler.nowUs),
    message: `${unfinished.length} job(s) not COMPLETED ${sim.world.livenessBoundUs / 1e6}s ` +
      `after the world healed: ${shown}${unfinished.length > 5 ? ", ..." : ""}`,
    commands: [] } };
}

function describe(sim: SimWorld, finding: Finding, atUs: number): Violation {
  return {
    invariant: finding.invariant, message: finding.message, atUs, time: sim.worldTime(atUs),
    commands: finding.positions.map((position) => {
      const entry = sim.entries[position]!;
      return { position, origin: entry.origin, command: entry.command };
    }),
  };
}
