// Report benchmark (not a test): a simulated day of 50k jobs under faults (the big world of
// bench/sim.ts) is traced, turned into an HTML report, and opened in headless Chromium. It
// prints the trace size, the time to build the report, the HTML size (target under 10 MB) and
// the time until the page has drawn (target under 2 s). Run with `npm run bench:report`;
// `--quick` runs two hours instead of a day.

import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { modelOfFile, renderHtml } from "../reports/index.js";
import { runWorld } from "../sim/index.js";
import { parseWorld } from "../sim/world.js";
import { bigWorld } from "./worlds.js";

const quick = process.argv.includes("--quick");
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(2);
}

/** Opens the report from a file:// URL and waits until its script has drawn the timeline. */
async function renderInChromium(file: string): Promise<{ wallMs: number; scriptMs: number }> {
  const profile = mkdtempSync(join(tmpdir(), "chronoq-bench-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium", headless: true, args: ARGS,
    viewport: { width: 1400, height: 900 } });
  try {
    const page = await context.newPage();
    const started = performance.now();
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector("body[data-ready='1']", { timeout: 60_000 });
    const wallMs = performance.now() - started;
    const scriptMs = await page.evaluate(() =>
      (globalThis as unknown as { chronoqRenderMs: number }).chronoqRenderMs);
    return { wallMs, scriptMs };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const hours = quick ? 2 : 24;
  const jobs = quick ? Math.round(50_000 / 12) : 50_000;
  const dir = join(tmpdir(), "chronoq-bench-report");
  mkdirSync(dir, { recursive: true });
  const tracePath = join(dir, "big.trace.jsonl");
  let started = performance.now();
  const verdict = runWorld(parseWorld(bigWorld(hours, jobs)), { tracePath,
    invariantEvery: 1000 });
  console.log(`report: simulated ${verdict.world}: ${verdict.kind}, ${verdict.folded} ` +
    `commands, trace ${(statSync(tracePath).size / 1e6).toFixed(1)} MB in ${seconds(started)} s`);

  started = performance.now();
  const model = modelOfFile(tracePath);
  const html = renderHtml(model);
  const htmlPath = join(dir, "big.report.html");
  writeFileSync(htmlPath, html);
  console.log(`report: built from the trace in ${seconds(started)} s: ` +
    `${model.timeline.bars.length} attempts, ${model.timeline.lanes.length} lanes; HTML ` +
    `${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB (target < 10 MB) at ${htmlPath}`);

  const first = await renderInChromium(htmlPath);
  const second = await renderInChromium(htmlPath);
  const worst = Math.max(first.wallMs, second.wallMs);
  console.log(`report: Chromium drew it in ${worst.toFixed(0)} ms from navigation to ready ` +
    `(script done at ${Math.max(first.scriptMs, second.scriptMs).toFixed(0)} ms after ` +
    `navigation start; target < 2000 ms; worst of two fresh profiles)`);
}

await main();
