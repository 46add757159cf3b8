// World files are validated whole, with errors that name the field and the problem.

import { describe, expect, test } from "vitest";
import { parseWorld, parseWorldText, WorldError } from "../../sim/index.js";

const minimal = { name: "Test: minimal (1 process)", processes: [{ name: "p1" }] };

function problemOf(world: unknown): { field: string; problem: string } {
  try {
    parseWorld(world);
  } catch (error) {
    expect(error).toBeInstanceOf(WorldError);
    const { field, problem } = error as WorldError;
    return { field, problem };
  }
  throw new Error("expected the world to be rejected");
}

describe("world validation", () => {
  test("a minimal world gets the documented defaults", () => {
    const world = parseWorld(minimal);
    expect(world).toMatchObject({ seed: 1, durationUs: 600e6, pollIntervalUs: 5e6,
      pingIntervalUs: 30e6, deathIntervalUs: 60e6, canary: null });
    expect(world.processes[0]).toMatchObject({ dispatcher: "p1", agents: [{ name: "main",
      size: 3 }] });
  });

  test.each([
    [{ ...minimal, name: undefined }, "name"],
    [{ ...minimal, processes: [] }, "processes"],
    [{ ...minimal, processes: [{ name: "p1", agents: [{ name: "a", size: 0 }] }] },
      "processes[0].agents[0].size"],
    [{ ...minimal, start: "2026-01-01T00:00:00" }, "start"],
    [{ ...minimal, duration: "ten minutes" }, "duration"],
    [{ ...minimal, intervals: { ping: "0s" } }, "intervals.ping"],
    [{ ...minimal, workload: { quotas: ["nope"] } }, "workload.quotas[0]"],
    [{ ...minimal, faults: { script: [{ at: "1m", kind: "melt" }] } }, "faults.script[0].kind"],
    [{ ...minimal, faults: { script: [{ at: "1m", kind: "crash", process: "p9" }] } },
      "faults.script[0].process"],
    [{ ...minimal, faults: { random: { lostAck: 2 } } }, "faults.random.lostAck"],
    [{ ...minimal, colour: "blue" }, "colour"],
    [{ ...minimal, processes: [{ name: "p1" }, { name: "p1" }] }, "processes[1].name"],
  ])("rejects a bad field (%#): %s", (world, field) => {
    expect(problemOf(world).field).toBe(field);
  });

  test("malformed JSON names the source", () => {
    expect(() => parseWorldText("{", "w.json")).toThrow(/^w\.json: malformed JSON/);
  });
});
