// World scenarios: the data file that describes one simulated world (processes, agents,
// quotas, workload, latency, fault plan, intervals, duration, seed), its validation with
// errors that name the field, and its expansion into microseconds for the runner.
// The format is documented in docs/worlds.md; running a world is run.ts's business.

import { parseDuration, parseTime } from "../core/index.js";

/** A world file is invalid: `field` is a path such as `processes[1].agents[0].size`. */
export class WorldError extends Error {
  constructor(readonly field: string, readonly problem: string) {
    super(`${field}: ${problem}`);
    this.name = "WorldError";
  }
}

export const FAULT_KINDS = ["crash", "pause", "clockJump", "partition", "appendFaults"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface AgentSpec {
  readonly name: string;
  readonly size: number;
  readonly filter: unknown;
}

export interface ProcessSpec {
  readonly name: string;
  readonly dispatcher: string;
  readonly startAtUs: number;
  readonly offsetUs: number;
  readonly driftPpm: number;
  readonly agents: readonly AgentSpec[];
}

export interface ScriptedFault {
  readonly atUs: number;
  readonly kind: FaultKind;
  /** Omitted for appendFaults (all processes) and, for the others, means every process. */
  readonly process: string | null;
  readonly forUs: number;
  readonly byUs: number;
  readonly slowAppend: number;
  readonly failedAppend: number;
  readonly lostAck: number;
}

export interface RandomFaults {
  /** Mean time between faults of each kind, in microseconds; 0 switches the site off. */
  readonly crashEveryUs: number;
  readonly pauseEveryUs: number;
  readonly clockJumpEveryUs: number;
  readonly partitionEveryUs: number;
  /** Probabilities per append. */
  readonly slowAppend: number;
  readonly failedAppend: number;
  readonly lostAck: number;
}

export interface Workload {
  readonly jobs: number;
  readonly windowUs: number;
  readonly taskTimeMinUs: number;
  readonly taskTimeMaxUs: number;
  readonly errorRate: number;
  /** Error kinds failing tasks raise; ConflictError is one the core retries. */
  readonly errorKinds: readonly string[];
  readonly quotas: readonly string[];
  readonly quotaRate: number;
  /** Deadline of each job as a duration text, null for none, undefined for the default. */
  readonly beginBy: string | null | undefined;
}

export interface World {
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  readonly start: string;
  readonly startUs: number;
  readonly durationUs: number;
  readonly livenessBoundUs: number;
  readonly queue: { readonly defaultBeginBy?: string | null; readonly interruptPolicy?: string };
  readonly pollIntervalUs: number;
  readonly pingIntervalUs: number;
  readonly deathIntervalUs: number;
  readonly appendTimeoutUs: number;
  readonly quotas: readonly { readonly name: string; readonly size: number }[];
  readonly processes: readonly ProcessSpec[];
  readonly workload: Workload;
  readonly appendLatencyUs: readonly [number, number];
  readonly readLatencyUs: readonly [number, number];
  readonly randomFaults: RandomFaults;
  readonly script: readonly ScriptedFault[];
  readonly canary: "reap-early" | null;
  /** Probes the story must fire (see run.ts), such as "rejected:reassigned". */
  readonly expectProbes: readonly string[];
}

type Obj = { readonly [key: string]: unknown };

function object(value: unknown, field: string): Obj {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new WorldError(field, "expected an object");
  }
  return value as Obj;
}

function list(value: unknown, field: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new WorldError(field, "expected a list");
  return value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") {
    throw new WorldError(field, "expected a non-empty string");
  }
  return value;
}

function integer(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new WorldError(field, `expected a whole number from ${min} to ${max}`);
  }
  return value;
}

function ratio(value: unknown, field: string): number {
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
    throw new WorldError(field, "expected a probability from 0 to 1");
  }
  return value;
}

/** A duration text ("30s", "PT1M", "-45s" when negative is allowed) in microseconds. */
function duration(value: unknown, field: string, allowNegative = false): number {
  let micros: bigint;
  try {
    micros = parseDuration(value, field);
  } catch {
    throw new WorldError(field, `expected a duration such as "30s" or "PT1M", got ` +
      JSON.stringify(value));
  }
  if (micros < 0n && !allowNegative) throw new WorldError(field, "must not be negative");
  return Number(micros);
}

function optional<T>(obj: Obj, key: string, fallback: T, parse: (v: unknown) => T): T {
  return obj[key] === undefined ? fallback : parse(obj[key]);
}

function checkKeys(obj: Obj, field: string, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      const where = field === "" ? key : `${field}.${key}`;
      throw new WorldError(where, `unknown field (expected one of ${allowed.join(", ")})`);
    }
  }
}

const TOP_KEYS = ["name", "description", "seed", "start", "duration", "livenessBound", "queue",
  "intervals", "quotas", "processes", "workload", "latency", "faults", "canary", "expectProbes"];

/** Validates a parsed world file; throws a WorldError naming the first bad field. */
export function parseWorld(input: unknown): World {
  const root = object(input, "(world)");
  checkKeys(root, "", TOP_KEYS);
  const intervals = object(root.intervals ?? {}, "intervals");
  checkKeys(intervals, "intervals", ["poll", "ping", "death", "appendTimeout"]);
  const pingIntervalUs = optional(intervals, "ping", 30e6, (v) => positive(v, "intervals.ping"));
  const deathIntervalUs = optional(intervals, "death", 60e6,
    (v) => positive(v, "intervals.death"));
  const durationUs = positive(root.duration ?? "10m", "duration");
  const quotas = parseQuotas(root.quotas);
  const processes = parseProcesses(root.processes);

  const world: World = {
    name: text(root.name, "name"),
    description: optional(root, "description", "", (v) => text(v, "description")),
    seed: optional(root, "seed", 1, (v) => integer(v, "seed", 0, 2 ** 31 - 1)),
    start: optional(root, "start", "2026-01-01T00:00:00Z", (v) => startText(v)),
    startUs: 0,
    durationUs,
    livenessBoundUs: optional(root, "livenessBound", 10 * 60e6,
      (v) => positive(v, "livenessBound")),
    queue: parseQueue(root.queue),
    pollIntervalUs: optional(intervals, "poll", 5e6, (v) => positive(v, "intervals.poll")),
    pingIntervalUs,
    deathIntervalUs,
    appendTimeoutUs: optional(intervals, "appendTimeout", 10e6,
      (v) => positive(v, "intervals.appendTimeout")),
    quotas,
    processes,
    workload: parseWorkload(root.workload, quotas, durationUs),
    ...parseLatency(root.latency),
    ...parseFaults(root.faults, processes),
    canary: optional(root, "canary", null, (v) => {
      if (v !== "reap-early") throw new WorldError("canary", `expected "reap-early"`);
      return "reap-early" as const;
    }),
    expectProbes: list(root.expectProbes ?? [], "expectProbes")
      .map((probe, i) => text(probe, `expectProbes[${i}]`)),
  };
  return { ...world, startUs: Number(parseTime(world.start, "start")) };
}

function positive(value: unknown, field: string): number {
  const micros = duration(value, field);
  if (micros <= 0) throw new WorldError(field, "must be longer than zero");
  return micros;
}

function startText(value: unknown): string {
  const start = text(value, "start");
  try {
    parseTime(start, "start");
  } catch {
    throw new WorldError("start", "expected an ISO 8601 time with an offset, such as " +
      "\"2026-01-01T00:00:00Z\"");
  }
  return start;
}

function parseQueue(value: unknown): World["queue"] {
  if (value === undefined) return {};
  const queue = object(value, "queue");
  checkKeys(queue, "queue", ["defaultBeginBy", "interruptPolicy"]);
  const out: { defaultBeginBy?: string | null; interruptPolicy?: string } = {};
  if (queue.defaultBeginBy !== undefined) {
    out.defaultBeginBy = queue.defaultBeginBy === null ? null
      : text(queue.defaultBeginBy, "queue.defaultBeginBy");
    if (out.defaultBeginBy !== null) duration(out.defaultBeginBy, "queue.defaultBeginBy");
  }
  if (queue.interruptPolicy !== undefined) {
    const policy = text(queue.interruptPolicy, "queue.interruptPolicy");
    if (!["fail", "commonFourTimes", "commonForever", "never"].includes(policy)) {
      throw new WorldError("queue.interruptPolicy",
        "expected fail, commonFourTimes, commonForever or never");
    }
    out.interruptPolicy = policy;
  }
  return out;
}

function parseQuotas(value: unknown): World["quotas"] {
  return list(value ?? [], "quotas").map((item, i) => {
    const quota = object(item, `quotas[${i}]`);
    checkKeys(quota, `quotas[${i}]`, ["name", "size"]);
    return { name: text(quota.name, `quotas[${i}].name`),
      size: integer(quota.size ?? 1, `quotas[${i}].size`, 0, 1000) };
  });
}

function parseProcesses(value: unknown): ProcessSpec[] {
  const items = list(value, "processes");
  if (items.length === 0) throw new WorldError("processes", "expected at least one process");
  const names = new Set<string>();
  return items.map((item, i) => {
    const field = `processes[${i}]`;
    const proc = object(item, field);
    checkKeys(proc, field, ["name", "dispatcher", "startAt", "clock", "agents"]);
    const name = text(proc.name, `${field}.name`);
    if (names.has(name)) throw new WorldError(`${field}.name`, `duplicate process '${name}'`);
    names.add(name);
    const clock = object(proc.clock ?? {}, `${field}.clock`);
    checkKeys(clock, `${field}.clock`, ["offset", "driftPpm"]);
    return {
      name,
      dispatcher: optional(proc, "dispatcher", name, (v) => text(v, `${field}.dispatcher`)),
      startAtUs: optional(proc, "startAt", 0, (v) => duration(v, `${field}.startAt`)),
      offsetUs: optional(clock, "offset", 0, (v) => duration(v, `${field}.clock.offset`, true)),
      driftPpm: optional(clock, "driftPpm", 0,
        (v) => integer(v, `${field}.clock.driftPpm`, -100_000, 100_000)),
      agents: parseAgents(proc.agents ?? [{ name: "main" }], `${field}.agents`),
    };
  });
}

function parseAgents(value: unknown, field: string): AgentSpec[] {
  return list(value, field).map((item, i) => {
    const agent = object(item, `${field}[${i}]`);
    checkKeys(agent, `${field}[${i}]`, ["name", "size", "filter"]);
    return { name: text(agent.name, `${field}[${i}].name`),
      size: integer(agent.size ?? 3, `${field}[${i}].size`, 1, 1000),
      filter: agent.filter ?? null };
  });
}

function parseWorkload(value: unknown, quotas: World["quotas"], durationUs: number): Workload {
  const load = object(value ?? {}, "workload");
  checkKeys(load, "workload", ["jobs", "window", "taskTime", "errorRate", "errorKinds", "quotas",
    "quotaRate", "beginBy"]);
  const errorKinds = list(load.errorKinds ?? ["ValueError"], "workload.errorKinds")
    .map((kind, i) => text(kind, `workload.errorKinds[${i}]`));
  if (errorKinds.length === 0) throw new WorldError("workload.errorKinds", "expected a kind");
  const taskTime = list(load.taskTime ?? ["1s", "10s"], "workload.taskTime");
  if (taskTime.length !== 2) throw new WorldError("workload.taskTime", "expected [min, max]");
  const names = list(load.quotas ?? quotas.map((q) => q.name), "workload.quotas")
    .map((n, i) => text(n, `workload.quotas[${i}]`));
  for (const [i, n] of names.entries()) {
    if (!quotas.some((q) => q.name === n)) {
      throw new WorldError(`workload.quotas[${i}]`, `no quota named '${n}' in quotas`);
    }
  }
  let beginBy: string | null | undefined;
  if (load.beginBy === null) beginBy = null;
  else if (load.beginBy !== undefined) {
    beginBy = text(load.beginBy, "workload.beginBy");
    duration(beginBy, "workload.beginBy");
  }
  return {
    jobs: integer(load.jobs ?? 10, "workload.jobs", 0, 10_000_000),
    windowUs: optional(load, "window", Math.floor(durationUs / 2),
      (v) => duration(v, "workload.window")),
    taskTimeMinUs: duration(taskTime[0], "workload.taskTime[0]"),
    taskTimeMaxUs: duration(taskTime[1], "workload.taskTime[1]"),
    errorRate: optional(load, "errorRate", 0, (v) => ratio(v, "workload.errorRate")),
    errorKinds,
    quotas: names,
    quotaRate: optional(load, "quotaRate", names.length > 0 ? 0.5 : 0,
      (v) => ratio(v, "workload.quotaRate")),
    beginBy,
  };
}

function range(value: unknown, field: string, fallback: [string, string]): [number, number] {
  const pair = list(value ?? fallback, field);
  if (pair.length !== 2) throw new WorldError(field, "expected [min, max]");
  const min = duration(pair[0], `${field}[0]`);
  const max = duration(pair[1], `${field}[1]`);
  if (max < min) throw new WorldError(field, "max is smaller than min");
  return [Math.max(1, min), Math.max(1, max)];
}

function parseLatency(value: unknown) {
  const latency = object(value ?? {}, "latency");
  checkKeys(latency, "latency", ["append", "read"]);
  return {
    appendLatencyUs: range(latency.append, "latency.append", ["1ms", "20ms"]),
    readLatencyUs: range(latency.read, "latency.read", ["1ms", "20ms"]),
  };
}

const RANDOM_KEYS = ["crash", "pause", "clockJump", "partition", "slowAppend", "failedAppend",
  "lostAck"];

function parseFaults(value: unknown, processes: readonly ProcessSpec[]) {
  const faults = object(value ?? {}, "faults");
  checkKeys(faults, "faults", ["random", "script"]);
  const random = object(faults.random ?? {}, "faults.random");
  checkKeys(random, "faults.random", RANDOM_KEYS);
  const every = (key: string) => optional(random, key, 0,
    (v) => positive(v, `faults.random.${key}`));
  const randomFaults: RandomFaults = {
    crashEveryUs: every("crash"),
    pauseEveryUs: every("pause"),
    clockJumpEveryUs: every("clockJump"),
    partitionEveryUs: every("partition"),
    slowAppend: optional(random, "slowAppend", 0, (v) => ratio(v, "faults.random.slowAppend")),
    failedAppend: optional(random, "failedAppend", 0,
      (v) => ratio(v, "faults.random.failedAppend")),
    lostAck: optional(random, "lostAck", 0, (v) => ratio(v, "faults.random.lostAck")),
  };
  const script = list(faults.script ?? [], "faults.script")
    .map((item, i) => parseScripted(item, `faults.script[${i}]`, processes));
  return { randomFaults, script };
}

function parseScripted(
  item: unknown, field: string, processes: readonly ProcessSpec[],
): ScriptedFault {
  const fault = object(item, field);
  checkKeys(fault, field, ["at", "kind", "process", "for", "by", "slowAppend", "failedAppend",
    "lostAck"]);
  const kind = text(fault.kind, `${field}.kind`) as FaultKind;
  if (!FAULT_KINDS.includes(kind)) {
    throw new WorldError(`${field}.kind`, `expected one of ${FAULT_KINDS.join(", ")}`);
  }
  const process = fault.process === undefined ? null : text(fault.process, `${field}.process`);
  if (process !== null && !processes.some((p) => p.name === process)) {
    throw new WorldError(`${field}.process`, `no process named '${process}'`);
  }
  if (kind === "clockJump" && fault.by === undefined) {
    throw new WorldError(`${field}.by`, "a clockJump needs 'by' (a duration, may be negative)");
  }
  return {
    atUs: duration(fault.at, `${field}.at`),
    kind,
    process,
    forUs: optional(fault, "for", 0, (v) => duration(v, `${field}.for`)),
    byUs: optional(fault, "by", 0, (v) => duration(v, `${field}.by`, true)),
    slowAppend: optional(fault, "slowAppend", 0, (v) => ratio(v, `${field}.slowAppend`)),
    failedAppend: optional(fault, "failedAppend", 0, (v) => ratio(v, `${field}.failedAppend`)),
    lostAck: optional(fault, "lostAck", 0, (v) => ratio(v, `${field}.lostAck`)),
  };
}

/** Reads and validates a world from JSON text; `source` names the file in errors. */
export function parseWorldText(textValue: string, source = "(world)"): World {
  let json: unknown;
  try {
    json = JSON.parse(textValue);
  } catch (error) {
    throw new WorldError(source, `malformed JSON: ${(error as Error).message}`);
  }
  return parseWorld(json);
}
