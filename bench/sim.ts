// Simulator benchmarks (not tests): how fast a large faulty world runs, in simulated seconds
// per wall second and folded commands per second, and how many small fuzz worlds run per
// second. Run with `npm run bench:sim`; pass `--quick` for a shorter day while tuning.

import { fuzz } from "../sim/index.js";
import { runWorld } from "../sim/run.js";
import { parseWorld } from "../sim/world.js";
import { bigWorld } from "./worlds.js";

const quick = process.argv.includes("--quick");

function benchWorld(invariantEvery: number): void {
  const hours = quick ? 2 : 24;
  const jobs = quick ? Math.round(50_000 / 12) : 50_000;
  const world = parseWorld(bigWorld(hours, jobs));
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = runWorld(world, { invariantEvery });
  const wallS = (performance.now() - started) / 1000;
  const cpuS = cpuSeconds(cpuBefore);
  const verdict = result.verdict;
  const simulatedS = verdict.simulatedUs / 1e6;
  console.log(`sim: ${world.name}, invariants every ${invariantEvery} fold(s): ` +
    `${verdict.kind}; ${verdict.folded} commands folded, ${result.events} events, ` +
    `${simulatedS.toFixed(0)} simulated s in ${wallS.toFixed(2)} wall s ` +
    `(${cpuS.toFixed(2)} CPU s)`);
  console.log(`sim:   ${(simulatedS / wallS).toExponential(2)} simulated s per wall s ` +
    `(target 1e5; ${(simulatedS / cpuS).toExponential(2)} per CPU s); ` +
    `${Math.round(verdict.folded / wallS)} folded commands/s`);
}

function benchFuzz(): void {
  const seeds = quick ? 100 : 1000;
  // A first, short run warms the JIT so the figure is the steady rate.
  fuzz({ seeds: 50, seed: 99, saveDir: "fuzz-failures" });
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = fuzz({ seeds, seed: 1, saveDir: "fuzz-failures" });
  const wallS = (performance.now() - started) / 1000;
  const cpuS = cpuSeconds(cpuBefore);
  console.log(`fuzz: ${result.runs} small worlds in ${wallS.toFixed(2)} s: ` +
    `${Math.round(result.runs / wallS)} worlds/s (target 200; ` +
    `${Math.round(result.runs / cpuS)} per CPU s); ` +
    `${result.ok ? "all passed" : `failed: ${result.failure?.repro}`}`);
}

/** CPU time since `before`: other processes on a shared machine do not inflate it. */
function cpuSeconds(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

benchWorld(1000);
benchWorld(100_000);
benchFuzz();
