// Every shipped world in scenarios/worlds/ passes, and the story it tells really happened:
// each probe the world expects (a fault injected, a reap, a rejection) fired at least once.
// The canary world, with its planted bug, must fail the way it is meant to.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadWorld, runWorld, EXIT_SAFETY, exitCodeOf } from "../../sim/index.js";

const DIR = "scenarios/worlds";
const files = readdirSync(DIR).filter((name) => name.endsWith(".json")).sort();

describe("shipped worlds", () => {
  test("there are at least eight, named Area: situation (parameters)", () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      expect(loadWorld(join(DIR, file)).name).toMatch(/^[A-Z][\w ]*: .+ \(.+\)$/);
    }
  });

  test.each(files)("%s passes, and its story's probes fired", (file) => {
    const world = loadWorld(join(DIR, file));
    const verdict = runWorld(world);
    expect(verdict.violation).toBeUndefined();
    expect(verdict.kind).toBe("pass");
    expect(verdict.missingProbes).toEqual([]);
    expect(world.expectProbes.length).toBeGreaterThan(0);
  });
});

describe("shipped worlds under other seeds", () => {
  test.each(files)("%s passes with seeds 2 and 3 as well", (file) => {
    const world = loadWorld(join(DIR, file));
    for (const seed of [2, 3]) {
      const verdict = runWorld(world, { seed });
      expect(verdict.violation).toBeUndefined();
      expect(verdict.missingProbes).toEqual([]);
    }
  });
});

describe("canary world", () => {
  test("the planted early reap is caught as reap-only-dead, naming time and command", () => {
    const verdict = runWorld(loadWorld(join(DIR, "canary", "reap-early.json")));
    expect(verdict.kind).toBe("safety");
    expect(exitCodeOf(verdict.kind)).toBe(EXIT_SAFETY);
    expect(verdict.violation?.invariant).toBe("reap-only-dead");
    expect(verdict.violation?.time).toMatch(/^2026-01-01T/);
    expect(verdict.violation?.commands.at(-1)?.command.type).toBe("dispatcher/deactivate");
  });
});
