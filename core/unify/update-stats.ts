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

function l2(a: Float32Array[], b: Float32Array[]): number {
  let s = 0;
  for (let t = 0; t < a.length; t++) {
    const x = a[t];
    const y = b[t];
    for (let i = 0; i < x.length; i++) {
      const d = x[i] - y[i];
      s += d * d;
    }
  }
  return Math.sqrt(s);
}

function medianOf(values: number[]): number {
  const s = [...values].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Distances and outlier flags of a round's updates (non-finite distances are outliers). */
export function updateStats(global: Float32Array[], updates: Update[]): UpdateStat[] {
  if (updates.length === 0) return [];
  const mid = median(updates);
  const fromGlobal = updates.map((u) => l2(u.weights, global));
  const fromMedian = updates.map((u) => l2(u.weights, mid));
  const finite = fromMedian.filter(Number.isFinite);
  const center = finite.length ? medianOf(finite) : 0;
  const mad = finite.length ? medianOf(finite.map((d) => Math.abs(d - center))) : 0;
  return updates.map((_, i) => {
    const d = fromMedian[i];
    let score: number;
    if (!Number.isFinite(d)) score = Infinity;
    else if (mad > 0) score = (0.6745 * (d - center)) / mad;
    // With no spread (e.g. most updates identical) any update farther than twice the typical one stands out.
    else score = center > 0 ? (d > 2 * center ? (d / center) * OUTLIER_SCORE : 0) : d > 0 ? Infinity : 0;
    return {
      distanceFromGlobal: fromGlobal[i],
      distanceFromMedian: d,
      score,
      outlier: updates.length >= 3 && score > OUTLIER_SCORE,
    };
  });
}
