// The reports' public API, as bin/ uses it: read a trace file into a model, render it as
// HTML, Markdown, JSON or terminal lines, and write the three files of `--report DIR`.
// Everything here but the file reading and writing is a pure function of the trace.

import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import { buildModel, type ModelOptions, type ReportModel } from "./model.js";
import { textLines } from "./text.js";
import { fileLines, linesOf, parseLines, TraceFormatError } from "./trace-read.js";

export { buildModel, renderHtml, renderJson, renderMarkdown, textLines, TraceFormatError };
export type { ModelOptions, ReportModel };

/** The model of a trace file; a missing or malformed file throws TraceFormatError. */
export function modelOfFile(path: string, options: ModelOptions = {}): ReportModel {
  return buildModel(parseLines(readable(path)), options);
}

/** The model of trace text (tests, and traces already in memory). */
export function modelOfText(text: string, options: ModelOptions = {}): ReportModel {
  return buildModel(parseLines(linesOf(text)), options);
}

/** The terminal lines of a trace file, streamed. */
export function textOfFile(path: string): Generator<string> {
  return textLines(parseLines(readable(path)));
}

function* readable(path: string): Generator<string> {
  let lines: Generator<string>;
  try {
    lines = fileLines(path);
    const first = lines.next();
    if (first.done === true) throw new TraceFormatError(0, `${path} is empty`);
    yield first.value;
  } catch (error) {
    if (error instanceof TraceFormatError) throw error;
    throw new TraceFormatError(0, `cannot read ${path}: ${(error as Error).message}`);
  }
  yield* lines;
}

export interface WrittenReports {
  readonly html: string;
  readonly markdown: string;
  readonly json: string;
}

/** The report files' names for a trace or scenario path: `<base>.report.{html,md,json}`. */
export function reportPaths(dir: string, name: string): WrittenReports {
  const base = basename(name).replace(/\.trace\.jsonl$|\.jsonl?$/, "");
  return { html: join(dir, `${base}.report.html`), markdown: join(dir, `${base}.report.md`),
    json: join(dir, `${base}.report.json`) };
}

/** Writes the HTML, Markdown and JSON reports of a trace file into `dir`. */
export function writeReports(
  tracePath: string, dir: string, name: string, options: ModelOptions = {},
): WrittenReports {
  const model = modelOfFile(tracePath, options);
  const paths = reportPaths(dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(paths.html, renderHtml(model));
  writeFileSync(paths.markdown, renderMarkdown(model));
  writeFileSync(paths.json, renderJson(model));
  return paths;
}
