// Matching a step's `expect` against its reply (scenario-format.md, "Expectations"): every
// key given must match, objects recursively; arrays match element by element, same length
// and order; keys not given are ignored. `{ "error": "naive-time" }` matches an error with
// that code. Under the keys that hold times or deadlines, two texts that name the same instant
// (or duration) match, so a script may write "16:30:00Z" where the reply says
// "16:30:00.000000Z"; task results and other user data are compared exactly.

import { parseDuration, parseTime } from "../core/index.js";

export function matchesExpectation(expected: unknown, actual: unknown): boolean {
  if (isObject(expected) && isObject(actual) && typeof expected.error === "string" &&
      isObject(actual.error)) {
    const { error, ...rest } = expected;
    return actual.error.code === error && matchesExpectation(rest, actual);
  }
  return matches(expected, actual);
}

/** Reply keys that hold times, and those that hold durations. */
const TIME_KEYS = new Set(["now", "beginAfter", "activated", "lastPing"]);
const DURATION_KEYS = new Set(["beginBy"]);

function matches(expected: unknown, actual: unknown, key = ""): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length &&
      expected.every((item, index) => matches(item, actual[index]));
  }
  if (isObject(expected)) {
    return isObject(actual) && Object.entries(expected)
      .every(([inner, value]) => inner in actual && matches(value, actual[inner], inner));
  }
  if (typeof expected === "string" && typeof actual === "string" && expected !== actual) {
    if (TIME_KEYS.has(key)) return sameInstant(expected, actual);
    if (DURATION_KEYS.has(key)) return sameDuration(expected, actual);
  }
  return expected === actual;
}

function sameInstant(a: string, b: string): boolean {
  try {
    return parseTime(a, "expected") === parseTime(b, "actual");
  } catch {
    return false;
  }
}

function sameDuration(a: string, b: string): boolean {
  try {
    return parseDuration(a, "expected") === parseDuration(b, "actual");
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
