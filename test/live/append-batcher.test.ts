// Group commit: concurrent appends of one process share transactions, each caller learns its
// own positions, the log keeps the callers' order, and a bad command fails only its caller.

import { describe, expect, test } from "vitest";

import { AppendBatcher } from "../../live/append-batcher.js";
import type { LogStore } from "../../live/log-store.js";
import { FIXTURES, mark } from "./helpers.js";

/** Counts the store's transactions. */
function counting(store: LogStore): { store: LogStore; appends: () => number } {
  let appends = 0;
  const wrapped = Object.create(store) as LogStore;
  wrapped.append = (commands) => {
    appends++;
    return store.append(commands);
  };
  return { store: wrapped, appends: () => appends };
}

describe.each(FIXTURES)("$kind: AppendBatcher", ({ make }) => {
  test("fifty concurrent calls share a few transactions and get their own positions",
    async () => {
      const fixture = make();
      const store = await fixture.open();
      try {
        const counted = counting(store);
        const batcher = new AppendBatcher(counted.store, 40);
        const calls = Array.from({ length: 50 }, (_, call) =>
          Array.from({ length: 1 + (call % 3) }, (_, index) => mark({ call, index })));

        const results = await Promise.all(calls.map((commands) => batcher.append(commands)));
        await batcher.flush();

        expect(counted.appends()).toBeLessThan(10);
        const entries = await store.readAfter(0);
        let next = 1;
        results.forEach((result, call) => {
          expect(result).toEqual({ first: next, last: next + calls[call]!.length - 1 });
          for (let position = result.first; position <= result.last; position++) {
            expect(entries[position - 1]!.command)
              .toMatchObject({ call, index: position - result.first });
          }
          next = result.last + 1;
        });
      } finally {
        await store.close();
        await fixture.dispose();
      }
    });

  test("a bad command fails its own call only", async () => {
    const fixture = make();
    const store = await fixture.open();
    try {
      const batcher = new AppendBatcher(store);
      const good = batcher.append([mark({ n: 1 })]);
      const bad = batcher.append([{ type: "test/mark" } as never]);

      await expect(bad).rejects.toThrow(/needs a string type and at/);
      expect(await good).toEqual({ first: 1, last: 1 });
      await expect(batcher.append([])).rejects.toThrow(/empty/);
    } finally {
      await store.close();
      await fixture.dispose();
    }
  });

  test("a failed transaction fails every call in it, and later calls go on", async () => {
    const fixture = make();
    const store = await fixture.open();
    try {
      let failNext = true;
      const flaky = Object.create(store) as LogStore;
      flaky.append = (commands) => {
        if (!failNext) return store.append(commands);
        failNext = false;
        return Promise.reject(new Error("connection lost"));
      };
      const batcher = new AppendBatcher(flaky);
      const first = batcher.append([mark({ n: 1 })]);
      const second = batcher.append([mark({ n: 2 })]);

      await expect(first).rejects.toThrow("connection lost");
      await expect(second).rejects.toThrow("connection lost");
      expect(await batcher.append([mark({ n: 3 })])).toEqual({ first: 1, last: 1 });
    } finally {
      await store.close();
      await fixture.dispose();
    }
  });
});
