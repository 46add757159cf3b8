// `chronoq run FILE... [--json]`: replays script scenarios and reports each failed step with
// its index, operation, expectation and actual reply. Exit status: 0 when every step held,
// 1 when some step failed, 2 when a file is invalid (then nothing runs). `--trace PATH` (one
// file) writes the run as JSON lines; `--report DIR` writes each file's trace and its HTML,
// Markdown and JSON reports into DIR. Neither changes what is printed or the exit status.

import { InvalidScenario, loadScript, type Script } from "../scenarios/script-format.js";
import { runScript, type ScriptResult } from "../scenarios/script-runner.js";
import { writeRunArtifacts } from "./report-command.js";

export const EXIT_PASSED = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID = 2;

export interface RunOptions {
  readonly json?: boolean;
  readonly trace?: string;
  readonly report?: string;
}

export function runCommand(files: readonly string[], options: RunOptions): number {
  const scripts: Script[] = [];
  const invalid: string[] = [];
  for (const file of files) {
    try {
      scripts.push(loadScript(file));
    } catch (error) {
      if (!(error instanceof InvalidScenario)) throw error;
      invalid.push(`invalid scenario: ${error.message}`);
    }
  }
  if (options.trace !== undefined && files.length !== 1) {
    invalid.push("--trace takes one scenario file; use --report DIR for several");
  }
  if (invalid.length > 0) {
    for (const message of invalid) process.stderr.write(`${message}\n`);
    return EXIT_INVALID;
  }

  const traced = options.trace !== undefined || options.report !== undefined;
  const results = scripts.map((script) => runScript(script, { trace: traced }));
  for (const result of results) {
    process.stdout.write(options.json ? `${JSON.stringify(jsonSummary(result))}\n`
      : textSummary(result));
  }
  if (traced) writeTraces(results, options);
  return results.every((result) => result.failed === 0) ? EXIT_PASSED : EXIT_FAILED;
}

/** Traces and reports go to files only: stdout stays what scripts and tests parse. */
function writeTraces(results: readonly ScriptResult[], options: RunOptions): void {
  for (const result of results) {
    writeRunArtifacts(result.trace!, { trace: options.trace, report: options.report,
      name: result.file, reproduce: `chronoq run ${result.file}`, quiet: true });
  }
}

function jsonSummary(result: ScriptResult) {
  return {
    scenario: result.scenario,
    file: result.file,
    passed: result.passed,
    failed: result.failed,
    steps: result.steps.map(({ index, do: op, ok, reply }) => ({ index, do: op, ok, reply })),
  };
}

function textSummary(result: ScriptResult): string {
  const verdict = result.failed === 0 ? "PASS" : "FAIL";
  let text = `${verdict} ${result.scenario} (${result.file}): ${result.passed} passed, ` +
    `${result.failed} failed\n`;
  for (const step of result.steps) {
    if (step.ok) continue;
    text += `  step ${step.index} (${step.do})${step.note ? ` - ${step.note}` : ""}\n` +
      `    expected: ${step.expect === undefined ? "success" : JSON.stringify(step.expect)}\n` +
      `    actual:   ${JSON.stringify(step.reply)}\n`;
  }
  return text;
}
