/**
 * Distance-based Byzantine-robust aggregation: Krum and Multi-Krum (Blanchard et al. 2017,
 * "Machine Learning with Adversaries: Byzantine Tolerant Gradient Descent") and Bulyan (El Mhamdi
 * et al. 2018, "The Hidden Vulnerability of Distributed Learning in Byzantium"). Each update is
 * one vector: all its tensors flattened in manifest order.
 */
import { nthElement } from './select.ts';
import { blockReduce } from './order-stats.ts';
import { weightedMean } from './means.ts';
import { throwFirstNonFinite } from './validate.ts';
import type { Update } from './types.ts';

/** Coordinates per block of the distance pass: K blocks of this many floats stay in cache together. */
const DISTANCE_FLOATS = 1 << 18;

/**
 * Squared L2 distances between every pair of updates, K × K row-major (float64). O(K² · P): the
 * coordinates go by in blocks so each block of all K updates is read from memory once.
 */
export function pairwiseSquaredDistances(updates: Update[]): Float64Array {
  const k = updates.length;
  const d = new Float64Array(k * k);
  const block = Math.max(256, Math.floor(DISTANCE_FLOATS / k));
  const tensors = updates[0].weights.length;
  for (let t = 0; t < tensors; t++) {
    const n = updates[0].weights[t].length;
    for (let start = 0; start < n; start += block) {
      const end = Math.min(n, start + block);
      for (let a = 0; a < k; a++) {
        const x = updates[a].weights[t];
        for (let b = a + 1; b < k; b++) {
          d[a * k + b] += squaredDistance(x, updates[b].weights[t], start, end);
        }
      }
    }
  }
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const v = d[a * k + b];
      // Sums of squares of finite float32 differences cannot overflow float64: non-finite means a bad input.
      if (!Number.isFinite(v)) throwFirstNonFinite(updates);
      d[b * k + a] = v;
    }
  }
  return d;
}

function squaredDistance(x: Float32Array, y: Float32Array, start: number, end: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = start;
  for (const stop = end - 1; i < stop; i += 2) {
    const d0 = x[i] - y[i];
    const d1 = x[i + 1] - y[i + 1];
    s0 += d0 * d0;
    s1 += d1 * d1;
  }
  if (i < end) {
    const d0 = x[i] - y[i];
    s0 += d0 * d0;
  }
  return s0 + s1;
}

/**
 * Krum scores (Blanchard et al. 2017, section 4): for each update in `members`, the sum of its
 * squared distances to its n − f − 2 nearest other members (n = members.length, at least 0).
 */
export function krumScores(distances: Float64Array, k: number, members: number[], f: number): Float64Array {
  const n = members.length;
  const neighbours = Math.max(0, n - f - 2);
  const scores = new Float64Array(n);
  const row = new Float64Array(Math.max(1, n - 1));
  for (let i = 0; i < n; i++) {
    const a = members[i];
    let m = 0;
    for (let j = 0; j < n; j++) if (j !== i) row[m++] = distances[a * k + members[j]];
    if (neighbours > 0 && neighbours < m) nthElement(row, 0, m - 1, neighbours - 1);
    let s = 0;
    for (let j = 0; j < Math.min(neighbours, m); j++) s += row[j];
    scores[i] = s;
  }
  return scores;
}

/** Indices of the `count` lowest scores, lowest first (ties: the lower index). */
function lowest(scores: Float64Array, count: number): number[] {
  return Array.from(scores.keys())
    .sort((a, b) => scores[a] - scores[b] || a - b)
    .slice(0, count);
}

/** Krum (Blanchard et al. 2017): the one update whose n − f − 2 nearest neighbours are closest to it. */
export function krum(updates: Update[], f: number): Float32Array[] {
  return multiKrum(updates, f, 1);
}

/**
 * Multi-Krum (Blanchard et al. 2017, section 5): the plain mean of the m updates with the best
 * Krum scores (default m = K − f). Sample counts do not weigh in: a Byzantine count would.
 */
export function multiKrum(updates: Update[], f: number, m = updates.length - f): Float32Array[] {
  const k = updates.length;
  const d = pairwiseSquaredDistances(updates);
  const all = Array.from({ length: k }, (_, i) => i);
  const chosen = lowest(krumScores(d, k, all, f), Math.max(1, Math.min(k, m)));
  if (chosen.length === 1) return updates[chosen[0]].weights.map((t) => Float32Array.from(t));
  const picked = chosen.sort((a, b) => a - b).map((i) => updates[i]);
  return weightedMean(
    picked,
    picked.map(() => 1),
  );
}

/**
 * Bulyan (El Mhamdi et al. 2018, section 4, with Krum as the base rule): pick θ = K − 2f updates
 * by applying Krum again and again to those not yet picked, then at each coordinate average the
 * β = θ − 2f of their values closest to the coordinate's median. Needs K ≥ 4f + 3.
 */
export function bulyan(updates: Update[], f: number): Float32Array[] {
  const k = updates.length;
  const theta = k - 2 * f;
  const beta = theta - 2 * f;
  const d = pairwiseSquaredDistances(updates);
  const remaining = Array.from({ length: k }, (_, i) => i);
  const selected: number[] = [];
  while (selected.length < theta) {
    const [best] = lowest(krumScores(d, k, remaining, f), 1);
    selected.push(remaining[best]);
    remaining.splice(best, 1);
  }
  const picked = selected.sort((a, b) => a - b).map((i) => updates[i]);
  return blockReduce(picked, (s, lo) => closestToMedianMean(s, lo, theta, beta));
}

/** Mean of the β of s[lo .. lo + n) closest to their median (ties: the lower values); reorders them. */
export function closestToMedianMean(s: Float32Array, lo: number, n: number, beta: number): number {
  const hi = lo + n - 1;
  s.subarray(lo, hi + 1).sort();
  const mid = lo + (n >> 1);
  const med = n % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  // The β values closest to the median are a window of the sorted values: slide it to the best place.
  let best = lo;
  let bestSpread = Infinity;
  for (let start = lo; start + beta - 1 <= hi; start++) {
    const spread = Math.max(med - s[start], s[start + beta - 1] - med);
    if (spread < bestSpread) {
      bestSpread = spread;
      best = start;
    }
  }
  let sum = 0;
  for (let i = best; i < best + beta; i++) sum += s[i];
  return sum / beta;
}
