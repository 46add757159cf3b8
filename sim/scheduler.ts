// The discrete-event scheduler: a binary heap of actions keyed by (virtual time, sequence).
// The sequence number breaks ties in insertion order, so two runs with the same seed take
// the same actions in the same order. Virtual time is whole microseconds since the world's
// start, held in a double (exact up to 285 years).

export type Action = () => void;

interface Entry {
  readonly atUs: number;
  readonly seq: number;
  readonly action: Action;
}

export class Scheduler {
  private readonly heap: Entry[] = [];
  private seq = 0;
  nowUs = 0;
  executed = 0;

  /** Schedules an action at a virtual time, never earlier than now. */
  at(atUs: number, action: Action): void {
    const entry = { atUs: Math.max(this.nowUs, Math.round(atUs)), seq: this.seq++, action };
    this.heap.push(entry);
    this.siftUp(this.heap.length - 1);
  }

  after(delayUs: number, action: Action): void {
    this.at(this.nowUs + delayUs, action);
  }

  get size(): number {
    return this.heap.length;
  }

  /** Runs actions in order up to and including `untilUs`, or until `stop` says so. */
  run(untilUs: number, stop: () => boolean): void {
    while (this.heap.length > 0 && !stop()) {
      const top = this.heap[0]!;
      if (top.atUs > untilUs) break;
      this.pop();
      this.nowUs = top.atUs;
      this.executed++;
      top.action();
    }
    if (!stop()) this.nowUs = Math.max(this.nowUs, untilUs);
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private less(a: Entry, b: Entry): boolean {
    return a.atUs < b.atUs || (a.atUs === b.atUs && a.seq < b.seq);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(heap[index]!, heap[parent]!)) return;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.less(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.less(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
      index = smallest;
    }
  }
}
