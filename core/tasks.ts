// Built-in tasks: pure functions of their arguments, so scripts and the simulator can run a
// job to the end inside one command. The live adapter maps other task names to user handlers.
// A task "raises" by returning a failure; nothing here throws.

import type { Failure, Json } from "./types.js";

export type TaskOutcome =
  | { readonly ok: true; readonly value: Json }
  | { readonly ok: false; readonly failure: Failure };

type Task = (args: readonly Json[]) => TaskOutcome;

const ok = (value: Json): TaskOutcome => ({ ok: true, value });
const fail = (kind: string, message: string): TaskOutcome =>
  ({ ok: false, failure: { kind, message } });

function twoNumbers(name: string, apply: (a: number, b: number) => TaskOutcome): Task {
  return (args) => {
    const [a, b] = args;
    if (args.length !== 2 || typeof a !== "number" || typeof b !== "number") {
      return fail("TypeError", `${name} takes two numbers, got ${JSON.stringify(args)}`);
    }
    return apply(a, b);
  };
}

function twoIntegers(name: string, apply: (a: number, b: number) => number): Task {
  return twoNumbers(name, (a, b) => {
    if (!Number.isInteger(a) || !Number.isInteger(b)) {
      return fail("TypeError", `${name} takes two integers, got ${a} and ${b}`);
    }
    return ok(apply(a, b));
  });
}

const BUILT_IN_TASKS: ReadonlyMap<string, Task> = new Map<string, Task>([
  ["value", (args) => ok(args.length > 0 ? args[0]! : null)],
  ["add", twoNumbers("add", (a, b) => ok(a + b))],
  ["mul", twoNumbers("mul", (a, b) => ok(a * b))],
  // Python's remainder takes the sign of the divisor; the reference's tasks are Python's.
  ["mod", twoNumbers("mod", (a, b) =>
    b === 0 ? fail("ZeroDivisionError", "modulo by zero") : ok(((a % b) + b) % b))],
  ["and", twoIntegers("and", (a, b) => a & b)],
  ["or", twoIntegers("or", (a, b) => a | b)],
  ["throw", (args) => {
    const kind = typeof args[0] === "string" && args[0] !== "" ? args[0] : "Error";
    const message = typeof args[1] === "string" ? args[1] : "";
    return fail(kind, message);
  }],
]);

export function isBuiltInTask(task: string): boolean {
  return BUILT_IN_TASKS.has(task);
}

export function runBuiltInTask(task: string, args: readonly Json[]): TaskOutcome {
  const run = BUILT_IN_TASKS.get(task);
  if (run === undefined) {
    return fail("UnknownTaskError", `no built-in task named '${task}'`);
  }
  return run(args);
}

export const SYSTEM_TASKS = {
  fail: "sys.fail",
  handleInterrupt: "sys.handleInterrupt",
  resumeCallbacks: "sys.resumeCallbacks",
} as const;

export function isSystemTask(task: string): boolean {
  return task.startsWith("sys.");
}
