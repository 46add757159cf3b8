// A process's copy of the queue state: the latest snapshot, then the log folded onto it in
// order, batch by batch. Workers, `chronoq put`, `status` and `replay --db` all read the
// state this way, so every process computes the same state from the same log.

import {
  decodeState, encodeState, foldCommands, initialState, type Command, type ErrorReply,
  type Event, type Reply, type State,
} from "../core/index.js";
import type { LogStore } from "./log-store.js";

/** What a log entry carries besides its command: who appended it, and their token. */
export interface EntryOrigin {
  readonly origin: string;
  readonly token: number;
}

/** A folded entry: the command, where it sits, and what the core made of it. */
export interface FoldedEntry extends EntryOrigin {
  readonly position: number;
  readonly command: Command;
  readonly reply: Reply | ErrorReply;
  readonly events: readonly Event[];
}

/** Stamps a command with its appender; the core ignores these fields. */
export function stamp(command: Command, origin: string, token: number): Command {
  return { ...command, origin, token } as unknown as Command;
}

function originOf(command: Command): EntryOrigin {
  const fields = command as { origin?: unknown; token?: unknown };
  return {
    origin: typeof fields.origin === "string" ? fields.origin : "",
    token: typeof fields.token === "number" ? fields.token : 0,
  };
}

export class Replica {
  state: State = initialState();
  /** The last folded log position (0 before the first entry). */
  position = 0;
  private foldedSinceSnapshot = 0;

  constructor(private readonly store: LogStore, private readonly readCount = 1000) {}

  /** Starts from the latest snapshot, if any; the log after it is folded by catchUp. */
  async load(): Promise<void> {
    const snapshot = await this.store.loadSnapshot();
    if (snapshot === null) return;
    this.state = decodeState(snapshot.state);
    this.position = snapshot.position;
  }

  /** Folds everything committed after `position`; returns the entries folded. */
  async catchUp(): Promise<FoldedEntry[]> {
    const folded: FoldedEntry[] = [];
    for (;;) {
      const entries = await this.store.readAfter(this.position, this.readCount);
      if (entries.length === 0) return folded;
      const fold = foldCommands(this.state, entries.map((entry) => entry.command));
      entries.forEach((entry, i) => folded.push({ ...originOf(entry.command),
        position: entry.position, command: entry.command, reply: fold.replies[i]!,
        events: fold.events[i]! }));
      this.state = fold.state;
      this.position = entries[entries.length - 1]!.position;
      this.foldedSinceSnapshot += entries.length;
    }
  }

  /** Saves a snapshot when at least `every` entries were folded since the last one. */
  async snapshotIfDue(every: number): Promise<boolean> {
    if (this.foldedSinceSnapshot < every) return false;
    await this.store.saveSnapshot(this.position, encodeState(this.state));
    this.foldedSinceSnapshot = 0;
    return true;
  }
}
