// The HTML report in a real browser: Debian's headless Chromium, driven by playwright-core
// (no browser download). A shipped world's report must load from a file:// URL without
// console errors, draw its lanes and bars, show a tooltip on hover, and zoom. The screenshot
// lands in a temporary folder, or where CHRONOQ_SCREENSHOT says (the one in docs/ is made
// with CHRONOQ_SCREENSHOT=docs/report-screenshot.png). A missing Chromium fails the test:
// CI must install it.

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelOfText, renderHtml } from "../../reports/index.js";
import { loadWorld } from "../../sim/index.js";
import { runWorld } from "../../sim/run.js";

const CHROMIUM = "/usr/bin/chromium";
const WORLD = "scenarios/worlds/reaper-killed-mid-job.json";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let context: BrowserContext;
let profile: string;
let reportUrl: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`browser test: no Chromium at ${CHROMIUM}; install Debian's chromium ` +
      "package (apt-get install chromium); CI's .ci/run must install it, and the test " +
      "never skips");
  }
  const dir = mkdtempSync(join(tmpdir(), "chronoq-browser-"));
  const world = loadWorld(WORLD);
  const model = modelOfText(runWorld(world, { trace: true }).trace,
    { reproduce: `chronoq sim ${WORLD} --seed ${world.seed}` });
  const file = join(dir, "report.html");
  writeFileSync(file, renderHtml(model));
  reportUrl = pathToFileURL(file).href;
  // A fresh profile each run: nothing cached or remembered from an earlier one.
  profile = mkdtempSync(join(tmpdir(), "chronoq-profile-"));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM,
    headless: true, args: ARGS, viewport: { width: 1400, height: 900 } });
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
});

describe("the HTML report in Chromium", () => {
  it("loads offline, draws lanes and bars, shows tooltips, and zooms", async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("request", (request) => {
      if (!request.url().startsWith("file:") && !request.url().startsWith("data:")) {
        problems.push(`network request to ${request.url()}`);
      }
    });
    await page.goto(reportUrl);
    await page.waitForSelector("body[data-ready='1']", { timeout: 10_000 });

    expect(await page.locator("#timeline .lane").count()).toBe(6);
    expect(await page.locator("#timeline .lane-label").allTextContents()).toContain("p1");
    const bars = page.locator("#timeline rect.bar");
    expect(await bars.count()).toBeGreaterThan(50);
    expect(await page.locator("#timeline rect.bar.reaped").count()).toBe(3);
    expect(await page.locator("#timeline line.reap").count()).toBe(1);
    expect(await page.locator("#timeline .fault.crash").count()).toBe(1);

    await page.locator("#timeline rect.bar.reaped").first().hover();
    const tip = page.locator("#tip");
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toMatch(/j\d+ value.*attempt 1.*status reaped/);

    mkdirSync("docs", { recursive: true });
    const shot = process.env.CHRONOQ_SCREENSHOT ??
      join(mkdtempSync(join(tmpdir(), "chronoq-shot-")), "report-screenshot.png");
    await page.screenshot({ path: shot, fullPage: false });

    const before = await page.locator("#timeline-status").textContent();
    await page.click("#zoom-in");
    expect(await page.locator("#timeline-status").textContent()).not.toBe(before);
    await page.click("#zoom-reset");
    expect(problems).toEqual([]);
  }, 60_000);
});
