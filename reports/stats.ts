// Small, pure statistics behind the charts: nearest-rank quantiles, a histogram on a 1-2-5
// ladder of bin edges, and step series folded into a bounded number of time buckets so a
// day-long run draws as a few hundred points. Rendering is left to charts.ts.

/** One value of a step function: from `t` on (virtual microseconds) it is `v`. */
export interface Change {
  readonly t: number;
  readonly v: number;
}

/** A time bucket of a step series: the least, greatest and last value within it. */
export interface Bucket {
  readonly fromUs: number;
  readonly min: number;
  readonly max: number;
  readonly last: number;
}

export interface Summary {
  readonly count: number;
  readonly medianUs: number | null;
  readonly p99Us: number | null;
  readonly maxUs: number | null;
}

export interface Bin {
  /** Inclusive lower edge; null for the bin of values below zero. */
  readonly fromUs: number | null;
  /** Exclusive upper edge; null for the last, open bin. */
  readonly toUs: number | null;
  readonly count: number;
}

/** Nearest-rank quantile of sorted values: the smallest value with at least q of them <= it. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function summarise(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, medianUs: quantile(sorted, 0.5),
    p99Us: quantile(sorted, 0.99),
    maxUs: sorted.length === 0 ? null : sorted[sorted.length - 1]! };
}

/** Edges 0, 1ms, 2ms, 5ms, 10ms ... up to the first edge above `maxUs`. */
export function ladderEdges(maxUs: number): number[] {
  const edges = [0];
  for (let decade = 1000; edges[edges.length - 1]! <= maxUs; decade *= 10) {
    for (const step of [1, 2, 5]) edges.push(step * decade);
  }
  return edges;
}

/**
 * A histogram on the ladder: one bin for values below zero (a starter's clock behind the
 * client's), then [edge, next edge). Empty bins at either end are dropped.
 */
export function histogram(values: readonly number[]): Bin[] {
  if (values.length === 0) return [];
  let max = 0;
  for (const value of values) if (value > max) max = value;
  const edges = ladderEdges(max);
  const counts = new Array<number>(edges.length).fill(0);
  let negative = 0;
  for (const value of values) {
    if (value < 0) {
      negative++;
      continue;
    }
    counts[binIndex(edges, value)]!++;
  }
  const bins: Bin[] = edges.map((fromUs, i) => ({ fromUs,
    toUs: i + 1 < edges.length ? edges[i + 1]! : null, count: counts[i]! }));
  const first = bins.findIndex((bin) => bin.count > 0);
  const last = bins.length - 1 - [...bins].reverse().findIndex((bin) => bin.count > 0);
  const kept = first < 0 ? [] : bins.slice(first, last + 1);
  return negative === 0 ? kept : [{ fromUs: null, toUs: 0, count: negative }, ...kept];
}

/** The last edge not above the value (binary search; edges ascend from 0). */
function binIndex(edges: readonly number[], value: number): number {
  let low = 0;
  let high = edges.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (edges[middle]! <= value) low = middle;
    else high = middle - 1;
  }
  return low;
}

/**
 * Folds a step function (changes in time order, 0 before the first) into `count` equal
 * buckets covering [0, endUs]. Each bucket keeps the extremes, so a spike shorter than a
 * bucket still shows.
 */
export function bucketise(changes: readonly Change[], endUs: number, count: number): Bucket[] {
  const widthUs = Math.max(1, Math.ceil(Math.max(1, endUs) / count));
  const total = Math.min(count, Math.floor(Math.max(0, endUs) / widthUs) + 1);
  const buckets: Bucket[] = [];
  let value = 0;
  let i = 0;
  for (let b = 0; b < total; b++) {
    const fromUs = b * widthUs;
    // The last bucket takes everything up to the end, a change at exactly endUs included.
    const toUs = b === total - 1 ? Infinity : fromUs + widthUs;
    let min = value;
    let max = value;
    while (i < changes.length && changes[i]!.t < toUs) {
      value = changes[i]!.v;
      if (value < min) min = value;
      if (value > max) max = value;
      i++;
    }
    buckets.push({ fromUs, min, max, last: value });
  }
  return buckets;
}
