// Static SVG charts drawn when the report is written (no script needed to read them): a step
// series over time as a min-max band with its last value, a histogram with median, p99 and
// max marked, and horizontal bars of counts. Every number is rounded so output is stable.

import { durationText, escapeHtml } from "./format.js";
import type { Bin, Bucket, Summary } from "./stats.js";

const W = 560;
const H = 190;
const LEFT = 46;
const RIGHT = 12;
const TOP = 14;
const BOTTOM = 28;
const PLOT_W = W - LEFT - RIGHT;
const PLOT_H = H - TOP - BOTTOM;

export const COLOURS: { readonly [name: string]: string } = {
  succeeded: "#3a9d5d", failed: "#d64545", retried: "#d9a23b", reaped: "#8e5bd1",
  open: "#9aa0a6", expired: "#b5651d", unfinished: "#6b7280",
};

const r1 = (value: number): string => String(Math.round(value * 10) / 10);

function frame(label: string, body: string): string {
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" ` +
    `aria-label="${escapeHtml(label)}">${body}</svg>`;
}

function axes(yMax: number, xLabels: readonly [number, string][]): string {
  let out = `<line class="axis" x1="${LEFT}" y1="${TOP + PLOT_H}" x2="${W - RIGHT}" ` +
    `y2="${TOP + PLOT_H}"/><line class="axis" x1="${LEFT}" y1="${TOP}" x2="${LEFT}" ` +
    `y2="${TOP + PLOT_H}"/>`;
  for (const value of [0, yMax / 2, yMax]) {
    const y = TOP + PLOT_H - (yMax === 0 ? 0 : (value / yMax) * PLOT_H);
    out += `<text class="tick" x="${LEFT - 4}" y="${r1(y + 3)}" text-anchor="end">` +
      `${Number.isInteger(value) ? value : value.toFixed(1)}</text>`;
  }
  xLabels.forEach(([x, text], i) => {
    // The first and last labels align inwards so the plot's edges do not clip them.
    const anchor = i === 0 ? "start" : i === xLabels.length - 1 ? "end" : "middle";
    out += `<text class="tick" x="${r1(x)}" y="${H - 10}" text-anchor="${anchor}">` +
      `${escapeHtml(text)}</text>`;
  });
  return out;
}

/** A series over virtual time: the band between each bucket's min and max, and its last. */
export function seriesChart(
  label: string, buckets: readonly Bucket[], bucketUs: number, limit: number | null,
): string {
  const top = Math.max(1, limit ?? 0, ...buckets.map((b) => b.max));
  const endUs = buckets.length * bucketUs;
  const x = (i: number) => LEFT + (i / Math.max(1, buckets.length)) * PLOT_W;
  const y = (v: number) => TOP + PLOT_H - (v / top) * PLOT_H;
  const step = (i: number, v: number, back: boolean) => back
    ? `${r1(x(i + 1))},${r1(y(v))} ${r1(x(i))},${r1(y(v))}`
    : `${r1(x(i))},${r1(y(v))} ${r1(x(i + 1))},${r1(y(v))}`;
  const upper = buckets.map((b, i) => step(i, b.max, false));
  const lower = buckets.map((b, i) => step(i, b.min, true)).reverse();
  const last = buckets.map((b, i) => `${r1(x(i + 1))},${r1(y(b.last))}`);
  let body = axes(top, [[LEFT, "+0"], [LEFT + PLOT_W / 2, `+${durationText(endUs / 2)}`],
    [LEFT + PLOT_W, `+${durationText(endUs)}`]]);
  if (buckets.length > 0) {
    body += `<polygon class="band" points="${[...upper, ...lower].join(" ")}"/>` +
      `<polyline class="last" points="${r1(x(0))},${r1(y(buckets[0]!.min))} ${last.join(" ")}"/>`;
  }
  if (limit !== null) {
    body += `<line class="limit" x1="${LEFT}" x2="${W - RIGHT}" y1="${r1(y(limit))}" ` +
      `y2="${r1(y(limit))}"/><text class="tick" x="${W - RIGHT}" y="${r1(y(limit) - 3)}" ` +
      `text-anchor="end">size ${limit}</text>`;
  }
  return frame(label, body);
}

/** Bin label: its lower edge, or `<0` for the bin of early starts. */
function binLabel(bin: Bin): string {
  return bin.fromUs === null ? "<0" : durationText(bin.fromUs);
}

function binOf(bins: readonly Bin[], value: number): number {
  for (let i = bins.length - 1; i >= 0; i--) {
    const from = bins[i]!.fromUs;
    if (from === null || value >= from) return i;
  }
  return 0;
}

/** Lateness histogram on the 1-2-5 ladder, the bins holding median, p99 and max marked. */
export function histogramChart(label: string, bins: readonly Bin[], summary: Summary): string {
  const top = Math.max(1, ...bins.map((b) => b.count));
  const width = PLOT_W / Math.max(1, bins.length);
  let body = axes(top, []);
  bins.forEach((bin, i) => {
    const h = (bin.count / top) * PLOT_H;
    const x = LEFT + i * width;
    body += `<rect class="bin" x="${r1(x + 1)}" y="${r1(TOP + PLOT_H - h)}" ` +
      `width="${r1(Math.max(1, width - 2))}" height="${r1(h)}">` +
      `<title>${escapeHtml(binLabel(bin))}` +
      ` to ${bin.toUs === null ? "more" : durationText(bin.toUs)}: ${bin.count}</title></rect>`;
    if (bins.length <= 14 || i % 2 === 0) {
      body += `<text class="tick" x="${r1(x + width / 2)}" y="${H - 10}" ` +
        `text-anchor="middle">${escapeHtml(binLabel(bin))}</text>`;
    }
  });
  const marks: [string, number | null][] = [["median", summary.medianUs], ["p99", summary.p99Us],
    ["max", summary.maxUs]];
  marks.forEach(([name, value], k) => {
    if (value === null || bins.length === 0) return;
    const x = LEFT + (binOf(bins, value) + 0.5) * width;
    body += `<line class="marker" x1="${r1(x)}" x2="${r1(x)}" y1="${TOP}" ` +
      `y2="${TOP + PLOT_H}"/><text class="mark" x="${r1(x > W - 110 ? x - 3 : x + 3)}" ` +
      `y="${TOP + 10 + k * 11}" text-anchor="${x > W - 110 ? "end" : "start"}">` +
      `${name} ${escapeHtml(durationText(value))}</text>`;
  });
  return frame(label, body);
}

/** Horizontal bars, one per named count, coloured by name. */
export function countBars(label: string, counts: readonly [string, number][]): string {
  const top = Math.max(1, ...counts.map(([, n]) => n));
  const rowH = Math.min(30, PLOT_H / Math.max(1, counts.length));
  let body = "";
  counts.forEach(([name, n], i) => {
    const y = TOP + i * rowH;
    const w = (n / top) * (PLOT_W - 60);
    body += `<text class="tick" x="${LEFT + 44}" y="${r1(y + rowH / 2 + 4)}" ` +
      `text-anchor="end">${escapeHtml(name)}</text><rect x="${LEFT + 50}" y="${r1(y + 3)}" ` +
      `width="${r1(Math.max(0.5, w))}" height="${r1(rowH - 6)}" ` +
      `fill="${COLOURS[name] ?? "#6b7280"}"/><text class="tick" x="${r1(LEFT + 56 + w)}" ` +
      `y="${r1(y + rowH / 2 + 4)}">${n}</text>`;
  });
  return frame(label, body);
}
