// The simulator's subcommands: `sim`, `fuzz` and `replay`. Every run prints its seed first
// and every failure ends with the one-line command that reproduces it. Exit status: 0 pass,
// 1 safety violation, 3 liveness failure, 2 invalid input. `--report DIR` writes the trace
// and its HTML, Markdown and JSON reports there after the verdict; it never changes the exit.

import {
  checkLog, EXIT_INVALID, EXIT_PASS, EXIT_SAFETY, exitCodeOf, fuzz, loadWorld, replayTrace,
  runWorld, TraceError, WorldError, type FuzzProgress, type Verdict,
} from "../sim/index.js";
import { openLog, resolveDb } from "../live/open-log.js";
import { reportTrace, traceInDir } from "./report-command.js";

export interface SimFlags {
  readonly seed?: string;
  readonly trace?: string;
  readonly report?: string;
}

function seedOf(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const seed = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(seed)) {
    throw new WorldError(flag, `'${text}' is not a whole number between -2^53 and 2^53`);
  }
  return seed;
}

function countOf(text: string | undefined, flag: string): number | undefined {
  const count = seedOf(text, flag);
  if (count !== undefined && count < 1) throw new WorldError(flag, "must be at least 1");
  return count;
}

/** Runs a command body, mapping invalid worlds and traces to exit 2. */
function guarded(run: () => number): number {
  try {
    return run();
  } catch (error) {
    if (error instanceof WorldError || error instanceof TraceError) {
      process.stderr.write(`invalid input: ${error.message}\n`);
      return EXIT_INVALID;
    }
    throw error;
  }
}

export function simCommand(file: string, flags: SimFlags): number {
  return guarded(() => {
    const world = loadWorld(file);
    const seed = seedOf(flags.seed, "--seed") ?? world.seed;
    process.stdout.write(`seed ${seed}\n`);
    const tracePath = flags.trace ??
      (flags.report === undefined ? undefined : traceInDir(flags.report, file));
    const verdict = runWorld(world, { seed, tracePath });
    const reproduce = `chronoq sim ${file} --seed ${seed}`;
    process.stdout.write(describeVerdict(verdict, reproduce));
    if (flags.trace !== undefined) process.stdout.write(`trace written to ${flags.trace}\n`);
    if (flags.report !== undefined) {
      reportTrace(tracePath!, { report: flags.report, name: file, reproduce });
    }
    return exitCodeOf(verdict.kind);
  });
}

export function describeVerdict(verdict: Verdict, repro: string): string {
  const summary = `${verdict.world}: ${verdict.folded} commands folded over ` +
    `${(verdict.simulatedUs / 1e6).toFixed(1)} simulated seconds; state digest ${verdict.digest}`;
  if (verdict.kind === "pass") {
    const missing = verdict.missingProbes.length === 0 ? ""
      : `\nwarning: the story's rare paths never ran: ${verdict.missingProbes.join(", ")}`;
    return `PASS ${summary}${missing}\n`;
  }
  const violation = verdict.violation!;
  const commands = violation.commands.map((c) =>
    `    #${c.position} ${c.origin} ${JSON.stringify(c.command)}`).join("\n");
  return `${verdict.kind.toUpperCase()} VIOLATION ${summary}\n` +
    `  invariant: ${violation.invariant}\n  at: ${violation.time}\n` +
    `  ${violation.message}\n  commands involved:\n${commands}\n` +
    `reproduce: ${repro}\n`;
}

export interface FuzzFlags {
  readonly seeds?: string;
  readonly seed?: string;
  readonly canary?: boolean;
  readonly saveDir?: string;
  readonly report?: string;
}

export function fuzzCommand(flags: FuzzFlags): number {
  return guarded(() => {
    const seeds = countOf(flags.seeds, "--seeds") ?? 200;
    const seed = seedOf(flags.seed, "--seed") ?? 1;
    process.stdout.write(`seed ${seed}\n`);
    const bar = progressBar();
    const result = fuzz({ seeds, seed, canary: flags.canary === true, saveDir: flags.saveDir,
      onProgress: bar.update });
    bar.done();
    if (result.ok) {
      process.stdout.write(`PASS ${result.runs} worlds, no violation (fuzz seed ${seed})\n`);
      return EXIT_PASS;
    }
    const failure = result.failure!;
    process.stdout.write(`found at world ${failure.foundAtRun}, shrunk ${failure.shrinks} ` +
      `times; saved ${failure.scenarioPath}` +
      `${failure.reproduced ? "" : " (warning: the saved world did not fail again)"}\n`);
    process.stdout.write(describeVerdict(failure.verdict, failure.repro));
    if (flags.report !== undefined) reportFuzzFailure(failure.scenarioPath, flags.report);
    return exitCodeOf(failure.verdict.kind);
  });
}

/**
 * The saved (shrunk) failing world is run again with a trace, so the report shows exactly
 * the failure the reproduction line gives. A passing fuzz run has no trace to report.
 */
function reportFuzzFailure(scenarioPath: string, dir: string): void {
  const tracePath = traceInDir(dir, scenarioPath);
  const world = loadWorld(scenarioPath);
  runWorld(world, { tracePath });
  reportTrace(tracePath, { report: dir, name: scenarioPath,
    reproduce: `chronoq sim ${scenarioPath} --seed ${world.seed}` });
}

/** A progress bar on a terminal; a line every tenth of the way elsewhere. */
function progressBar() {
  const tty = process.stderr.isTTY === true;
  let lastTenth = -1;
  return {
    update(progress: FuzzProgress) {
      const share = progress.run / progress.of;
      if (tty) {
        const filled = Math.round(share * 30);
        process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(30 - filled)}] ` +
          `${progress.run}/${progress.of}${progress.shrinking ? " shrinking" : ""}  `);
        return;
      }
      const tenth = Math.floor(share * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`fuzz: ${progress.run}/${progress.of} worlds\n`);
      }
    },
    done() {
      if (tty) process.stderr.write("\n");
    },
  };
}

export function replayCommand(trace: string, report?: string): number {
  return guarded(() => {
    const result = replayTrace(trace);
    if (result.folded === 0) throw new TraceError(0, `${trace} holds no folded command`);
    if (report !== undefined) {
      reportTrace(trace, { report, name: trace, reproduce: `chronoq replay ${trace}`,
        quiet: true });
    }
    process.stdout.write(`seed ${result.seed ?? "none"}\n`);
    if (result.ok && result.expected === null) {
      process.stdout.write("warning: the trace records no final digest (cut short?); " +
        "only its replies were checked\n");
    }
    if (result.ok) {
      process.stdout.write(`OK ${result.folded} commands re-folded; state digest ` +
        `${result.digest}${result.expected === null ? "" : " matches the trace"}\n`);
      return EXIT_PASS;
    }
    process.stdout.write(`MISMATCH after ${result.folded} commands: ${result.problem}\n`);
    return EXIT_SAFETY;
  });
}

/** Folds a production log in the simulator and runs its checkers. */
export async function replayLogCommand(db: string | undefined, every: string | undefined) {
  const store = await openLog(resolveDb(db), { mustExist: true });
  try {
    const entries = [];
    for (let position = 0; ;) {
      const batch = await store.readAfter(position, 10_000);
      if (batch.length === 0) break;
      for (const entry of batch) {
        const origin = (entry.command as { origin?: unknown }).origin;
        entries.push({ position: entry.position, command: entry.command,
          origin: typeof origin === "string" ? origin : "" });
      }
      position = batch[batch.length - 1]!.position;
    }
    process.stdout.write(`seed none (a production log from ${store.description})\n`);
    const result = checkLog(entries, countOf(every, "--invariant-every") ?? 1);
    if (result.ok) {
      process.stdout.write(`PASS ${result.folded} commands folded, every check held; state ` +
        `digest ${result.digest}\n`);
      return EXIT_PASS;
    }
    const finding = result.finding!;
    process.stdout.write(`SAFETY VIOLATION after ${result.folded} commands\n` +
      `  invariant: ${finding.invariant}\n  ${finding.message}\n` +
      `  positions involved: ${finding.positions.join(", ")}\n`);
    return EXIT_SAFETY;
  } finally {
    await store.close();
  }
}
