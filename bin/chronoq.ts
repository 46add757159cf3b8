#!/usr/bin/env node
// The chronoq command line: one program for replaying scenarios, simulating and fuzzing
// worlds, and (later) running workers. Each subcommand lives in its own module beside this
// file; this one only wires them to commander and turns their results into exit codes.

import { Command } from "commander";
import { runCommand } from "./run-command.js";

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

await program.parseAsync(process.argv);
