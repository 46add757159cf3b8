// Same seed, same bytes: a world run twice with one seed writes identical traces, and other
// seeds write other traces. A trace replays to the state digest it recorded, and a trace
// whose commands were tampered with does not.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadWorld, replayText, replayTrace, runWorld } from "../../sim/index.js";
import { runWorld as runWithTrace } from "../../sim/run.js";

const busy = () => loadWorld("scenarios/worlds/quotas-one-under-crashes.json");
const lossy = () => loadWorld("scenarios/worlds/log-lost-acks.json");

describe("determinism", () => {
  test.each([1, 2, 3])("seed %i run twice gives identical trace bytes", (seed) => {
    for (const world of [busy(), lossy()]) {
      const first = runWithTrace(world, { seed, trace: true }).trace;
      const second = runWithTrace(world, { seed, trace: true }).trace;
      expect(first.length).toBeGreaterThan(1000);
      expect(second).toBe(first);
    }
  });

  test("different seeds give different traces", () => {
    const a = runWithTrace(busy(), { seed: 1, trace: true }).trace;
    const b = runWithTrace(busy(), { seed: 2, trace: true }).trace;
    expect(a).not.toBe(b);
  });

  test("the trace opens with the seed and the world it expanded to", () => {
    const trace = runWithTrace(busy(), { seed: 7, trace: true }).trace;
    const header = JSON.parse(trace.slice(0, trace.indexOf("\n")));
    expect(header).toMatchObject({ line: "run", seed: 7, world: { seed: 7,
      name: busy().name } });
  });
});

describe("replay", () => {
  test("a trace written by runWorld replays to the same digest", () => {
    const dir = mkdtempSync(join(tmpdir(), "chronoq-sim-"));
    const path = join(dir, "trace.jsonl");
    const verdict = runWorld(lossy(), { tracePath: path });
    const result = replayTrace(path);
    expect(result).toMatchObject({ ok: true, digest: verdict.digest, expected: verdict.digest,
      folded: verdict.folded, seed: verdict.seed });
  });

  test("a tampered trace is caught", () => {
    const dir = mkdtempSync(join(tmpdir(), "chronoq-sim-"));
    const path = join(dir, "trace.jsonl");
    runWorld(busy(), { tracePath: path });
    const text = readFileSync(path, "utf8");
    const tampered = text.replace(/"task":"value","args":\[1\]/, '"task":"value","args":[2]');
    expect(tampered).not.toBe(text);
    writeFileSync(path, tampered);
    const result = replayTrace(path);
    expect(result.ok).toBe(false);
    expect(result.problem).toMatch(/differs/);
    expect(replayText(text).ok).toBe(true);
  });
});
