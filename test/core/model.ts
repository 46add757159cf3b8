// A naive model of one chronoq queue (the queue named ""), written from the reference and
// decisions.md with plain mutable arrays and maps, for the property tests to compare the
// reducers against. It covers put, pull, remove, claims (with and without an agent), fail
// wrappers for expired jobs, quotas, dispatchers, pings, death, reaping, agents, and
// start/finish/run/fail of jobs whose tasks succeed. It knows nothing of the core's code.

export type Phase = "NEW" | "ACTIVE" | "CALLBACKS" | "COMPLETED";

export type Place =
  | { kind: "fifo" } | { kind: "held" } | { kind: "putback" }
  | { kind: "agent"; dispatcher: string; agent: string }
  | { kind: "completed"; dispatcher: string; agent: string }
  | { kind: "detached" }
  /** A reaped ACTIVE job, or an expired one, in the hands of a wrapper. */
  | { kind: "owned"; by: string } | { kind: "awaitingFail"; by: string }
  | { kind: "settled"; by: string };

export interface HolderToken {
  dispatcher: string;
  agent: string;
  attempt?: number;
}

export interface ModelJob {
  id: string;
  task: string;
  args: unknown[];
  seq: number;
  phase: Phase;
  place: Place;
  beginAfter: bigint;
  beginBy: bigint | null;
  quotaNames: string[];
  holder: Required<HolderToken> | null;
  claims: number;
  wraps?: string;
  wrapperCounts: { fail: number; handleInterrupt: number };
  failed: boolean;
}

export interface ModelAgent {
  size: number;
  taskFilter: ((task: string) => boolean) | null;
  jobs: string[];
  completed: { id: string; at: bigint; n: number }[];
}

export interface ModelDispatcher {
  activated: bigint | null;
  lastPing: bigint | null;
  agents: Map<string, ModelAgent>;
}

export type ModelReply = { error: string } | { ok: Record<string, unknown> };

export const DEFAULT_BEGIN_BY = 3_600_000_000n;
const PING_INTERVAL = 30_000_000n;
const DEATH_INTERVAL = 60_000_000n;

class Refused extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

function refuse(code: string): never {
  throw new Refused(code);
}

export class QueueModel {
  readonly jobs = new Map<string, ModelJob>();
  putback: string[] = [];
  fifo: string[] = [];
  held: string[] = [];
  readonly quotas = new Map<string, { size: number; members: string[] }>();
  readonly dispatchers = new Map<string, ModelDispatcher>();
  /** Dispatcher events of the last command, as `type dispatcher`. */
  events: string[] = [];
  now = 0n;
  private seq = 0;
  private completions = 0;

  constructor(readonly interruptPolicy: "fail" | "commonForever" = "fail") {}

  /** Applies one operation at a time; a refusal changes nothing. */
  apply(at: bigint, operation: () => Record<string, unknown>): ModelReply {
    const snapshot = this.snapshot();
    this.now = at;
    this.events = [];
    try {
      return { ok: operation() };
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      this.restore(snapshot);
      return { error: error.code };
    }
  }

  // Reads.

  /** Claim order: put-back jobs, then the FIFO and held heads merged, ties to the held. */
  order(): string[] {
    const merged: string[] = [];
    let f = 0;
    let h = 0;
    while (f < this.fifo.length || h < this.held.length) {
      const fifoJob = this.fifo[f];
      const heldJob = this.held[h];
      const heldFirst = heldJob !== undefined && (fifoJob === undefined ||
        this.job(heldJob).beginAfter <= this.job(fifoJob).beginAfter);
      if (heldFirst) {
        merged.push(heldJob!);
        h++;
      } else {
        merged.push(fifoJob);
        f++;
      }
    }
    return [...this.putback, ...merged];
  }

  job(id: string): ModelJob {
    const job = this.jobs.get(id);
    if (job === undefined) throw new Error(`model: no job ${id}`);
    return job;
  }

  status(job: ModelJob): string {
    if (job.phase !== "NEW") return job.phase;
    const kind = job.place.kind;
    if (kind === "fifo" || kind === "held" || kind === "putback") return "PENDING";
    return kind === "agent" ? "ASSIGNED" : "NEW";
  }

  isDead(uuid: string, at: bigint): boolean {
    const record = this.dispatchers.get(uuid)!;
    const { activated, lastPing } = record;
    const reference = activated !== null && (lastPing === null || activated > lastPing)
      ? activated : lastPing;
    return reference !== null && reference + DEATH_INTERVAL < at;
  }

  completedIds(agent: ModelAgent): string[] {
    return [...agent.completed]
      .sort((a, b) => (a.at === b.at ? b.n - a.n : a.at > b.at ? -1 : 1))
      .map((entry) => entry.id);
  }

  // Queue operations.

  put(id: string, fields: { task?: string; args?: unknown[]; beginAfter?: bigint;
    beginBy?: bigint | null; quotaNames?: string[] }): Record<string, unknown> {
    const existing = this.jobs.get(id);
    if (existing !== undefined) {
      if (this.isQueued(existing)) refuse("already-queued");
      if (this.status(existing) !== "NEW" || existing.place.kind === "owned") refuse("bad-status");
    }
    const names = fields.quotaNames ?? existing?.quotaNames ?? [];
    for (const name of names) if (!this.quotas.has(name)) refuse("unknown-quota");

    const job: ModelJob = existing ?? {
      id, task: fields.task!, args: fields.args ?? [], seq: this.seq++, phase: "NEW",
      place: { kind: "detached" }, beginAfter: 0n, beginBy: null, quotaNames: [], holder: null,
      claims: 0, wrapperCounts: { fail: 0, handleInterrupt: 0 }, failed: false,
    };
    job.beginAfter = fields.beginAfter ?? existing?.beginAfter ?? this.now;
    job.beginBy = fields.beginBy !== undefined ? fields.beginBy
      : existing?.beginBy ?? DEFAULT_BEGIN_BY;
    job.quotaNames = [...names];
    job.holder = null;
    this.jobs.set(id, job);
    this.enqueue(job);
    return { job: id, beginAfter: job.beginAfter, beginBy: job.beginBy, status: "PENDING" };
  }

  pull(index: number): Record<string, unknown> {
    const order = this.order();
    const position = index < 0 ? index + order.length : index;
    if (position < 0 || position >= order.length) refuse("index-out-of-range");
    return { job: this.detach(this.job(order[position]!)) };
  }

  remove(id: string): Record<string, unknown> {
    const job = this.jobs.get(id) ?? refuse("unknown-job");
    if (!this.isQueued(job)) refuse("not-in-queue");
    return { job: this.detach(job) };
  }

  /** Hands out the first acceptable due job, or a fail wrapper for an expired one. */
  claim(filter: ((task: string) => boolean) | null, target: HolderToken | null): ModelJob | null {
    const accepts = (task: string) => filter === null || filter(task);
    for (const id of this.order()) {
      const job = this.job(id);
      if (job.beginAfter > this.now) break;
      if (job.beginBy !== null && job.beginAfter + job.beginBy < this.now) {
        if (!accepts("sys.fail")) continue;
        return this.handOut(this.makeFailWrapper(job), target);
      }
      const admitting: { members: string[] }[] = [];
      let blocked = false;
      for (const name of job.quotaNames) {
        const quota = this.quotas.get(name);
        if (quota === undefined) continue;
        if (quota.members.length >= quota.size && !quota.members.includes(id)) blocked = true;
        admitting.push(quota);
      }
      if (blocked || !accepts(job.task)) continue;
      this.unqueue(job);
      for (const quota of admitting) if (!quota.members.includes(id)) quota.members.push(id);
      return this.handOut(job, target);
    }
    return null;
  }

  agentClaim(uuid: string, name: string): ModelJob | null {
    const record = this.dispatchers.get(uuid) ?? refuse("unknown-dispatcher");
    const agent = record.agents.get(name) ?? refuse("unknown-agent");
    if (record.activated === null || this.isDead(uuid, this.now)) return null;
    if (agent.jobs.length >= agent.size) return null;
    const job = this.claim(agent.taskFilter, { dispatcher: uuid, agent: name });
    if (job !== null) agent.jobs.push(job.id);
    return job;
  }

  // Quotas.

  createQuota(name: string, size: number): Record<string, unknown> {
    if (this.quotas.has(name)) refuse("duplicate-quota");
    this.quotas.set(name, { size, members: [] });
    return { name, size };
  }

  resizeQuota(name: string, size: number): Record<string, unknown> {
    const quota = this.quotas.get(name) ?? refuse("unknown-quota");
    quota.size = size;
    return { name, size };
  }

  removeQuota(name: string): Record<string, unknown> {
    if (!this.quotas.delete(name)) refuse("unknown-quota");
    return { name };
  }

  // Dispatchers and agents.

  register(uuid: string): Record<string, unknown> {
    if (this.dispatchers.has(uuid)) refuse("duplicate-dispatcher");
    this.dispatchers.set(uuid, { activated: null, lastPing: null, agents: new Map() });
    this.events.push(`dispatcher/registered ${uuid}`);
    return { dispatcher: uuid };
  }

  activate(uuid: string): Record<string, unknown> {
    const record = this.dispatchers.get(uuid) ?? refuse("unknown-dispatcher");
    if (record.activated !== null) refuse("already-activated");
    this.reap(uuid);
    record.activated = this.now;
    this.events.push(`dispatcher/activated ${uuid}`);
    return this.recordReply(uuid);
  }

  deactivate(uuid: string): Record<string, unknown> {
    const record = this.dispatchers.get(uuid) ?? refuse("unknown-dispatcher");
    if (record.activated === null) refuse("not-activated");
    record.activated = null;
    this.reap(uuid);
    this.events.push(`dispatcher/deactivated ${uuid}`);
    return this.recordReply(uuid);
  }

  ping(uuid: string): Record<string, unknown> {
    const record = this.dispatchers.get(uuid) ?? refuse("unknown-dispatcher");
    if (record.activated === null) {
      record.activated = this.now;
      this.events.push(`dispatcher/reactivated ${uuid}`);
    }
    if (record.lastPing === null || record.lastPing + PING_INTERVAL <= this.now) {
      record.lastPing = this.now;
    }
    const ring = [...this.dispatchers.keys()].sort();
    const after = ring.filter((other) => other > uuid);
    const before = ring.filter((other) => other < uuid);
    const sibling = [...after, ...before]
      .find((other) => this.dispatchers.get(other)!.activated !== null);
    if (sibling !== undefined && this.isDead(sibling, this.now)) this.deactivate(sibling);
    return this.recordReply(uuid);
  }

  unregister(uuid: string): Record<string, unknown> {
    const record = this.dispatchers.get(uuid) ?? refuse("unknown-dispatcher");
    if (record.activated !== null) refuse("already-activated");
    for (const agent of record.agents.values()) {
      for (const entry of agent.completed) this.forget(entry.id);
    }
    this.dispatchers.delete(uuid);
    this.events.push(`dispatcher/unregistered ${uuid}`);
    return { dispatcher: uuid };
  }

  addAgent(uuid: string, name: string, size: number,
    taskFilter: ((task: string) => boolean) | null): Record<string, unknown> {
    const record = this.dispatchers.get(uuid) ?? refuse("unknown-dispatcher");
    if (record.agents.has(name)) refuse("duplicate-agent");
    record.agents.set(name, { size, taskFilter, jobs: [], completed: [] });
    return { agent: name };
  }

  /** An empty agent goes, and the jobs of its completed collection leave with it. */
  removeAgent(uuid: string, name: string): Record<string, unknown> {
    const record = this.dispatchers.get(uuid) ?? refuse("unknown-dispatcher");
    const agent = record.agents.get(name) ?? refuse("unknown-agent");
    if (agent.jobs.length > 0) refuse("agent-has-jobs");
    for (const entry of agent.completed) this.forget(entry.id);
    record.agents.delete(name);
    return { agent: name };
  }

  // A job's life.

  start(id: string, holder: HolderToken | undefined): Record<string, unknown> {
    const job = this.jobs.get(id) ?? refuse("unknown-job");
    this.checkHolder(job, holder);
    this.startJob(job);
    return { status: "ACTIVE" };
  }

  finish(id: string, holder: HolderToken | undefined): Record<string, unknown> {
    const job = this.jobs.get(id) ?? refuse("unknown-job");
    this.checkHolder(job, holder);
    if (job.phase !== "ACTIVE") refuse("bad-status");
    this.complete(job, false);
    return { status: "COMPLETED" };
  }

  run(id: string, holder: HolderToken | undefined): Record<string, unknown> {
    const job = this.jobs.get(id) ?? refuse("unknown-job");
    this.checkHolder(job, holder);
    this.startJob(job);
    if (job.wraps !== undefined) this.settle(job, this.job(job.wraps));
    this.complete(job, false);
    return { status: "COMPLETED" };
  }

  fail(id: string, holder: HolderToken | undefined): Record<string, unknown> {
    const job = this.jobs.get(id) ?? refuse("unknown-job");
    this.checkHolder(job, holder);
    if (!["NEW", "PENDING", "ASSIGNED"].includes(this.status(job))) refuse("bad-status");
    this.failJob(job);
    return { status: "COMPLETED" };
  }

  // Internals.

  /** A completed job leaves the model, with the job it settled if it is a wrapper. */
  private forget(id: string): void {
    const job = this.job(id);
    this.jobs.delete(id);
    const target = job.wraps === undefined ? undefined : this.jobs.get(job.wraps);
    if (target?.place.kind === "settled" && target.place.by === id) this.forget(target.id);
  }

  private isQueued(job: ModelJob): boolean {
    return ["fifo", "held", "putback"].includes(job.place.kind);
  }

  private enqueue(job: ModelJob): void {
    if (job.beginAfter <= this.now) {
      this.fifo.push(job.id);
      job.place = { kind: "fifo" };
      return;
    }
    this.held.push(job.id);
    this.held.sort((a, b) => {
      const x = this.job(a);
      const y = this.job(b);
      return x.beginAfter === y.beginAfter ? x.seq - y.seq : x.beginAfter < y.beginAfter ? -1 : 1;
    });
    job.place = { kind: "held" };
    this.leaveQuotas(job);
  }

  private unqueue(job: ModelJob): void {
    this.fifo = this.fifo.filter((id) => id !== job.id);
    this.held = this.held.filter((id) => id !== job.id);
    this.putback = this.putback.filter((id) => id !== job.id);
  }

  private detach(job: ModelJob): string {
    this.unqueue(job);
    job.place = { kind: "detached" };
    job.holder = null;
    return job.id;
  }

  private leaveQuotas(job: ModelJob): void {
    for (const quota of this.quotas.values()) {
      quota.members = quota.members.filter((id) => id !== job.id);
    }
  }

  private makeFailWrapper(job: ModelJob): ModelJob {
    this.unqueue(job);
    job.wrapperCounts.fail += 1;
    const wrapper = this.newWrapper(job, "fail");
    job.place = { kind: "awaitingFail", by: wrapper.id };
    job.holder = null;
    return wrapper;
  }

  private newWrapper(job: ModelJob, kind: "fail" | "handleInterrupt"): ModelJob {
    const wrapper: ModelJob = {
      id: `${job.id}/${kind}/${job.wrapperCounts[kind]}`, task: `sys.${kind}`, args: [],
      seq: this.seq++, phase: "NEW", place: { kind: "detached" }, beginAfter: this.now,
      beginBy: null, quotaNames: [], holder: null, claims: 0, wraps: job.id,
      wrapperCounts: { fail: 0, handleInterrupt: 0 }, failed: false,
    };
    this.jobs.set(wrapper.id, wrapper);
    return wrapper;
  }

  private handOut(job: ModelJob, target: HolderToken | null): ModelJob {
    job.claims += 1;
    if (target === null) {
      job.place = { kind: "detached" };
      job.holder = null;
    } else {
      job.place = { kind: "agent", dispatcher: target.dispatcher, agent: target.agent };
      job.holder = { dispatcher: target.dispatcher, agent: target.agent, attempt: job.claims };
    }
    return job;
  }

  private recordReply(uuid: string): Record<string, unknown> {
    const record = this.dispatchers.get(uuid)!;
    return { dispatcher: uuid, activated: record.activated, lastPing: record.lastPing };
  }

  /** Empties a dispatcher's agents: agents by name, each agent's jobs first to last. */
  private reap(uuid: string): void {
    const record = this.dispatchers.get(uuid)!;
    for (const name of [...record.agents.keys()].sort()) {
      const agent = record.agents.get(name)!;
      for (const id of agent.jobs) {
        const job = this.job(id);
        if (job.phase === "NEW") {
          job.holder = null;
          this.enqueue(job);
        } else if (job.phase === "ACTIVE") {
          const kind = this.interruptPolicy === "fail" ? "fail" : "handleInterrupt";
          job.wrapperCounts[kind] += 1;
          const wrapper = this.newWrapper(job, kind);
          this.enqueue(wrapper);
          job.place = { kind: "owned", by: wrapper.id };
          job.holder = null;
        } else {
          throw new Error(`model: reaping a job in phase ${job.phase} is not modelled`);
        }
      }
      agent.jobs = [];
    }
  }

  private checkHolder(job: ModelJob, holder: HolderToken | undefined): void {
    if (holder === undefined) return;
    const place = job.place;
    const held = place.kind === "agent" && place.dispatcher === holder.dispatcher &&
      place.agent === holder.agent &&
      (holder.attempt === undefined || job.holder?.attempt === holder.attempt);
    if (!held) refuse("reassigned");
  }

  private startJob(job: ModelJob): void {
    const status = this.status(job);
    if (status !== "NEW" && status !== "ASSIGNED") refuse("bad-status");
    if (job.place.kind === "awaitingFail") refuse("bad-status");
    job.phase = "ACTIVE";
  }

  /** What a wrapper does to the job it wraps when it runs. */
  private settle(wrapper: ModelJob, target: ModelJob): void {
    if (target.phase === "COMPLETED") return;
    const late = target.beginBy !== null && target.beginAfter + target.beginBy < this.now;
    if (wrapper.task === "sys.fail" || (target.phase === "ACTIVE" && late)) {
      // Past its deadline an interrupted job is not retried (reference B2, as fixed).
      this.failJob(target);
    } else if (target.phase === "ACTIVE") {
      target.phase = "NEW";
      target.holder = null;
      this.putback.push(target.id);
      target.place = { kind: "putback" };
    } else {
      wrapper.failed = true;
    }
  }

  private failJob(job: ModelJob): void {
    if (this.isQueued(job)) this.detach(job);
    this.complete(job, true);
  }

  /** CALLBACKS (which releases quota slots) and then COMPLETED, moving the job on. */
  private complete(job: ModelJob, failed: boolean): void {
    this.leaveQuotas(job);
    job.phase = "COMPLETED";
    job.failed = job.failed || failed;
    job.holder = null;
    const place = job.place;
    if (place.kind === "agent") {
      const agent = this.dispatchers.get(place.dispatcher)!.agents.get(place.agent)!;
      agent.jobs = agent.jobs.filter((id) => id !== job.id);
      agent.completed.push({ id: job.id, at: this.now, n: this.completions++ });
      job.place = { kind: "completed", dispatcher: place.dispatcher, agent: place.agent };
    } else if (place.kind === "owned" || place.kind === "awaitingFail") {
      job.place = { kind: "settled", by: place.by };
    }
    // A wrapper that ends without settling its job fails that job (docs/decisions.md).
    const target = job.wraps === undefined ? undefined : this.jobs.get(job.wraps);
    if (target !== undefined && target.phase !== "COMPLETED" &&
        (target.place.kind === "owned" || target.place.kind === "awaitingFail") &&
        target.place.by === job.id) {
      this.failJob(target);
    }
  }

  // Refusals must change nothing: a deep copy taken before each command restores it.

  private snapshot(): string {
    return JSON.stringify({
      jobs: [...this.jobs.values()], putback: this.putback, fifo: this.fifo, held: this.held,
      quotas: [...this.quotas], seq: this.seq, completions: this.completions, now: this.now,
      dispatchers: [...this.dispatchers].map(([uuid, record]) => [uuid, {
        ...record, agents: [...record.agents].map(([name, agent]) => [name,
          { ...agent, taskFilter: undefined }]),
      }]),
    }, (_key, value) => (typeof value === "bigint" ? `${value}n` : value));
  }

  private restore(text: string): void {
    const data = JSON.parse(text, (_key, value) =>
      typeof value === "string" && /^-?\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value);
    const filters = new Map<string, ModelAgent["taskFilter"]>();
    for (const [uuid, record] of this.dispatchers) {
      for (const [name, agent] of record.agents) filters.set(`${uuid}/${name}`, agent.taskFilter);
    }
    this.jobs.clear();
    for (const job of data.jobs as ModelJob[]) this.jobs.set(job.id, job);
    this.putback = data.putback;
    this.fifo = data.fifo;
    this.held = data.held;
    this.quotas.clear();
    for (const [name, quota] of data.quotas) this.quotas.set(name, quota);
    this.seq = data.seq;
    this.completions = data.completions;
    this.now = data.now;
    this.dispatchers.clear();
    for (const [uuid, record] of data.dispatchers) {
      const agents = new Map<string, ModelAgent>();
      for (const [name, agent] of record.agents) {
        agents.set(name, { ...agent, taskFilter: filters.get(`${uuid}/${name}`) ?? null });
      }
      this.dispatchers.set(uuid, { ...record, agents });
    }
  }
}
