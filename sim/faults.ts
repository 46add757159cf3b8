// The fault plan of a run: scripted faults from the world file at their stated times, and
// random faults at named sites (crash, pause, clock jump, partition; append faults are drawn
// per append in run.ts), each site switched on only when the world gives it a mean interval.
// Nothing new starts once the world has healed for its liveness phase.

import type { SimWorld } from "./run.js";
import type { ScriptedFault } from "./world.js";

type ProcessFault = "crash" | "pause" | "clockJump" | "partition";

export function planFaults(sim: SimWorld): void {
  for (const fault of sim.scripted()) {
    sim.scheduler.at(fault.atUs, () => applyScripted(sim, fault));
  }
  const random = sim.world.randomFaults;
  const sites: [ProcessFault, number][] = [["crash", random.crashEveryUs],
    ["pause", random.pauseEveryUs], ["clockJump", random.clockJumpEveryUs],
    ["partition", random.partitionEveryUs]];
  for (const [site, everyUs] of sites) {
    if (everyUs > 0) scheduleRandom(sim, site, everyUs);
  }
}

function scheduleRandom(sim: SimWorld, site: ProcessFault, everyUs: number): void {
  const atUs = sim.scheduler.nowUs + sim.streams.faults.exponentialUs(everyUs);
  if (atUs >= sim.world.durationUs) return;
  sim.scheduler.at(atUs, () => {
    if (sim.healed) return;
    const faults = sim.streams.faults;
    const p = faults.pick(sim.processes);
    const deathUs = sim.world.deathIntervalUs;
    const forUs = Math.round(faults.between(1e6, 3 * deathUs));
    const byUs = Math.round(faults.between(1e6, 2 * deathUs)) * (faults.chance(0.5) ? 1 : -1);
    applyToProcess(sim, site, p.spec.name, forUs, byUs);
    scheduleRandom(sim, site, everyUs);
  });
}

function applyScripted(sim: SimWorld, fault: ScriptedFault): void {
  if (sim.healed) return;
  if (fault.kind === "appendFaults") {
    sim.scriptRates = { slowAppend: fault.slowAppend, failedAppend: fault.failedAppend,
      lostAck: fault.lostAck };
    sim.sink.write({ t: sim.scheduler.nowUs, fault: "appendFaults", ...sim.scriptRates });
    sim.probe("fault:appendFaults");
    sim.scheduler.after(Math.max(1, fault.forUs), () => {
      sim.scriptRates = null;
    });
    return;
  }
  const names = fault.process === null ? sim.processes.map((p) => p.spec.name)
    : [fault.process];
  for (const name of names) applyToProcess(sim, fault.kind, name, fault.forUs, fault.byUs);
}

/** Applies one fault to one process; `forUs` is how long it lasts (0: crash for good). */
function applyToProcess(
  sim: SimWorld, kind: ProcessFault, name: string, forUs: number, byUs: number,
): void {
  const p = sim.processes.find((candidate) => candidate.spec.name === name)!;
  if (p.status === "down" && kind !== "clockJump") return;
  sim.sink.write({ t: sim.scheduler.nowUs, process: p.origin, fault: kind, forUs, byUs });
  sim.probe(`fault:${kind}`);
  const incarnation = p.incarnation;
  switch (kind) {
    case "crash":
      sim.crash(p);
      if (forUs > 0) sim.scheduler.after(forUs, () => sim.startProcess(p));
      break;
    case "pause":
      sim.pause(p);
      sim.scheduler.after(Math.max(1, forUs), () => {
        if (p.incarnation === incarnation) sim.resume(p);
      });
      break;
    case "clockJump":
      p.clock.jump(byUs);
      break;
    case "partition":
      sim.setPartitioned(p, true);
      sim.scheduler.after(Math.max(1, forUs), () => {
        if (p.incarnation === incarnation) sim.setPartitioned(p, false);
      });
      break;
  }
}
