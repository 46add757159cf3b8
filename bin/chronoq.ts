#!/usr/bin/env node
// The chronoq command line: one program for replaying scenarios, simulating and fuzzing
// worlds, and (later) running workers. Each subcommand lives in its own module beside this
// file; this one only wires them to commander and turns their results into exit codes.

import { Command } from "commander";
import {
  putCommand, statusCommand, UsageError, workerCommand, type PutFlags, type WorkerFlags,
} from "./live-commands.js";
import { runCommand } from "./run-command.js";

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

const program = new Command();
program
  .name("chronoq")
  .description("A durable job queue whose behaviour is proved under failure.")
  .showHelpAfterError();

program
  .command("run")
  .description("replay script scenarios step by step and check every expectation")
  .argument("<files...>", "script scenario files (JSON)")
  .option("--json", "print one JSON object per file instead of text")
  .addHelpText("after", "\nExit status: 0 every step held, 1 some step failed, " +
    "2 a file is invalid.")
  .action((files: string[], options: { json?: boolean }) => {
    process.exitCode = runCommand(files, options);
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
