// The task registry of the live adapter: a user module maps task names to async handlers. A
// job holds a task name and JSON arguments, never code. Whatever a handler does, the outcome
// is data: an unknown task, a handler that throws, or a result that is not JSON becomes a
// failure with a clear kind and message, never a crashed worker.

import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { isBuiltInTask, runBuiltInTask, type Json } from "../core/index.js";

export interface TaskContext {
  readonly job: string;
  readonly task: string;
  readonly attempt: number;
  readonly dispatcher: string;
  readonly agent: string;
}

export type TaskHandler = (args: Json[], context: TaskContext) => unknown | Promise<unknown>;

export type TaskRegistry = ReadonlyMap<string, TaskHandler>;

export type TaskOutcome =
  | { readonly ok: true; readonly value: Json }
  | { readonly ok: false; readonly error: string; readonly message: string };

export class TaskModuleError extends Error {
  override readonly name = "TaskModuleError";
}

/** Builds a registry from an object of handlers, checking that each one is a function. */
export function taskRegistry(handlers: Record<string, unknown>): TaskRegistry {
  const registry = new Map<string, TaskHandler>();
  for (const [name, handler] of Object.entries(handlers)) {
    if (typeof handler !== "function") {
      throw new TaskModuleError(`task '${name}' is not a function (got ${typeof handler})`);
    }
    if (name.startsWith("sys.")) {
      throw new TaskModuleError(`task '${name}': names starting with 'sys.' are chronoq's own`);
    }
    registry.set(name, handler as TaskHandler);
  }
  return registry;
}

/**
 * Loads a task module: its named export `tasks`, or its default export, must be an object of
 * handlers. The path is resolved from the current directory.
 */
export async function loadTaskModule(path: string): Promise<TaskRegistry> {
  const url = pathToFileURL(resolve(path)).href;
  let module: Record<string, unknown>;
  try {
    module = await import(url) as Record<string, unknown>;
  } catch (error) {
    throw new TaskModuleError(`cannot load task module '${path}': ${(error as Error).message}`);
  }
  const handlers = module.tasks ?? module.default;
  if (typeof handlers !== "object" || handlers === null) {
    throw new TaskModuleError(
      `task module '${path}' must export an object of handlers as 'tasks' or as default`);
  }
  return taskRegistry(handlers as Record<string, unknown>);
}

/** Runs a task by name; built-in tasks need no registration. Never throws. */
export async function runTask(
  registry: TaskRegistry, task: string, args: readonly Json[], context: TaskContext,
): Promise<TaskOutcome> {
  const handler = registry.get(task);
  if (handler === undefined) {
    if (isBuiltInTask(task)) return fromBuiltIn(runBuiltInTask(task, args));
    return { ok: false, error: "UnknownTaskError",
      message: `no handler is registered for task '${task}'` };
  }
  try {
    return asJsonOutcome(await handler([...args], context));
  } catch (error) {
    return failureOf(error);
  }
}

function fromBuiltIn(outcome: ReturnType<typeof runBuiltInTask>): TaskOutcome {
  return outcome.ok ? outcome
    : { ok: false, error: outcome.failure.kind, message: outcome.failure.message };
}

function asJsonOutcome(value: unknown): TaskOutcome {
  if (value === undefined) return { ok: true, value: null };
  const problem = jsonProblem(value, "result", 0);
  if (problem !== undefined) {
    return { ok: false, error: "ResultNotJsonError", message: `the handler returned ${problem}` };
  }
  return { ok: true, value: value as Json };
}

/** Why a value is not plain JSON (a Date, NaN, a class instance, a cycle...), or undefined. */
function jsonProblem(value: unknown, path: string, depth: number): string | undefined {
  if (depth > 100) return `a value nested too deeply (or a cycle) at ${path}`;
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : `a non-finite number at ${path}`;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = jsonProblem(value[i], `${path}[${i}]`, depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, inner] of Object.entries(value)) {
      const problem = jsonProblem(inner, `${path}.${key}`, depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  const kind = typeof value === "object" ? value.constructor?.name ?? "object" : typeof value;
  return `a ${kind} at ${path}, which is not JSON`;
}

function failureOf(error: unknown): TaskOutcome {
  if (error instanceof Error) {
    return { ok: false, error: error.name || "Error", message: error.message };
  }
  return { ok: false, error: "Error", message: `the handler threw ${String(error)}` };
}
