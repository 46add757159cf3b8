// Sim/live parity: the commands a simulated world folded, appended in the same order to a
// real log store and folded by the live adapter's replica, give the same state digest. The
// simulator and production run the same core, and here that is checked, not assumed.

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { stateDigest, type Command } from "../../core/index.js";
import { Replica, stamp } from "../../live/replica.js";
import { loadWorld, runWorld } from "../../sim/index.js";
import { postgresFixture, sqliteFixture, type LogFixture } from "./helpers.js";

const WORLDS = ["reaper-killed-mid-job.json", "quotas-one-under-crashes.json"];

function tracedCommands(world: string) {
  const tracePath = join(mkdtempSync(join(tmpdir(), "chronoq-parity-")), "trace.jsonl");
  const verdict = runWorld(loadWorld(join("scenarios", "worlds", world)), { tracePath });
  const commands = readFileSync(tracePath, "utf8").split("\n").filter(Boolean)
    .map((line) => JSON.parse(line) as { pos?: number; origin?: string; command?: Command })
    .filter((record) => record.command !== undefined && record.pos !== undefined);
  return { verdict, commands };
}

describe.each([["sqlite", sqliteFixture], ["postgres", postgresFixture]] as const)(
  "sim/live parity on %s", (_kind, makeFixture) => {
    let fixture: LogFixture;
    afterEach(async () => fixture.dispose());

    test.each(WORLDS)("%s folds to the same digest", async (world) => {
      fixture = makeFixture();
      const { verdict, commands } = tracedCommands(world);
      expect(verdict.kind).toBe("pass");
      expect(commands.length).toBeGreaterThan(50);

      const store = await fixture.open();
      try {
        for (let i = 0; i < commands.length; i += 100) {
          await store.append(commands.slice(i, i + 100)
            .map((record, j) => stamp(record.command!, record.origin ?? "", i + j)));
        }
        const replica = new Replica(store);
        await replica.catchUp();
        expect(replica.position).toBe(commands.length);
        expect(stateDigest(replica.state)).toBe(verdict.digest);
      } finally {
        await store.close();
      }
    });
  });
