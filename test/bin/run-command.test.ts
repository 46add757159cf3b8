// `chronoq run` as a user calls it: the built program, its output and its exit status.

import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CLI = "dist/bin/chronoq.js";
const START = "2006-08-10T15:44:22.000211Z";

function chronoq(...args: string[]) {
  const result = spawnSync("node", [CLI, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function scenarioFile(data: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), "chronoq-")), "scenario.json");
  writeFileSync(file, typeof data === "string" ? data : JSON.stringify(data));
  return file;
}

describe("chronoq run", () => {
  it("exits 0 on the reference walkthrough", () => {
    const result = chronoq("run", "scenarios/reference/queue-walkthrough.json");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^PASS /);
  });

  it("exits 1 and shows the failed step", () => {
    const file = scenarioFile({ start: START, steps: [
      { do: "put", job: "a", task: "value" },
      { do: "claim", expect: { job: "b" } },
    ] });
    const result = chronoq("run", file);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("step 1 (claim)");
    expect(result.stdout).toContain('expected: {"job":"b"}');
    expect(result.stdout).toContain('actual:   {"job":"a","task":"value"}');
  });

  it("prints one JSON object per file with --json", () => {
    const file = scenarioFile({ name: "Tiny: one put", start: START, steps: [
      { do: "put", job: "a", task: "value", args: [1] },
    ] });
    const result = chronoq("run", "--json", file);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ scenario: "Tiny: one put", passed: 1, failed: 0 });
    expect(summary.steps).toEqual([{ index: 0, do: "put", ok: true, reply: {
      job: "a", beginAfter: START, beginBy: "PT1H", status: "PENDING" } }]);
  });

  it("exits 2 on an invalid file, naming file, step and field, and runs nothing", () => {
    const good = scenarioFile({ start: START, steps: [] });
    const bad = scenarioFile({ start: START, steps: [{ do: "put" }] });
    const result = chronoq("run", good, bad);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${bad}: steps[0].job`);
    expect(result.stdout).toBe("");
  });

  it("exits 2 on malformed JSON", () => {
    const result = chronoq("run", scenarioFile("{ not json"));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("not valid JSON");
  });

  it("exits 2 on invalid queue options, naming the field", () => {
    const file = scenarioFile({ start: START, queues: { "": { interruptPolicy: "sometimes" } },
      steps: [] });
    const result = chronoq("run", file);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('queues[""].interruptPolicy');
  });

  it("exits 2 when no file is given", () => {
    expect(chronoq("run").status).toBe(2);
  });

  it("documents itself", () => {
    const result = chronoq("run", "--help");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Exit status");
  });
});
