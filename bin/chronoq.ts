#!/usr/bin/env node
// The chronoq command line: one program for replaying scenarios, simulating and fuzzing
// worlds, and (later) running workers. Each subcommand lives in its own module beside this
// file; this one only wires them to commander and turns their results into exit codes.

import { Command } from "commander";
import {
  putCommand, statusCommand, UsageError, workerCommand, type PutFlags, type WorkerFlags,
} from "./live-commands.js";
import { reportCommand, type ReportFlags } from "./report-command.js";
import { runCommand } from "./run-command.js";
import {
  fuzzCommand, replayCommand, replayLogCommand, simCommand, type FuzzFlags, type SimFlags,
} from "./sim-commands.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Runs an async subcommand: its number is the exit code; a usage error exits 2. */
function exitWith(run: () => Promise<number>): Promise<void> {
  return run().then((code) => {
    process.exitCode = code;
  }, (error: unknown) => {
    process.stderr.write(`chronoq: ${(error as Error).message}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  });
}

// A reader that goes away (`chronoq report ... --text | head`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const program = new Command();
program
  .name("chronoq")
  .description("A durable job queue whose behaviour is proved under failure.")
  .showHelpAfterError()
  // Usage errors (a missing argument, an unknown option) exit 2, like any invalid input.
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : 2);
  });

program
  .command("run")
  .description("replay script scenarios step by step and check every expectation")
  .argument("<files...>", "script scenario files (JSON)")
  .option("--json", "print one JSON object per file instead of text")
  .option("--trace <path>", "write the run as a trace (JSON lines; one file only)")
  .option("--report <dir>", "write each file's trace and HTML, Markdown and JSON reports here")
  .addHelpText("after", "\nExit status: 0 every step held, 1 some step failed, " +
    "2 a file is invalid.")
  .action((files: string[], options: { json?: boolean; trace?: string; report?: string }) => {
    process.exitCode = runCommand(files, options);
  });

program
  .command("sim")
  .description("run a simulated world: seeded faults, invariants after every step")
  .argument("<file>", "world scenario file (JSON; see docs/worlds.md)")
  .option("--seed <n>", "seed (default: the world's own)")
  .option("--trace <path>", "write the trace (JSON lines) here")
  .option("--report <dir>", "write the trace and its HTML, Markdown and JSON reports here")
  .addHelpText("after", "\nExit status: 0 pass, 1 safety violation, 3 liveness failure, " +
    "2 invalid input.")
  .action((file: string, flags: SimFlags) => {
    process.exitCode = simCommand(file, flags);
  });

program
  .command("fuzz")
  .description("draw many small worlds and fault plans; shrink and save the first failure")
  .option("--seeds <n>", "how many worlds to draw", "200")
  .option("--seed <s>", "fuzz seed", "1")
  .option("--canary", "plant the canary bug (the fuzzer must find it)")
  .option("--save-dir <dir>", "where a failing world is saved", "fuzz-failures")
  .option("--report <dir>", "on a failure, trace the saved world and write its reports here")
  .addHelpText("after", "\nExit status: 0 pass, 1 safety violation, 3 liveness failure, " +
    "2 invalid input.")
  .action((flags: FuzzFlags) => {
    process.exitCode = fuzzCommand(flags);
  });

program
  .command("replay")
  .description("re-fold a trace and check it reaches the same state digest, or with --db " +
    "fold a production log and run the simulator's checkers")
  .argument("[trace]", "trace file (JSON lines) written by sim")
  .option("--db <url>", "a live log: SQLite file or postgres:// URL")
  .option("--invariant-every <n>", "with --db: check whole-state invariants every n commands",
    "1")
  .option("--report <dir>", "also write the trace's HTML, Markdown and JSON reports here")
  .addHelpText("after", "\nExit status: 0 same result / every check held, 1 mismatch or " +
    "violation, 2 invalid input.")
  .action((trace: string | undefined,
    flags: { db?: string; invariantEvery?: string; report?: string }) => {
    if (flags.db !== undefined && flags.report !== undefined) {
      // TODO: export a production log as a trace so that it can be reported too.
      process.stderr.write("chronoq replay: --report needs a trace file, not --db\n");
      process.exitCode = 2;
      return;
    }
    if (flags.db !== undefined && trace !== undefined) {
      process.stderr.write("chronoq replay: give a trace file or --db URL, not both\n");
      process.exitCode = 2;
      return;
    }
    if (flags.db !== undefined) return exitWith(() => replayLogCommand(flags.db,
      flags.invariantEvery));
    if (trace === undefined) {
      process.stderr.write("chronoq replay: give a trace file, or --db URL\n");
      process.exitCode = 2;
      return;
    }
    process.exitCode = replayCommand(trace, flags.report);
  });

program
  .command("report")
  .description("turn a trace into reports: HTML (timeline, charts, checks), Markdown, JSON, " +
    "or one terminal line per event")
  .argument("<trace>", "trace file (JSON lines) from run, sim, fuzz or replay")
  .option("--html <file>", "write the self-contained HTML report here")
  .option("--md <file>", "write the Markdown summary here")
  .option("--json <file>", "write the figures as JSON here (docs/reports.md)")
  .option("--text", "print one line per event, with a legend")
  .option("--reproduce <command>", "the command that reproduces the run, shown at the top")
  .addHelpText("after", "\nWith no option, prints the Markdown summary.\n" +
    "Exit status: 0 written, 2 unreadable or malformed trace.")
  .action((trace: string, flags: ReportFlags) => {
    process.exitCode = reportCommand(trace, flags);
  });

program
  .command("worker")
  .description("run a worker: claim and run jobs from the log until SIGTERM")
  .requiredOption("--tasks <file>", "module exporting the task handlers (tasks or default)")
  .option("--db <url>", "SQLite file or postgres:// URL (default: CHRONOQ_DB or ./chronoq.db)")
  .option("--queue <name>", "queue to serve", "")
  .option("--agent <name:size[:filter]>", "an agent; FILTER is a,b or !a,b (repeatable; " +
    "default main:3)", collect)
  .option("--dispatcher <uuid>", "this worker's dispatcher id (default: a new UUID)")
  .option("--poll-interval <duration>", "how often to poll for work", "1s")
  .option("--ping-interval <duration>", "how often to ping (default 30s)")
  .option("--death-interval <duration>", "silence after which a dispatcher is dead (default 60s)")
  .option("--grace <duration>", "on SIGTERM, how long running jobs may take", "30s")
  .option("--json-logs", "log one JSON object per line")
  .option("--verbose", "log every job's events, not only dispatchers and failures")
  .action((flags: WorkerFlags) => exitWith(() => workerCommand(flags)));

program
  .command("put")
  .description("put a job on the queue and print the core's reply")
  .argument("<task>", "task name")
  .option("--args <json>", "JSON list of arguments", "[]")
  .option("--job <id>", "job id (default: a new UUID)")
  .option("--db <url>", "SQLite file or postgres:// URL (default: CHRONOQ_DB or ./chronoq.db)")
  .option("--queue <name>", "queue", "")
  .option("--begin-after <time>", "ISO 8601 time with an offset")
  .option("--begin-by <duration>", "deadline after beginAfter, e.g. 1h")
  .option("--quota <name>", "quota name (repeatable)", collect)
  .action((task: string, flags: PutFlags) => exitWith(() => putCommand(task, flags)));

program
  .command("status")
  .description("queues, dispatchers alive or dead, agents, quotas and job counts")
  .option("--db <url>", "SQLite file or postgres:// URL (default: CHRONOQ_DB or ./chronoq.db)")
  .option("--json", "print JSON")
  .action((flags: { db?: string; json?: boolean }) => exitWith(() => statusCommand(flags)));

await program.parseAsync(process.argv);
