// `chronoq report` and `--report DIR` as a user calls them: the built program, the files it
// writes, and exit statuses that are the verdict's, never the report's.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CLI = "dist/bin/chronoq.js";

function chronoq(...args: string[]) {
  const result = spawnSync("node", [CLI, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tmp = () => mkdtempSync(join(tmpdir(), "chronoq-cli-report-"));

describe("--report DIR", () => {
  it("writes the trace and three reports next to it, and keeps sim's exit status", () => {
    const dir = tmp();
    const result = chronoq("sim", "scenarios/worlds/canary/reap-early.json", "--report", dir);
    expect(result.status).toBe(1);
    for (const suffix of [".trace.jsonl", ".report.html", ".report.md", ".report.json"]) {
      expect(existsSync(join(dir, `reap-early${suffix}`))).toBe(true);
    }
    const json = JSON.parse(readFileSync(join(dir, "reap-early.report.json"), "utf8"));
    expect(json.schema).toBe("chronoq-report/1");
    expect(json.firstViolation.invariant).toBe("reap-only-dead");
    expect(json.run.reproduce)
      .toBe("chronoq sim scenarios/worlds/canary/reap-early.json --seed 91");
  });

  it("leaves run's stdout as it was, and its trace replays", () => {
    const dir = tmp();
    const plain = chronoq("run", "scenarios/reference/queue-walkthrough.json");
    const reported = chronoq("run", "scenarios/reference/queue-walkthrough.json", "--report", dir);
    expect(reported.stdout).toBe(plain.stdout);
    expect(reported.status).toBe(0);
    const trace = join(dir, "queue-walkthrough.trace.jsonl");
    const replay = chronoq("replay", trace);
    expect(replay.status).toBe(0);
    expect(replay.stdout).toContain("matches the trace");
  });

  it("refuses --trace with several script files (exit 2)", () => {
    const result = chronoq("run", "scenarios/reference/queue-walkthrough.json",
      "scenarios/regressions/returned-job.json", "--trace", join(tmp(), "t.jsonl"));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--trace takes one scenario file");
  });
});

describe("chronoq report", () => {
  it("writes HTML, Markdown and JSON, and prints text lines with a legend", () => {
    const dir = tmp();
    const trace = join(dir, "t.jsonl");
    chronoq("sim", "scenarios/worlds/pause-declared-dead.json", "--trace", trace);
    const html = join(dir, "r.html");
    const md = join(dir, "r.md");
    const written = chronoq("report", trace, "--html", html, "--md", md, "--json",
      join(dir, "r.json"));
    expect(written.status).toBe(0);
    expect(readFileSync(html, "utf8")).toMatch(/^<!DOCTYPE html>/);
    expect(readFileSync(md, "utf8")).toMatch(/^## chronoq report: /);
    const text = chronoq("report", trace, "--text");
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^# TIME/);
    expect(text.stdout).toContain(" fault/pause ");
  });

  it("exits 2 on a trace that is not JSON lines", () => {
    const bad = join(tmp(), "bad.jsonl");
    writeFileSync(bad, "{ not json\n");
    const result = chronoq("report", bad);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("invalid trace: line 1");
  });
});
