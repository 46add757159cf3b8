// The simulator's foundations: the scheduler's (time, sequence) order, independent random
// streams, drifting and jumping clocks, and the fence that keeps wall clocks and unseeded
// randomness out of sim/ and core/.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ProcessClock } from "../../sim/clock.js";
import { makeStreams, Stream } from "../../sim/random.js";
import { Scheduler } from "../../sim/scheduler.js";

describe("scheduler", () => {
  test("runs actions by virtual time, ties in the order they were scheduled", () => {
    const scheduler = new Scheduler();
    const order: string[] = [];
    scheduler.at(20, () => order.push("b"));
    scheduler.at(10, () => order.push("a"));
    scheduler.at(20, () => order.push("c"));
    scheduler.at(10, () => scheduler.after(0, () => order.push("a2")));
    scheduler.run(100, () => false);
    expect(order).toEqual(["a", "a2", "b", "c"]);
    expect(scheduler.nowUs).toBe(100);
  });

  test("stops when asked and never moves time backwards", () => {
    const scheduler = new Scheduler();
    let ran = 0;
    for (let i = 0; i < 10; i++) scheduler.at(i, () => ran++);
    scheduler.run(100, () => ran >= 3);
    expect(ran).toBe(3);
    scheduler.at(0, () => ran++);
    scheduler.run(100, () => false);
    expect(ran).toBe(11);
  });
});

describe("random streams", () => {
  test("a stream's draws depend only on the seed and its name", () => {
    const a = makeStreams(5);
    const b = makeStreams(5);
    for (let i = 0; i < 100; i++) a.faults.next();
    expect(a.workload.next()).toBe(b.workload.next());
    expect(new Stream(5, "latency").next()).not.toBe(new Stream(6, "latency").next());
  });

  test("helpers stay in range", () => {
    const stream = new Stream(1, "t");
    for (let i = 0; i < 1000; i++) {
      const n = stream.int(2, 4);
      expect(n >= 2 && n <= 4 && Number.isInteger(n)).toBe(true);
      expect(stream.exponentialUs(10)).toBeGreaterThanOrEqual(1);
    }
  });
});

describe("process clocks", () => {
  test("offset, drift and jumps shape readings; timers run at the clock's rate", () => {
    const clock = new ProcessClock(1_000_000, { offsetUs: 45e6, driftPpm: 100_000 });
    expect(clock.readUs(0)).toBe(46_000_000);
    expect(clock.readUs(10e6)).toBe(57_000_000);
    clock.jump(-30e6);
    expect(clock.readUs(10e6)).toBe(27_000_000);
    expect(clock.virtualDelayUs(11e6)).toBe(10e6);
  });
});

describe("the determinism fence", () => {
  const FORBIDDEN = [/\bDate\s*\.\s*now\b/, /\bnew\s+Date\s*\(/, /\bMath\s*\.\s*random\b/,
    /\bperformance\s*\.\s*now\b/, /\bprocess\s*\.\s*hrtime\b/, /\bsetTimeout\b/,
    /\bsetInterval\b/, /\bfor\s*\(\s*(const|let|var)\s+\w+\s+in\b/];

  test.each(["sim", "core"])("%s/ reads no wall clock and draws no unseeded randomness",
    (dir) => {
      const files = readdirSync(dir).filter((name) => name.endsWith(".ts"));
      expect(files.length).toBeGreaterThan(3);
      for (const file of files) {
        const source = readFileSync(join(dir, file), "utf8");
        for (const pattern of FORBIDDEN) {
          expect(pattern.test(source), `${dir}/${file} matches ${pattern}`).toBe(false);
        }
      }
    });

  test("the fence's patterns do catch a breach", () => {
    expect(FORBIDDEN.some((p) => p.test("const t = Date.now();"))).toBe(true);
    expect(FORBIDDEN.some((p) => p.test("for (const k in obj) {}"))).toBe(true);
  });
});
