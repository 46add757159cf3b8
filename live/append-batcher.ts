// Group commit for one process: appends made while a transaction is in flight (or in the same
// tick) are merged into the next transaction, and each caller still learns its own positions.
// A worker that appends from many places (claims, finishes, pings) then pays one commit per
// round instead of one per command. Which commands to append is the caller's business.

import type { Command } from "../core/index.js";
import { encodeCommand, type AppendResult, type LogStore } from "./log-store.js";

interface Pending {
  readonly commands: readonly Command[];
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

export class AppendBatcher {
  private pending: Pending[] = [];
  private flushing: Promise<void> | null = null;

  /** `maxBatchCount` caps one transaction; a single larger call still goes whole. */
  constructor(private readonly store: LogStore, private readonly maxBatchCount = 1000) {}

  /**
   * Resolves with this call's positions once its transaction committed. A bad command fails
   * its own call at once rather than the merged transaction of everyone else.
   */
  append(commands: readonly Command[]): Promise<AppendResult> {
    try {
      if (commands.length === 0) throw new Error("append-batcher: empty append");
      commands.forEach(encodeCommand);
    } catch (error) {
      return Promise.reject(error);
    }
    const result = new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ commands, resolve, reject });
    });
    this.flushing ??= this.flushLoop();
    return result;
  }

  /** Resolves when everything appended so far has been written or has failed. */
  async flush(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    // Let the rest of this tick's appends join the first transaction.
    await Promise.resolve();
    try {
      while (this.pending.length > 0) await this.writeOne(this.takeBatch());
    } finally {
      this.flushing = null;
    }
  }

  private takeBatch(): Pending[] {
    let count = 0;
    let taken = 0;
    while (taken < this.pending.length) {
      const size = this.pending[taken]!.commands.length;
      if (taken > 0 && count + size > this.maxBatchCount) break;
      count += size;
      taken++;
    }
    return this.pending.splice(0, taken);
  }

  /** One transaction for the calls; they all succeed or all fail together. */
  private async writeOne(calls: readonly Pending[]): Promise<void> {
    let result: AppendResult;
    try {
      result = await this.store.append(calls.flatMap((call) => call.commands));
    } catch (error) {
      for (const call of calls) call.reject(error);
      return;
    }
    let first = result.first;
    for (const call of calls) {
      const last = first + call.commands.length - 1;
      call.resolve({ first, last });
      first = last + 1;
    }
  }
}
