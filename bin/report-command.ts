// `chronoq report TRACE [--html FILE] [--md FILE] [--json FILE] [--text]`: turns any trace
// (from run, sim, fuzz or replay) into reports; with no option it prints the Markdown
// summary. Also the helpers behind `--report DIR` on the other commands, which write the
// trace and its three reports side by side. Exit status: 0 written, 2 unreadable trace.

import { mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  modelOfFile, renderHtml, renderJson, renderMarkdown, reportPaths, textOfFile,
  TraceFormatError, writeReports, type WrittenReports,
} from "../reports/index.js";

export const EXIT_REPORTED = 0;
export const EXIT_BAD_TRACE = 2;

export interface ReportFlags {
  readonly html?: string;
  readonly md?: string;
  readonly json?: string;
  readonly text?: boolean;
  readonly reproduce?: string;
}

export function reportCommand(trace: string, flags: ReportFlags): number {
  try {
    if (flags.text === true) {
      for (const line of textOfFile(trace)) process.stdout.write(`${line}\n`);
    }
    const files = [flags.html, flags.md, flags.json].filter((f) => f !== undefined);
    if (files.length === 0 && flags.text === true) return EXIT_REPORTED;
    const model = modelOfFile(trace, flags.reproduce === undefined ? {}
      : { reproduce: flags.reproduce });
    if (files.length === 0) {
      process.stdout.write(renderMarkdown(model));
      return EXIT_REPORTED;
    }
    const outputs: [string | undefined, () => string][] = [[flags.html, () => renderHtml(model)],
      [flags.md, () => renderMarkdown(model)], [flags.json, () => renderJson(model)]];
    for (const [file, render] of outputs) {
      if (file === undefined) continue;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, render());
      process.stderr.write(`report written to ${file}\n`);
    }
    return EXIT_REPORTED;
  } catch (error) {
    if (!(error instanceof TraceFormatError)) throw error;
    process.stderr.write(`invalid trace: ${error.message}\n`);
    return EXIT_BAD_TRACE;
  }
}

/** Where `--report DIR` puts a run's trace when no `--trace PATH` was given. */
export function traceInDir(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  return join(dir, `${basename(name).replace(/\.json$/, "")}.trace.jsonl`);
}

export interface ArtifactOptions {
  readonly trace?: string;
  readonly report?: string;
  /** The scenario or world file the run came from; names the files in DIR. */
  readonly name: string;
  readonly reproduce: string;
  /** Tell where files went on stderr rather than stdout (whose text scripts parse). */
  readonly quiet?: boolean;
}

/** Writes trace text to `--trace` and/or DIR, then the reports of it into DIR. */
export function writeRunArtifacts(text: string, options: ArtifactOptions): WrittenReports | null {
  if (options.trace !== undefined) writeFileSync(options.trace, text);
  if (options.report === undefined) {
    tell(options, `trace written to ${options.trace}`);
    return null;
  }
  const tracePath = options.trace ?? traceInDir(options.report, options.name);
  if (options.trace === undefined) writeFileSync(tracePath, text);
  return reportTrace(tracePath, options);
}

/** Writes the three reports of a trace file already on disk into `options.report`. */
export function reportTrace(tracePath: string, options: ArtifactOptions): WrittenReports {
  const written = writeReports(tracePath, options.report!, options.name,
    { reproduce: options.reproduce });
  tell(options, `trace ${tracePath}; reports ${written.html}, ${written.markdown}, ` +
    `${written.json}`);
  return written;
}

function tell(options: ArtifactOptions, message: string): void {
  (options.quiet === true ? process.stderr : process.stdout).write(`${message}\n`);
}

export { reportPaths };
