/**
 * Seeing attacks: per update, its L2 distance from the global model and from the round's
 * coordinate-wise median update, and a robust z-score of the latter (Iglewicz & Hoaglin 1993:
 * modified z = 0.6745 (x - median) / MAD, outlier above 3.5). Robust statistics, so one huge
 * update cannot hide itself by inflating the spread it is measured against. Pure.
 */
import { median } from './order-stats.ts';
import type { Update } from './types.ts';

/** What the hub records about one update of a round. */
export interface UpdateStat {
  distanceFromGlobal: number;
  distanceFromMedian: number;
  /** Modified z-score of distanceFromMedian among the round's updates (0 when all agree). */
  score: number;
  outlier: boolean;
}

export const OUTLIER_SCORE = 3.5;

function medianOf(values: number[]): number {
  const s = [...values].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Per update, the float64 sums of squared differences from the global model and from the median update. */
export interface DistanceSums {
  fromGlobal: Float64Array;
  fromMedian: Float64Array;
}

/** One range of coordinates: tensor `t`, flat indices [lo, hi). */
export interface CoordinateRange {
  t: number;
  lo: number;
  hi: number;
}

/** Empty sums for `k` updates. */
export function distanceSums(k: number): DistanceSums {
  return { fromGlobal: new Float64Array(k), fromMedian: new Float64Array(k) };
}

/** Ranges of at most `size` coordinates covering every tensor, in order. */
export function coordinateRanges(global: Float32Array[], size: number): CoordinateRange[] {
  const ranges: CoordinateRange[] = [];
  const step = Math.max(1, Math.floor(size));
  for (let t = 0; t < global.length; t++) {
    for (let lo = 0; lo < global[t].length; lo += step) {
      ranges.push({ t, lo, hi: Math.min(global[t].length, lo + step) });
    }
  }
  return ranges;
}

/**
 * Adds one range of coordinates to the sums: the updates' coordinate-wise median there, then each
 * update's squared differences from it and from the global model. The median is per coordinate, so
 * ranges are independent and a caller may yield between them.
 */
export function addDistances(
  sums: DistanceSums,
  global: Float32Array[],
  updates: Update[],
  { t, lo, hi }: CoordinateRange,
): void {
  const [mid] = median(
    updates.map((u) => ({ weights: [u.weights[t].subarray(lo, hi)], samples: u.samples })),
  );
  const g = global[t];
  for (let k = 0; k < updates.length; k++) {
    const x = updates[k].weights[t];
    let sg = 0;
    let sm = 0;
    for (let i = lo; i < hi; i++) {
      const v = x[i];
      const dg = v - g[i];
      const dm = v - mid[i - lo];
      sg += dg * dg;
      sm += dm * dm;
    }
    sums.fromGlobal[k] += sg;
    sums.fromMedian[k] += sm;
  }
}

/** Distances and outlier flags from the summed squared differences (non-finite distances are outliers). */
export function statsFromSums(sums: DistanceSums): UpdateStat[] {
  const fromGlobal = Array.from(sums.fromGlobal, Math.sqrt);
  const fromMedian = Array.from(sums.fromMedian, Math.sqrt);
  const k = fromMedian.length;
  const finite = fromMedian.filter(Number.isFinite);
  const center = finite.length ? medianOf(finite) : 0;
  const mad = finite.length ? medianOf(finite.map((d) => Math.abs(d - center))) : 0;
  return fromMedian.map((d, i) => {
    let score: number;
    if (!Number.isFinite(d)) score = Infinity;
    else if (mad > 0) score = (0.6745 * (d - center)) / mad;
    // With no spread (e.g. most updates identical) any update farther than twice the typical one stands out.
    else score = center > 0 ? (d > 2 * center ? (d / center) * OUTLIER_SCORE : 0) : d > 0 ? Infinity : 0;
    return {
      distanceFromGlobal: fromGlobal[i],
      distanceFromMedian: d,
      score,
      outlier: k >= 3 && score > OUTLIER_SCORE,
    };
  });
}

/** Distances and outlier flags of a round's updates, in one synchronous pass. */
export function updateStats(global: Float32Array[], updates: Update[]): UpdateStat[] {
  if (updates.length === 0) return [];
  const sums = distanceSums(updates.length);
  for (const range of coordinateRanges(global, Infinity)) addDistances(sums, global, updates, range);
  return statsFromSums(sums);
}
