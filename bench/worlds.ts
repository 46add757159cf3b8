// The large world the simulator and report benchmarks share: eight dispatchers under every
// fault site, one simulated day (or less, for a quick run) and 50k jobs.

/** Eight dispatchers, one simulated day, 50k jobs, every fault site switched on. */
export function bigWorld(hours: number, jobs: number): object {
  const processes = Array.from({ length: 8 }, (_, i) => ({
    name: `p${i + 1}`,
    clock: { offset: `${(i % 3) - 1}s`, driftPpm: (i % 5) * 20 - 40 },
    agents: [{ name: "main", size: 3 }],
  }));
  return {
    name: `Bench: eight dispatchers under faults (${hours}h, ${jobs} jobs)`,
    seed: 1,
    duration: `${hours}h`,
    livenessBound: "1h",
    intervals: { poll: "5s", ping: "30s", death: "60s" },
    quotas: [{ name: "db", size: 4 }],
    processes,
    workload: { jobs, window: `${hours}h`, taskTime: ["1s", "20s"], errorRate: 0.05,
      quotaRate: 0.2, beginBy: null },
    faults: { random: { crash: "1h", pause: "1h", clockJump: "2h", partition: "2h",
      slowAppend: 0.01, failedAppend: 0.005, lostAck: 0.01 } },
  };
}
