// The data behind each chart and lane: statistics on known inputs, a small script whose queue
// and quota we can count by hand, and a shipped world whose story (a crash, a reap by a
// sibling's ping, a restart) must show on the timeline. Same trace, same report bytes.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  modelOfText, renderHtml, renderJson, renderMarkdown, textLines,
} from "../../reports/index.js";
import { bucketise, histogram, ladderEdges, quantile, summarise } from "../../reports/stats.js";
import { linesOf, parseLines } from "../../reports/trace-read.js";
import { loadScript } from "../../scenarios/script-format.js";
import { runScript } from "../../scenarios/script-runner.js";
import { loadWorld } from "../../sim/index.js";
import { runWorld } from "../../sim/run.js";

const START = "2026-01-01T00:00:00Z";

function scriptTrace(steps: object[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "chronoq-report-")), "script.json");
  writeFileSync(file, JSON.stringify({ name: "Reports: tiny script", start: START, steps }));
  return runScript(loadScript(file), { trace: true }).trace!;
}

function worldTrace(path: string): string {
  return runWorld(loadWorld(path), { trace: true }).trace;
}

describe("statistics", () => {
  it("takes nearest-rank quantiles", () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(sorted, 0.5)).toBe(5);
    expect(quantile(sorted, 0.99)).toBe(10);
    expect(quantile([], 0.5)).toBeNull();
    expect(summarise([30, 10, 20])).toEqual({ count: 3, medianUs: 20, p99Us: 30, maxUs: 30 });
  });

  it("bins lateness on a 1-2-5 ladder, with a bin for early starts", () => {
    expect(ladderEdges(3000)).toEqual([0, 1000, 2000, 5000]);
    const bins = histogram([-5, 1500, 1700, 4000, 12_000]);
    expect(bins[0]).toEqual({ fromUs: null, toUs: 0, count: 1 });
    expect(bins.slice(1).map((b) => [b.fromUs, b.count])).toEqual(
      [[1000, 2], [2000, 1], [5000, 0], [10000, 1]]);
  });

  it("keeps each bucket's min, max and last value", () => {
    const buckets = bucketise([{ t: 0, v: 1 }, { t: 5, v: 4 }, { t: 6, v: 2 }, { t: 25, v: 0 }],
      30, 3);
    expect(buckets).toEqual([
      { fromUs: 0, min: 0, max: 4, last: 2 },
      { fromUs: 10, min: 2, max: 2, last: 2 },
      { fromUs: 20, min: 0, max: 2, last: 0 },
    ]);
  });
});

describe("a script's report", () => {
  const steps = [
    { do: "createQuota", name: "db", size: 1 },
    { do: "put", job: "a", task: "value", args: [1], quotaNames: ["db"] },
    { do: "put", job: "b", task: "value", args: [2] },
    { do: "register", dispatcher: "d1" },
    { do: "activate", dispatcher: "d1" },
    { do: "addAgent", dispatcher: "d1", agent: "main", size: 2 },
    { do: "advance", by: "3s" },
    { do: "agentClaim", dispatcher: "d1", agent: "main", expect: { job: "a" } },
    { do: "agentClaim", dispatcher: "d1", agent: "main", expect: { job: "b" } },
    { do: "advance", by: "2s" },
    { do: "start", job: "a", dispatcher: "d1", agent: "main" },
    { do: "advance", by: "1s" },
    { do: "finish", job: "a", dispatcher: "d1", agent: "main", result: 1 },
  ];

  it("counts the queue and the quota from the folded state", () => {
    const model = modelOfText(scriptTrace(steps));
    expect(model.run.kind).toBe("script");
    expect(model.verdict.kind).toBe("pass");
    const last = (buckets: readonly { last: number }[]) => buckets[buckets.length - 1]!.last;
    expect(Math.max(...model.queueLength.map((b) => b.max))).toBe(2);
    expect(last(model.queueLength)).toBe(0);
    const quota = model.quotas.find((q) => q.name === "db")!;
    expect(quota.size).toBe(1);
    expect(Math.max(...quota.buckets.map((b) => b.max))).toBe(1);
    expect(last(quota.buckets)).toBe(0);
  });

  it("draws a lane per dispatcher and agent, a bar per attempt, rows for overlaps", () => {
    const { timeline } = modelOfText(scriptTrace(steps));
    expect(timeline.lanes.map((l) => l.id)).toEqual(["d1", "d1/main"]);
    const bars = timeline.bars.map((b) => [b.job, b.outcome, b.slot, b.claimedUs, b.endUs]);
    expect(bars).toEqual([["a", "succeeded", 0, 3e6, 6e6], ["b", "open", 1, 3e6, null]]);
    expect(timeline.lanes[1]!.slots).toBe(2);
  });

  it("measures lateness of the first start and sorts jobs by outcome", () => {
    const model = modelOfText(scriptTrace(steps));
    expect(model.lateness.summary).toEqual({ count: 1, medianUs: 5e6, p99Us: 5e6, maxUs: 5e6 });
    expect(model.outcomes.byOutcome).toEqual({ succeeded: 1, failed: 0, expired: 0,
      unfinished: 1 });
    expect(model.outcomes.unfinished).toEqual(["b"]);
  });

  it("expands the first failed step as the first violation", () => {
    const failing = [...steps.slice(0, 7),
      { do: "agentClaim", dispatcher: "d1", agent: "main", expect: { job: "zzz" } }];
    const model = modelOfText(scriptTrace(failing));
    expect(model.verdict.kind).toBe("fail");
    const violation = model.firstViolation!;
    expect(violation.invariant).toBe("step-expectations");
    expect(violation.message).toContain("step 7 (agent/claim)");
    expect(Object.keys(violation.jobs)).toEqual(["a"]);
    expect(model.checks[0]!.status).toBe("violated");
  });
});

describe("a shipped world's report", () => {
  const trace = worldTrace("scenarios/worlds/reaper-killed-mid-job.json");
  const model = modelOfText(trace, { reproduce: "chronoq sim reaper.json --seed 11" });

  it("has a process lane and an agent lane per process", () => {
    expect(model.timeline.lanes.map((l) => `${l.kind}:${l.id}`)).toEqual(["process:p1",
      "agent:p1/main", "process:p2", "agent:p2/main", "process:p3", "agent:p3/main"]);
  });

  it("shows the crash until the restart, and the reap from reaper to reaped", () => {
    const { faults, reaps, restarts, lanes } = model.timeline;
    const crash = faults.find((f) => f.kind === "crash")!;
    expect(lanes[crash.lane!]!.id).toBe("p1");
    expect([crash.t, crash.untilUs]).toEqual([90e6, 210e6]);
    expect(restarts.map((r) => r.process)).toEqual(["p1#2"]);
    const byPing = reaps.filter((r) => r.byPing);
    expect(byPing).toHaveLength(1);
    expect(lanes[byPing[0]!.to]!.id).toBe("p1");
    expect(lanes[byPing[0]!.from]!.id).not.toBe("p1");
    expect(byPing[0]!.jobs).toHaveLength(3);
    expect(model.timeline.bars.filter((b) => b.outcome === "reaped")).toHaveLength(3);
  });

  it("has pings on process lanes only, and every job put accounted for", () => {
    model.timeline.lanes.forEach((lane, i) => {
      if (lane.kind === "agent") expect(model.timeline.pings[i]).toEqual([]);
      else expect(model.timeline.pings[i]!.length).toBeGreaterThan(0);
    });
    const { byOutcome, jobs } = model.outcomes;
    expect(byOutcome.succeeded + byOutcome.failed + byOutcome.expired + byOutcome.unfinished)
      .toBe(jobs);
    expect(model.checks.every((c) => c.status === "held")).toBe(true);
  });

  it("gives the same bytes for the same trace, in every form", () => {
    const again = modelOfText(trace, { reproduce: "chronoq sim reaper.json --seed 11" });
    expect(renderHtml(again)).toBe(renderHtml(model));
    expect(renderMarkdown(again)).toBe(renderMarkdown(model));
    expect(renderJson(again)).toBe(renderJson(model));
    expect(worldTrace("scenarios/worlds/reaper-killed-mid-job.json")).toBe(trace);
  });

  it("puts the reproduction line at the top of every form", () => {
    expect(renderMarkdown(model)).toContain("`chronoq sim reaper.json --seed 11`");
    expect(renderHtml(model)).toContain('<code id="reproduce">chronoq sim reaper.json');
    expect(JSON.parse(renderJson(model)).run.reproduce).toBe("chronoq sim reaper.json --seed 11");
  });
});

describe("a violation's report", () => {
  const model = modelOfText(worldTrace("scenarios/worlds/canary/reap-early.json"));

  it("expands the first violation with the commands around it", () => {
    const violation = model.firstViolation!;
    expect(violation.invariant).toBe("reap-only-dead");
    const involved = violation.context.filter((s) => "pos" in s &&
      violation.positions.includes(s.pos));
    expect(involved).toHaveLength(1);
    expect(violation.context.length).toBeGreaterThan(1);
    expect(model.checks.find((c) => c.name === "reap-only-dead")!.status).toBe("violated");
    expect(model.checks.find((c) => c.name === "liveness")!.status).toBe("not reached");
    expect(renderHtml(model)).toContain('<details open id="first-violation">');
  });
});

describe("the text form", () => {
  it("prints a legend, then one line per event: time, process, event, pairs", () => {
    const trace = worldTrace("scenarios/worlds/reaper-killed-mid-job.json");
    const lines = [...textLines(parseLines(linesOf(trace)))];
    expect(lines[0]).toMatch(/^# TIME/);
    expect(lines).toContain("+0:01:30.000000 p1#1 fault/crash forUs=120000000 byUs=0");
    const claimed = lines.find((l) => l.includes(" job/claimed "))!;
    expect(claimed).toMatch(/^\+\d+:\d\d:\d\d\.\d{6} p\d#1 job\/claimed job=j\d+ task=value /);
    expect(lines[lines.length - 1]).toMatch(/^# verdict kind=pass/);
  });
});

describe("the JSON form", () => {
  it("has exactly the top-level fields its schema requires", async () => {
    const schema = JSON.parse((await import("node:fs")).readFileSync(
      "reports/report-schema.json", "utf8"));
    const model = modelOfText(worldTrace("scenarios/worlds/reaper-killed-mid-job.json"));
    const report = JSON.parse(renderJson(model));
    expect(Object.keys(report).sort()).toEqual([...schema.required].sort());
    expect(Object.keys(report.run).sort()).toEqual(
      [...schema.properties.run.required].sort());
  });
});
