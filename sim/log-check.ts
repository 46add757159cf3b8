// Checks a production log in the simulator's terms: folds its commands in order from the
// initial state and runs the same checkers as a simulated run after every fold (the core's
// invariants, sampled on long logs, and the history checks). The live adapter's log reaches
// here as plain data through bin/; sim/ never imports live/.

import { initialState, reduce, stateDigest, type Command } from "../core/index.js";
import { HistoryChecker, type Finding } from "./checkers.js";

export interface LoggedCommand {
  readonly position: number;
  /** Who appended it, when the log records that; "" otherwise. */
  readonly origin: string;
  readonly command: Command;
}

export interface LogCheckResult {
  readonly ok: boolean;
  readonly folded: number;
  readonly digest: string;
  readonly finding?: Finding;
}

/** Folds and checks; `invariantEvery` samples the whole-state invariants on long logs. */
export function checkLog(
  entries: Iterable<LoggedCommand>, invariantEvery = 1,
): LogCheckResult {
  const checker = new HistoryChecker(invariantEvery);
  let state = initialState();
  let folded = 0;
  let last: LoggedCommand | undefined;
  for (const entry of entries) {
    const result = reduce(state, entry.command);
    const finding = checker.afterFold({ ...entry, events: result.events }, state, result.state,
      []);
    state = result.state;
    folded++;
    last = entry;
    if (finding !== null) return { ok: false, folded, digest: stateDigest(state), finding };
  }
  const final = last === undefined ? null
    : checker.checkState({ ...last, events: [] }, state, true);
  return { ok: final === null, folded, digest: stateDigest(state),
    ...(final === null ? {} : { finding: final }) };
}
