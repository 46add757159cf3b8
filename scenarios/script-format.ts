// Loads and validates script scenario files (../shared/scenario-format.md). A file is checked
// whole before any step runs: malformed JSON, an unknown operation, a missing argument or a
// start time without an offset makes it invalid, and the message names the file, the step
// index and the field. Values the core judges (a naive time inside a step, a string where
// quota names belong, a negative deadline) are left for the core, so they fail one step.

import { readFileSync } from "node:fs";
import { isDurationText, parseQueueOptions, parseTime, Rejection } from "../core/index.js";

export interface ScriptStep {
  readonly do: string;
  readonly queue?: string;
  readonly expect?: unknown;
  readonly note?: string;
  readonly [argument: string]: unknown;
}

export interface Script {
  readonly file: string;
  readonly name: string;
  readonly description?: string;
  readonly start: string;
  readonly queues?: { readonly [name: string]: Record<string, unknown> };
  readonly steps: readonly ScriptStep[];
}

export class InvalidScenario extends Error {
  constructor(readonly file: string, readonly where: string, problem: string) {
    super(`${file}: ${where}: ${problem}`);
    this.name = "InvalidScenario";
  }
}

/** Required arguments of each operation; optional ones are not listed. */
export const OPERATIONS: { readonly [op: string]: readonly string[] } = {
  setNow: ["to"],
  advance: ["by"],
  put: ["job"],
  pull: [],
  remove: ["job"],
  claim: [],
  list: [],
  job: ["job"],
  setQuotaNames: ["job", "quotaNames"],
  setBeginBy: ["job", "beginBy"],
  createQuota: ["name"],
  setQuotaSize: ["name", "size"],
  removeQuota: ["name"],
  quota: ["name"],
  register: ["dispatcher"],
  unregister: ["dispatcher"],
  activate: ["dispatcher"],
  deactivate: ["dispatcher"],
  ping: ["dispatcher"],
  dispatcher: ["dispatcher"],
  addAgent: ["dispatcher", "agent"],
  removeAgent: ["dispatcher", "agent"],
  agentClaim: ["dispatcher", "agent"],
  agent: ["dispatcher", "agent"],
  start: ["job"],
  finish: ["job"],
  run: ["job"],
  fail: ["job"],
  addCallback: ["job", "callback", "task"],
  events: [],
};

/** Operations that may name who acts (`dispatcher` and `agent` together). */
const HOLDER_OPERATIONS = new Set(["start", "finish", "run", "fail"]);

/** When a file gives no start, the clock starts at the Unix epoch. */
export const DEFAULT_START = "1970-01-01T00:00:00.000000Z";

export function loadScript(file: string): Script {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new InvalidScenario(file, "file", `cannot be read (${(error as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InvalidScenario(file, "file", `is not valid JSON (${(error as Error).message})`);
  }
  return validateScript(file, data);
}

export function validateScript(file: string, data: unknown): Script {
  if (!isRecord(data)) throw new InvalidScenario(file, "top level", "must be a JSON object");
  const name = optionalString(file, "name", data.name) ?? file;
  optionalString(file, "description", data.description);
  const start = optionalString(file, "start", data.start) ?? DEFAULT_START;
  checkStart(file, start);
  checkQueues(file, data.queues);

  if (!Array.isArray(data.steps)) {
    throw new InvalidScenario(file, "steps", "must be a list of steps");
  }
  data.steps.forEach((step, index) => checkStep(file, index, step));
  return { ...(data as object), file, name, start, steps: data.steps } as Script;
}

function checkStart(file: string, start: string): void {
  try {
    parseTime(start, "start");
  } catch (error) {
    const problem = error instanceof Rejection && error.code === "naive-time"
      ? `'${start}' has no UTC offset (add Z or +HH:MM)`
      : `'${start}' is not an ISO 8601 time with an offset`;
    throw new InvalidScenario(file, "start", problem);
  }
}

function checkQueues(file: string, queues: unknown): void {
  if (queues === undefined) return;
  if (!isRecord(queues)) throw new InvalidScenario(file, "queues", "must be an object");
  for (const [name, options] of Object.entries(queues)) {
    const where = `queues["${name}"]`;
    if (!isRecord(options)) throw new InvalidScenario(file, where, "must be an object");
    const beginBy = options.defaultBeginBy;
    if (beginBy !== undefined && beginBy !== null &&
        (typeof beginBy !== "string" || !isDurationText(beginBy))) {
      throw new InvalidScenario(file, `${where}.defaultBeginBy`,
        `expected a duration such as "1h" or null, got ${JSON.stringify(beginBy)}`);
    }
    for (const key of Object.keys(options)) {
      if (key !== "defaultBeginBy" && key !== "interruptPolicy") {
        throw new InvalidScenario(file, `${where}.${key}`,
          "unknown queue option (defaultBeginBy or interruptPolicy)");
      }
    }
    try {
      parseQueueOptions(options);
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      const field = error.message.startsWith("interruptPolicy") ? "interruptPolicy"
        : "defaultBeginBy";
      throw new InvalidScenario(file, `${where}.${field}`, error.message);
    }
  }
}

function checkStep(file: string, index: number, step: unknown): void {
  const where = `steps[${index}]`;
  if (!isRecord(step)) throw new InvalidScenario(file, where, "must be an object");
  if (typeof step.do !== "string") {
    throw new InvalidScenario(file, `${where}.do`, "is missing (name the operation)");
  }
  const required = OPERATIONS[step.do];
  if (required === undefined) {
    throw new InvalidScenario(file, `${where}.do`, `unknown operation '${step.do}'`);
  }
  for (const field of required) {
    if (!(field in step)) {
      throw new InvalidScenario(file, `${where}.${field}`,
        `is required by '${step.do}' and missing`);
    }
  }
  if (step.queue !== undefined && typeof step.queue !== "string") {
    throw new InvalidScenario(file, `${where}.queue`, "must be a queue name string");
  }
  if (step.note !== undefined && typeof step.note !== "string") {
    throw new InvalidScenario(file, `${where}.note`, "must be a string");
  }
  if (step.expect !== undefined && !isRecord(step.expect)) {
    throw new InvalidScenario(file, `${where}.expect`, "must be an object");
  }
  if (step.do === "advance" && (typeof step.by !== "string" || !isDurationText(step.by))) {
    throw new InvalidScenario(file, `${where}.by`,
      `expected a duration such as "30s" or "PT1H", got ${JSON.stringify(step.by)}`);
  }
  if (HOLDER_OPERATIONS.has(step.do) && ("dispatcher" in step) !== ("agent" in step)) {
    throw new InvalidScenario(file, `${where}.${"agent" in step ? "dispatcher" : "agent"}`,
      "a holder needs both dispatcher and agent");
  }
}

function optionalString(file: string, field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new InvalidScenario(file, field, "must be a string");
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
