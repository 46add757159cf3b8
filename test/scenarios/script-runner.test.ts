// The script runner and validator: the shipped scenarios pass, expectations match by the
// contract's rules, and invalid files are refused with the file, step and field named.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { matchesExpectation } from "../../scenarios/expectations.js";
import { InvalidScenario, loadScript, validateScript } from "../../scenarios/script-format.js";
import { runScript } from "../../scenarios/script-runner.js";

const SHIPPED = ["scenarios/reference", "scenarios/conformance", "scenarios/regressions"];

function shippedFiles(): string[] {
  return SHIPPED.flatMap((folder) => readdirSync(folder)
    .filter((name) => name.endsWith(".json"))
    .map((name) => join(folder, name)));
}

describe("shipped script scenarios", () => {
  it.each(shippedFiles())("%s passes every step", (file) => {
    const result = runScript(loadScript(file));
    const failures = result.steps.filter((step) => !step.ok);
    expect(failures).toEqual([]);
    expect(result.passed).toBeGreaterThan(0);
  });

  it("encodes the whole walkthrough", () => {
    const result = runScript(loadScript("scenarios/reference/queue-walkthrough.json"));
    expect(result.steps.length).toBeGreaterThan(100);
  });
});

describe("expectations", () => {
  it("ignores keys not given and matches objects recursively", () => {
    expect(matchesExpectation({ a: { b: 1 } }, { a: { b: 1, c: 2 }, d: 3 })).toBe(true);
    expect(matchesExpectation({ a: { b: 2 } }, { a: { b: 1 } })).toBe(false);
  });

  it("needs arrays of the same length and order", () => {
    expect(matchesExpectation({ xs: [1, 2] }, { xs: [1, 2] })).toBe(true);
    expect(matchesExpectation({ xs: [2, 1] }, { xs: [1, 2] })).toBe(false);
    expect(matchesExpectation({ xs: [1] }, { xs: [1, 2] })).toBe(false);
    const events = { events: [{ type: "dispatcher/activated", dispatcher: "u" }] };
    expect(matchesExpectation({ events: [{ type: "dispatcher/activated" }] }, events)).toBe(true);
  });

  it("matches an error code given as text", () => {
    const reply = { error: { code: "naive-time", message: "no offset" } };
    expect(matchesExpectation({ error: "naive-time" }, reply)).toBe(true);
    expect(matchesExpectation({ error: "unknown-job" }, reply)).toBe(false);
    expect(matchesExpectation({ error: { code: "naive-time" } }, reply)).toBe(true);
  });

  it("treats texts naming the same instant or duration as equal", () => {
    const reply = { beginAfter: "2006-08-10T16:30:00.000000Z", beginBy: "PT1H" };
    expect(matchesExpectation({ beginAfter: "2006-08-10T11:30:00-05:00" }, reply)).toBe(true);
    expect(matchesExpectation({ beginBy: "1h" }, reply)).toBe(true);
    expect(matchesExpectation({ beginBy: "2h" }, reply)).toBe(false);
  });

  it("does not let a missing key match null", () => {
    expect(matchesExpectation({ job: null }, {})).toBe(false);
    expect(matchesExpectation({ job: null }, { job: null })).toBe(true);
  });
});

describe("steps", () => {
  const start = "2006-08-10T15:44:22.000211Z";

  it("fails a step whose reply is an error when no error is expected", () => {
    const script = validateScript("t.json", { start, steps: [{ do: "job", job: "nope" }] });
    expect(runScript(script).failed).toBe(1);
  });

  it("passes a step that expects the error it gets", () => {
    const script = validateScript("t.json", {
      start,
      steps: [{ do: "put", job: "a", task: "value", beginAfter: "2006-08-10T16:00:00",
        expect: { error: "naive-time" } }],
    });
    expect(runScript(script).failed).toBe(0);
  });

  it("fails a step that expects an error but succeeds", () => {
    const script = validateScript("t.json", {
      start, steps: [{ do: "put", job: "a", task: "value", expect: { error: "naive-time" } }],
    });
    expect(runScript(script).failed).toBe(1);
  });

  it("hands out events once, filtered by prefix", () => {
    const script = validateScript("t.json", {
      start,
      steps: [
        { do: "register", dispatcher: "u" },
        { do: "put", job: "a", task: "value" },
        { do: "events", prefix: "dispatcher/",
          expect: { events: [{ type: "dispatcher/registered", dispatcher: "u" }] } },
        { do: "events", expect: { events: [] } },
      ],
    });
    expect(runScript(script).steps.map((step) => step.ok)).toEqual([true, true, true, true]);
  });

  it("rejects a naive setNow in its step, not the file", () => {
    const script = validateScript("t.json", {
      start, steps: [{ do: "setNow", to: "2006-08-10T16:00:00", expect: { error: "naive-time" } }],
    });
    expect(runScript(script).failed).toBe(0);
  });

  it("puts an unknown job by id alone as unknown-job", () => {
    const script = validateScript("t.json", {
      start, steps: [{ do: "put", job: "ghost", expect: { error: "unknown-job" } }],
    });
    expect(runScript(script).failed).toBe(0);
  });

  it("compares task results exactly, not as times or durations", () => {
    const script = validateScript("t.json", {
      start, steps: [
        { do: "put", job: "a", task: "value", args: ["1h"] },
        { do: "claim" },
        { do: "run", job: "a", expect: { result: "PT1H" } },
      ],
    });
    expect(runScript(script).steps[2]!.ok).toBe(false);
  });

  it("refuses to move the clock past the year 9999", () => {
    const script = validateScript("t.json", {
      start: "9999-12-31T23:59:59.999999Z",
      steps: [{ do: "advance", by: "1us", expect: { error: "invalid-argument" } },
        { do: "setNow", to: "2006-02-10T10:00:00+25:00", expect: { error: "invalid-argument" } }],
    });
    expect(runScript(script).failed).toBe(0);
  });

  it("starts a file without start at the Unix epoch", () => {
    const script = validateScript("t.json", {
      steps: [{ do: "put", job: "a", task: "value",
        expect: { beginAfter: "1970-01-01T00:00:00.000000Z" } }],
    });
    expect(runScript(script).failed).toBe(0);
  });

  it("rejects garbage time text in a step as invalid-argument", () => {
    const script = validateScript("t.json", {
      start, steps: [{ do: "put", job: "a", task: "value", beginAfter: "tomorrow",
        expect: { error: "invalid-argument" } }],
    });
    expect(runScript(script).failed).toBe(0);
  });

  it("applies queue options from the file", () => {
    const script = validateScript("t.json", {
      start,
      queues: { "": { defaultBeginBy: null } },
      steps: [{ do: "put", job: "a", task: "value", expect: { beginBy: null } }],
    });
    expect(runScript(script).failed).toBe(0);
  });
});

describe("validation", () => {
  const invalid = (data: unknown) => () => validateScript("bad.json", data);

  it.each([
    [{ start: "2006-08-10T15:44:22", steps: [] }, "start"],
    [{ start: "2006-08-10T15:44:22Z", steps: [{ do: "frobnicate" }] }, "steps[0].do"],
    [{ start: "2006-08-10T15:44:22Z", steps: [{ do: "remove" }] }, "steps[0].job"],
    [{ start: "2006-08-10T15:44:22Z", steps: [{ do: "advance", by: "soon" }] }, "steps[0].by"],
    [{ start: "2006-08-10T15:44:22Z" }, "steps"],
    [{ start: "2006-08-10T15:44:22Z", steps: [{ do: "start", job: "a", agent: "x" }] },
      "steps[0].dispatcher"],
    [[], "top level"],
  ])("refuses %j naming %s", (data, where) => {
    expect(invalid(data)).toThrow(InvalidScenario);
    expect(invalid(data)).toThrow(`bad.json: ${where}`);
  });
});
