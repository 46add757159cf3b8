// The swimlane timeline of a run, collected from trace records: a lane per process (pings,
// faults, restarts, reaps) and one per agent under it (a bar per job attempt, from claim to
// the event that ended it). Pure bookkeeping; drawing is the HTML client's job.

import type { Event } from "../core/index.js";
import type { FaultRecord, FoldRecord, LifecycleRecord, WorldHeader } from "./trace-read.js";

/** How one attempt at a job ended; `open` if the trace ended first. */
export type BarOutcome = "succeeded" | "failed" | "retried" | "reaped" | "open";

export const BAR_OUTCOMES: readonly BarOutcome[] = ["succeeded", "failed", "retried", "reaped",
  "open"];

export interface Lane {
  readonly id: string;
  readonly label: string;
  readonly kind: "process" | "agent";
  /** The process lane's id for an agent lane; its own id for a process lane. */
  readonly group: string;
  /** How many jobs the lane can run at once (an agent's size; 1 when unknown). */
  readonly size: number;
  /** Rows the lane needs for the attempts that overlapped on it. */
  readonly slots: number;
}

export interface Bar {
  readonly job: string;
  readonly task: string;
  readonly lane: number;
  readonly attempt: number;
  readonly claimedUs: number;
  /** Row within the lane, so attempts running at once on one agent do not overlap. */
  readonly slot: number;
  startedUs: number | null;
  endUs: number | null;
  outcome: BarOutcome;
}

export interface Reap {
  readonly t: number;
  /** Lane of the process whose command deactivated the record. */
  readonly from: number;
  /** Lane of the process that held the record last. */
  readonly to: number;
  readonly dispatcher: string;
  readonly jobs: readonly string[];
  readonly byPing: boolean;
}

export interface FaultMark {
  readonly t: number;
  /** The process lane hit, or null for a fault of the whole world (`healed`, append windows). */
  readonly lane: number | null;
  readonly kind: string;
  /** End of a crash, pause or partition; null for instant faults. */
  readonly untilUs: number | null;
  readonly byUs?: number;
}

export interface Restart {
  readonly t: number;
  readonly lane: number;
  readonly process: string;
}

export interface Timeline {
  readonly lanes: readonly Lane[];
  readonly bars: readonly Bar[];
  /** Ping times per lane index (process lanes only have any). */
  readonly pings: readonly (readonly number[])[];
  readonly reaps: readonly Reap[];
  readonly faults: readonly FaultMark[];
  readonly restarts: readonly Restart[];
  readonly healedUs: number | null;
  readonly endUs: number;
}

const SPAN_FAULTS = new Set(["crash", "pause", "partition"]);

interface PendingFault {
  readonly record: FaultRecord;
  readonly group: string | null;
}

/** Collects the timeline while the records stream past; `finish` fixes lane order. */
export class TimelineCollector {
  private readonly groups = new Map<string, string[]>();
  private readonly labels = new Map<string, string>();
  private readonly sizes = new Map<string, number>();
  private readonly worldProcesses = new Set<string>();
  private readonly bars: (Bar & { laneId: string })[] = [];
  private readonly open = new Map<string, Bar & { laneId: string }>();
  private readonly pings = new Map<string, number[]>();
  private readonly reaps: (Omit<Reap, "from" | "to"> & { fromId: string; toId: string })[] = [];
  private readonly faults: PendingFault[] = [];
  private readonly restarts: { t: number; group: string; process: string }[] = [];
  /** Which process activated each dispatcher record last: reaping it hits that lane. */
  private readonly holderOf = new Map<string, string>();
  private healedUs: number | null = null;
  private lastUs = 0;

  constructor(world: WorldHeader | undefined) {
    for (const process of world?.processes ?? []) {
      this.worldProcesses.add(process.name);
      const label = process.dispatcher === process.name ? process.name
        : `${process.name} (dispatcher ${process.dispatcher})`;
      this.ensureGroup(process.name, label);
      for (const agent of process.agents) {
        const id = this.ensureAgent(process.name, agent.name, `${agent.name} (${agent.size})`);
        this.sizes.set(id, agent.size);
      }
    }
  }

  private ensureGroup(group: string, label = group): void {
    if (this.groups.has(group)) return;
    this.groups.set(group, [group]);
    this.labels.set(group, label);
  }

  private ensureAgent(group: string, agent: string, label = agent): string {
    this.ensureGroup(group);
    const id = `${group}/${agent}`;
    const lanes = this.groups.get(group)!;
    if (!lanes.includes(id)) {
      lanes.push(id);
      this.labels.set(id, label);
    }
    return id;
  }

  /** The lane group of a command's origin: its world process, else the dispatcher named. */
  private groupOf(origin: string, dispatcher: unknown): string {
    const process = origin.split("#")[0]!;
    if (this.worldProcesses.has(process)) return process;
    return typeof dispatcher === "string" ? dispatcher : origin;
  }

  fold(record: FoldRecord): void {
    this.lastUs = Math.max(this.lastUs, record.t);
    const command = record.command as { type: string; dispatcher?: unknown };
    if (command.type === "dispatcher/ping") {
      const group = this.groupOf(record.origin, command.dispatcher);
      this.ensureGroup(group);
      const list = this.pings.get(group) ?? [];
      list.push(record.t);
      this.pings.set(group, list);
    }
    const reaped: string[] = [];
    for (const event of record.events) {
      this.onEvent(record, event, reaped);
    }
  }

  private onEvent(record: FoldRecord, event: Event, reaped: string[]): void {
    const job = typeof event.job === "string" ? event.job : "";
    switch (event.type) {
      case "job/claimed":
        return this.claim(record, event, job);
      case "job/started": {
        const bar = this.open.get(job);
        if (bar !== undefined && bar.startedUs === null) bar.startedUs = record.t;
        return;
      }
      case "job/succeeded":
      case "job/failed":
      case "job/retried":
        return this.close(job, record.t, event.type.slice(4) as BarOutcome);
      case "job/reaped":
        reaped.push(job);
        return this.close(job, record.t, "reaped");
      case "dispatcher/activated":
      case "dispatcher/reactivated":
        this.holderOf.set(String(event.dispatcher), this.groupOf(record.origin,
          event.dispatcher));
        return;
      case "dispatcher/deactivated":
        return this.reap(record, event, reaped);
    }
  }

  private claim(record: FoldRecord, event: Event, job: string): void {
    const group = this.groupOf(record.origin, event.dispatcher);
    const laneId = typeof event.agent === "string" ? this.ensureAgent(group, event.agent)
      : (this.ensureGroup(group), group);
    this.close(job, record.t, "open");
    // Lanes and attempt numbers are fixed in `finish`, once every lane is known.
    const bar = { job, task: String(event.task ?? ""), lane: -1, laneId, attempt: 0, slot: 0,
      claimedUs: record.t, startedUs: null, endUs: null, outcome: "open" as BarOutcome };
    this.open.set(job, bar);
    this.bars.push(bar);
  }

  private close(job: string, t: number, outcome: BarOutcome): void {
    const bar = this.open.get(job);
    if (bar === undefined) return;
    bar.endUs = t;
    bar.outcome = outcome;
    this.open.delete(job);
  }

  private reap(record: FoldRecord, event: Event, jobs: readonly string[]): void {
    const dispatcher = String(event.dispatcher);
    const fromId = this.groupOf(record.origin, event.reapedBy ?? dispatcher);
    const toId = this.holderOf.get(dispatcher) ?? dispatcher;
    this.ensureGroup(fromId);
    this.ensureGroup(toId);
    this.reaps.push({ t: record.t, fromId, toId, dispatcher, jobs: [...jobs],
      byPing: event.reapedBy !== undefined });
  }

  fault(record: FaultRecord): void {
    this.lastUs = Math.max(this.lastUs, record.t);
    if (record.fault === "healed") this.healedUs = record.t;
    const group = record.process === undefined ? null : this.groupOf(record.process, null);
    if (group !== null) this.ensureGroup(group);
    this.faults.push({ record, group });
  }

  lifecycle(record: LifecycleRecord): void {
    this.lastUs = Math.max(this.lastUs, record.t);
    const group = this.groupOf(record.process, null);
    this.ensureGroup(group);
    this.restarts.push({ t: record.t, group, process: record.process });
  }

  finish(endUs: number): Timeline {
    const end = Math.max(endUs, this.lastUs);
    const ids = [...this.groups.values()].flat();
    const index = new Map(ids.map((id, i) => [id, i]));
    const attempts = new Map<string, number>();
    const rows = ids.map((): number[] => []);
    const bars = this.bars.map(({ laneId, ...bar }) => {
      const attempt = (attempts.get(bar.job) ?? 0) + 1;
      attempts.set(bar.job, attempt);
      const lane = index.get(laneId)!;
      return { ...bar, lane, attempt, slot: takeRow(rows[lane]!, bar.claimedUs,
        bar.endUs ?? end) };
    });
    const lanes: Lane[] = ids.map((id, i) => ({ id, label: this.labels.get(id) ?? id,
      kind: this.groups.has(id) ? "process" : "agent", group: id.split("/")[0]!,
      size: this.sizes.get(id) ?? 1, slots: Math.max(1, rows[i]!.length) }));
    const pings = ids.map((id) => this.pings.get(id) ?? []);
    const reaps = this.reaps.map(({ fromId, toId, ...reap }) => ({ ...reap,
      from: index.get(fromId)!, to: index.get(toId)! }));
    const faults = this.faults.map((pending) => this.mark(pending, index, end));
    const restarts = this.restarts.filter((r) => !r.process.endsWith("#1"))
      .map((r) => ({ t: r.t, lane: index.get(r.group)!, process: r.process }));
    return { lanes, bars, pings, reaps, faults, restarts, healedUs: this.healedUs, endUs: end };
  }

  /** A fault's lane and, for crashes, pauses and partitions, when it ended. */
  private mark(pending: PendingFault, index: Map<string, number>, endUs: number): FaultMark {
    const { record, group } = pending;
    const lane = group === null ? null : index.get(group)!;
    const base = { t: record.t, lane, kind: record.fault,
      ...(record.byUs === undefined || record.byUs === 0 ? {} : { byUs: record.byUs }) };
    if (!SPAN_FAULTS.has(record.fault)) return { ...base, untilUs: null };
    const healed = this.healedUs ?? endUs;
    if (record.fault === "crash") {
      // A crash ends when the process starts again: after `for`, or when the world heals.
      const restart = this.restarts.find((r) => r.group === group && r.t > record.t);
      return { ...base, untilUs: restart?.t ?? healed };
    }
    return { ...base, untilUs: Math.min(record.t + Math.max(1, record.forUs ?? 0), healed) };
  }
}

/** The first row free at `fromUs` (bars arrive in claim order), now busy until `toUs`. */
function takeRow(rows: number[], fromUs: number, toUs: number): number {
  let row = rows.findIndex((busyUntil) => busyUntil <= fromUs);
  if (row < 0) row = rows.push(0) - 1;
  rows[row] = toUs;
  return row;
}
