// The dispatcher state machine on its own: a tiny loop in this file plays the log (folding
// every append at once, or holding appends back to model loss), reads it back to the machine
// and records the jobs it is told to run. No simulator, no clock but the numbers given here.

import { describe, expect, test } from "vitest";
import {
  formatTime, initialState, reduce, type Command, type State,
} from "../../core/index.js";
import {
  initialLocal, step, type Effect, type LogEntry, type MachineConfig, type MachineInput,
  type MachineLocal,
} from "../../core/dispatcher-machine.js";

const T0 = 1_767_225_600_000_000n;
const SECOND = 1_000_000n;

function config(process: string, dispatcher = "d1", extra: Partial<MachineConfig> = {}) {
  return { process, dispatcher, queue: "", pollIntervalUs: 2n * SECOND,
    pingIntervalUs: 30n * SECOND, deathIntervalUs: 60n * SECOND, appendTimeoutUs: 10n * SECOND,
    agents: [{ name: "main", size: 2 }], ...extra } satisfies MachineConfig;
}

/** A log that folds appends in order, and the machines that read it. */
class Loop {
  state: State = initialState();
  readonly entries: LogEntry[] = [];
  readonly machines = new Map<string, { local: MachineLocal; read: number }>();
  readonly effects: { process: string; effect: Effect }[] = [];
  /** While true, appends are lost: neither folded nor reported. */
  dropping = false;

  add(cfg: MachineConfig): void {
    this.machines.set(cfg.process, { local: initialLocal(cfg), read: 0 });
  }

  put(job: string, extra: object = {}, at = T0): void {
    this.fold("client", 0, { type: "job/put", at: formatTime(at), job, task: "value",
      args: [1], ...extra } as Command);
  }

  fold(origin: string, token: number, command: Command): LogEntry {
    const { state, reply, events } = reduce(this.state, command);
    this.state = state;
    const entry = { position: this.entries.length, origin, token, command, reply, events };
    this.entries.push(entry);
    return entry;
  }

  step(process: string, input: MachineInput): Effect[] {
    const machine = this.machines.get(process)!;
    const { local, effects } = step(machine.local, input);
    machine.local = local;
    for (const effect of effects) {
      this.effects.push({ process, effect });
      if (effect.kind === "append" && !this.dropping) {
        this.fold(process, effect.token, effect.command);
      }
    }
    return [...effects];
  }

  timer(process: string, nowUs: bigint): Effect[] {
    return this.step(process, { kind: "timer", nowUs });
  }

  read(process: string, nowUs: bigint): Effect[] {
    const machine = this.machines.get(process)!;
    const entries = this.entries.slice(machine.read);
    machine.read = this.entries.length;
    return this.step(process, { kind: "log", nowUs, position: machine.read, state: this.state,
      entries });
  }

  /** Reads the log, polls, and reads back what the poll appended, at `seconds` after T0. */
  tick(process: string, seconds: number): Effect[] {
    const nowUs = T0 + BigInt(seconds) * SECOND;
    return [...this.read(process, nowUs), ...this.timer(process, nowUs),
      ...this.read(process, nowUs)];
  }

  local(process: string): MachineLocal {
    return this.machines.get(process)!.local;
  }
}

const appended = (effects: Effect[]) => effects.flatMap((e) =>
  e.kind === "append" ? [e.command.type] : []);
const runs = (effects: Effect[]) => effects.flatMap((e) => (e.kind === "runJob" ? [e.job] : []));

/** Boots a machine to the running phase with its agent installed. */
function boot(loop: Loop, process: string, from = 0): void {
  loop.tick(process, from);
  loop.tick(process, from + 2);
  loop.tick(process, from + 4);
}

describe("dispatcher machine: joining", () => {
  test("registers, activates and installs its agents as the log confirms each step", () => {
    const loop = new Loop();
    loop.add(config("p1#1"));
    // The poll registers; reading the registration back activates at once, not a poll later.
    expect(appended(loop.tick("p1#1", 0))).toEqual(["dispatcher/register",
      "dispatcher/activate"]);
    expect(appended(loop.tick("p1#1", 2))).toEqual(["agent/add", "dispatcher/ping"]);
    expect(loop.local("p1#1").phase).toBe("running");
  });

  test("every timer input asks for the next poll", () => {
    const loop = new Loop();
    loop.add(config("p1#1"));
    const effects = loop.timer("p1#1", T0);
    expect(effects.at(-1)).toEqual({ kind: "setTimer", delayUs: 2n * SECOND });
  });

  test("waits while another live process holds the record, then takes over a dead one", () => {
    const loop = new Loop();
    loop.add(config("p1#1", "shared"));
    loop.add(config("p2#1", "shared"));
    boot(loop, "p1#1");
    boot(loop, "p2#1");
    expect(loop.local("p2#1").phase).toBe("joining");
    expect(appended(loop.tick("p2#1", 30))).toEqual([]);

    // p1 falls silent; once its record is dead on p2's clock, p2 deactivates it first.
    expect(appended(loop.tick("p2#1", 70))).toEqual(["dispatcher/deactivate",
      "dispatcher/activate"]);
    loop.tick("p2#1", 72);
    expect(loop.local("p2#1").phase).toBe("running");
  });

  test("a restarted process deactivates its dead former self before activating", () => {
    const loop = new Loop();
    loop.add(config("p1#1"));
    boot(loop, "p1#1");
    loop.add(config("p1#2"));
    loop.tick("p1#2", 10);
    expect(appended(loop.tick("p1#2", 12))).toEqual([]);
    expect(appended(loop.tick("p1#2", 66))).toEqual(["dispatcher/deactivate",
      "dispatcher/activate"]);
  });
});

describe("dispatcher machine: jobs", () => {
  test("claims up to its size, runs what the log confirms, and finishes with its token", () => {
    const loop = new Loop();
    loop.add(config("p1#1"));
    boot(loop, "p1#1");
    for (const id of ["a", "b", "c"]) loop.put(id);

    // A claim starts its job in the same step, so no separate start goes to the log.
    const effects = loop.tick("p1#1", 6);
    expect(appended(effects).filter((t) => t === "agent/claim")).toHaveLength(2);
    expect(appended(effects).filter((t) => t === "job/start")).toHaveLength(0);
    expect(runs([...effects, ...loop.read("p1#1", T0 + 6n * SECOND)])).toEqual(["a", "b"]);

    const done = loop.step("p1#1", { kind: "jobFinished", nowUs: T0 + 8n * SECOND, job: "a",
      attempt: 1, outcome: { ok: true, value: 42 } });
    const finish = done.find((e) => e.kind === "append")!;
    expect(finish).toMatchObject({ command: { type: "job/finish", job: "a", result: 42,
      holder: { dispatcher: "d1", agent: "main", attempt: 1 } } });
    expect(loop.entries.at(-1)!.reply).toEqual({ status: "COMPLETED", result: 42 });
  });

  test("runs system wrappers in one job/run and never hands them to the host", () => {
    const loop = new Loop();
    loop.add(config("p1#1"));
    boot(loop, "p1#1");
    loop.put("late", { beginBy: "10s" });
    const effects = [...loop.tick("p1#1", 30), ...loop.read("p1#1", T0 + 30n * SECOND)];
    expect(appended(effects)).toContain("job/run");
    expect(runs(effects)).toEqual([]);
    expect(loop.state.jobs.get("late")!.phase).toBe("COMPLETED");
  });

  test("fails, rather than starts again, an assigned job whose deadline passed", () => {
    const loop = new Loop();
    loop.add(config("p1#1"));
    boot(loop, "p1#1");
    loop.put("j", { beginBy: "5s" }, T0 + 4n * SECOND);
    loop.read("p1#1", T0 + 6n * SECOND);
    loop.timer("p1#1", T0 + 6n * SECOND);
    loop.read("p1#1", T0 + 6n * SECOND);
    // A conflict in time sends the job back to its agent; the restart comes too late.
    loop.step("p1#1", { kind: "jobFinished", nowUs: T0 + 7n * SECOND, job: "j", attempt: 1,
      outcome: { ok: false, error: "ConflictError", message: "" } });
    expect(loop.state.jobs.get("j")!.phase).toBe("NEW");
    const effects = loop.read("p1#1", T0 + 20n * SECOND);
    expect(appended(effects)).toEqual(["job/fail"]);
    expect(loop.state.jobs.get("j")!.failure?.kind).toBe("AbortedError");
  });

  test("re-checks ownership: no start once another process activated the record", () => {
    const loop = new Loop();
    loop.add(config("p1#1", "shared"));
    boot(loop, "p1#1");
    loop.fold("other#1", 1, { type: "dispatcher/deactivate", at: formatTime(T0 + 5n * SECOND),
      dispatcher: "shared" });
    loop.fold("other#1", 2, { type: "dispatcher/activate", at: formatTime(T0 + 5n * SECOND),
      dispatcher: "shared" });
    loop.put("j");
    const effects = loop.tick("p1#1", 6);
    expect(appended(effects)).not.toContain("job/start");
    expect(loop.local("p1#1").phase).toBe("joining");
  });

  test("a lost finish is sent again on the next poll, not at once", () => {
    const loop = new Loop();
    loop.add(config("p1#1"));
    boot(loop, "p1#1");
    loop.put("a");
    loop.tick("p1#1", 6);
    loop.read("p1#1", T0 + 6n * SECOND);
    loop.dropping = true;
    const first = loop.step("p1#1", { kind: "jobFinished", nowUs: T0 + 7n * SECOND, job: "a",
      attempt: 1, outcome: { ok: false, error: "ValueError", message: "no" } });
    const token = (first.find((e) => e.kind === "append") as { token: number }).token;
    expect(appended(loop.step("p1#1", { kind: "appendFailed", nowUs: T0 + 7n * SECOND,
      token }))).toEqual([]);
    loop.dropping = false;
    expect(appended(loop.tick("p1#1", 8))).toContain("job/finish");
    expect(loop.state.jobs.get("a")!.failure?.kind).toBe("ValueError");
  });
});

describe("dispatcher machine: shutdown and purity", () => {
  test("shuts down once its jobs are reported: deactivates, then reports stopped", () => {
    const loop = new Loop();
    loop.add(config("p1#1"));
    boot(loop, "p1#1");
    loop.put("a");
    loop.tick("p1#1", 6);
    loop.read("p1#1", T0 + 6n * SECOND);
    expect(appended(loop.step("p1#1", { kind: "shutdown", nowUs: T0 + 7n * SECOND }))).toEqual([]);

    loop.step("p1#1", { kind: "jobFinished", nowUs: T0 + 8n * SECOND, job: "a", attempt: 1,
      outcome: { ok: true, value: 1 } });
    const effects = loop.read("p1#1", T0 + 8n * SECOND);
    expect(appended(effects)).toEqual(["dispatcher/deactivate"]);
    expect(loop.read("p1#1", T0 + 9n * SECOND).map((e) => e.kind)).toEqual(["stopped"]);
    expect(loop.timer("p1#1", T0 + 10n * SECOND)).toEqual([]);
  });

  test("step leaves its input untouched and is a function of it", () => {
    const loop = new Loop();
    loop.add(config("p1#1"));
    boot(loop, "p1#1");
    const before = loop.local("p1#1");
    const snapshot = JSON.stringify(before, (_k, v) => (typeof v === "bigint" ? `${v}` : v));
    const input: MachineInput = { kind: "timer", nowUs: T0 + 40n * SECOND };
    const first = step(before, input);
    const second = step(before, input);
    expect(second.effects).toEqual(first.effects);
    expect(JSON.stringify(before, (_k, v) => (typeof v === "bigint" ? `${v}` : v)))
      .toBe(snapshot);
  });
});
