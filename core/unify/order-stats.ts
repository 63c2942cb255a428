/**
 * Coordinate-wise order statistics (median, trimmed mean) by selection, not sorting. The K values
 * of a block of coordinates are first gathered into one scratch array (coordinate-major, so each
 * coordinate's K values are contiguous and stay in cache), then each coordinate's statistic is
 * found with introselect: O(K) per coordinate instead of an O(K²) insertion sort.
 */
import { insertionSort, maxOf, nthElement } from './select.ts';
import { throwFirstNonFinite, UnifyError } from './validate.ts';
import type { Update } from './types.ts';

/** Coordinate-wise median (Yin et al. 2018, "Byzantine-Robust Distributed Learning", Def. 1); even k: mean of the two middle values. */
export function median(updates: Update[]): Float32Array[] {
  const k = updates.length;
  const mid = k >> 1;
  return blockReduce(updates, (s, lo) => {
    const hi = lo + k - 1;
    if (k <= 3) {
      insertionSort(s, lo, hi);
      return k % 2 === 1 ? s[lo + mid] : (s[lo + mid - 1] + s[lo + mid]) / 2;
    }
    nthElement(s, lo, hi, lo + mid);
    // After selection everything left of mid is ≤ s[mid]: the lower middle is their maximum.
    return k % 2 === 1 ? s[lo + mid] : (maxOf(s, lo, lo + mid - 1) + s[lo + mid]) / 2;
  });
}

/**
 * Coordinate-wise trimmed mean (Yin et al. 2018, Def. 2): drop the `trim` largest and smallest
 * values at each position and average the rest. The rest is summed in float64 with Neumaier's
 * compensation, so the result does not depend on the order selection leaves the values in.
 */
export function trimmedMeanByCount(updates: Update[], trim: number): Float32Array[] {
  const k = updates.length;
  if (!Number.isInteger(trim) || trim < 0 || 2 * trim >= k) {
    throw new UnifyError(`trimmed-mean: cannot cut ${trim} values at each end of ${k}`);
  }
  const keep = k - 2 * trim;
  return blockReduce(updates, (s, lo) => {
    const hi = lo + k - 1;
    if (trim > 0) {
      nthElement(s, lo, hi, lo + trim);
      nthElement(s, lo + trim, hi, hi - trim);
    }
    return compensatedSum(s, lo + trim, hi - trim) / keep;
  });
}

/** Neumaier's compensated sum of a[lo..hi] (inclusive) in float64. */
export function compensatedSum(a: Float32Array | Float64Array, lo: number, hi: number): number {
  let sum = 0;
  let c = 0;
  for (let i = lo; i <= hi; i++) {
    const v = a[i];
    const t = sum + v;
    c += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + c;
}

/** Scratch size in floats: about 256 KiB, so a block of K-value columns stays in the L2 cache. */
const SCRATCH_FLOATS = 65536;

/**
 * Calls `reduce(scratch, offset)` once per coordinate of every tensor, with that coordinate's K
 * values at scratch[offset .. offset + K). `reduce` may reorder them. Checks finiteness on the way.
 */
export function blockReduce(
  updates: Update[],
  reduce: (scratch: Float32Array, offset: number) => number,
): Float32Array[] {
  const k = updates.length;
  const block = Math.max(1, Math.floor(SCRATCH_FLOATS / k));
  const scratch = new Float32Array(block * k);
  let bad = 0;
  const result = updates[0].weights.map((first, t) => {
    const n = first.length;
    const out = new Float32Array(n);
    for (let start = 0; start < n; start += block) {
      const len = Math.min(block, n - start);
      for (let u = 0; u < k; u++) {
        const src = updates[u].weights[t];
        for (let j = 0, d = u; j < len; j++, d += k) {
          const v = src[start + j];
          bad += v * 0;
          scratch[d] = v;
        }
      }
      // A NaN would break selection's invariants: stop before reducing this block.
      if (bad !== 0) throwFirstNonFinite(updates);
      for (let j = 0; j < len; j++) out[start + j] = reduce(scratch, j * k);
    }
    return out;
  });
  return result;
}
