// Snapshots bound start-up: a process that folds the log, saves a snapshot, and later starts
// again from that snapshot plus the entries after it, reaches the same state (by digest) as a
// fold of the whole log. Real core commands, real stores.

import { describe, expect, test } from "vitest";

import { initialState, reduce, type Command, type State } from "../../core/index.js";
import { decodeState, encodeState, stateDigest } from "../../core/snapshot.js";
import type { LogStore } from "../../live/log-store.js";
import { FIXTURES } from "./helpers.js";

function at(second: number): string {
  return new Date(Date.UTC(2024, 0, 1, 12, 0, second)).toISOString();
}

/** A dispatcher with an agent, jobs put, claimed and finished, and some rejected commands. */
function workload(from: number, count: number): Command[] {
  const commands: Command[] = [];
  for (let n = from; n < from + count; n++) {
    commands.push({ type: "job/put", at: at(n), job: `job${n}`, task: "value", args: [n] });
    if (n % 3 === 0) {
      commands.push({ type: "agent/claim", at: at(n), dispatcher: "d", agent: "a" });
    }
    if (n % 6 === 0) commands.push({ type: "job/finish", at: at(n), job: `job${n - 6}`,
      result: { n } } as Command);
  }
  return commands;
}

async function foldFrom(store: LogStore, state: State, position: number) {
  for (;;) {
    const entries = await store.readAfter(position, 7);
    if (entries.length === 0) return { state, position };
    for (const entry of entries) state = reduce(state, entry.command).state;
    position = entries[entries.length - 1]!.position;
  }
}

describe.each(FIXTURES)("$kind: restart from a snapshot", ({ make }) => {
  test("snapshot plus the log after it gives the state of the whole log", async () => {
    const fixture = make();
    const first = await fixture.open();
    try {
      await first.append([
        { type: "dispatcher/register", at: at(0), dispatcher: "d" },
        { type: "agent/add", at: at(0), dispatcher: "d", agent: "a", size: 2 },
        { type: "dispatcher/activate", at: at(0), dispatcher: "d" },
      ]);
      await first.append(workload(1, 20));
      const folded = await foldFrom(first, initialState(), 0);
      await first.saveSnapshot(folded.position, encodeState(folded.state));
      await first.append(workload(21, 20));
      await first.close();

      const second = await fixture.open();
      const snapshot = (await second.loadSnapshot())!;
      expect(snapshot.position).toBe(folded.position);
      const resumed = await foldFrom(second, decodeState(snapshot.state), snapshot.position);
      const whole = await foldFrom(second, initialState(), 0);
      await second.close();

      expect(resumed.position).toBe(whole.position);
      expect(stateDigest(resumed.state)).toBe(stateDigest(whole.state));
      expect(whole.state.jobs.size).toBe(40);
    } finally {
      await fixture.dispose();
    }
  });
});
