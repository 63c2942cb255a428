/**
 * Coordinate-wise order statistics (median, trimmed mean) by selection, not sorting. The K values
 * of a block of coordinates are first gathered into one scratch array (coordinate-major, so each
 * coordinate's K values are contiguous and stay in cache), then each coordinate's statistic comes
 * from branch-free quickselect (O(K) per coordinate) and one branch-free pass over its K values.
 * Where a process registered threads (core/unify-threads/order-stat-threads.ts: the hub, `bench unify`), large calls
 * are split over them by ranges of coordinates; the result is the same, value for value.
 */
import { selectTwo, selectValue } from './select.ts';
import { throwFirstNonFinite, UnifyError } from './validate.ts';
import type { Update } from './types.ts';

/** An order statistic taken at every coordinate: what a worker thread needs to compute it too. */
export type OrderStat = { kind: 'median' } | { kind: 'trimmed'; trim: number };

/** A reducer of one coordinate's K values at scratch[offset .. offset + K); it may reorder them. */
export type Reduce = (scratch: Float32Array, offset: number) => number;

/**
 * Computes a statistic over all coordinates on several threads, or returns null to leave the call
 * to this thread (too small, threads not ready, updates not in shared memory).
 */
export type ParallelOrderStats = (updates: Update[], stat: OrderStat) => Float32Array[] | null;

let parallel: ParallelOrderStats | null = null;

/** Registers (or with null removes) the multi-threaded path for median and trimmed mean. */
export function setParallelOrderStats(p: ParallelOrderStats | null): void {
  parallel = p;
}

/** The per-coordinate reducer of `stat` for k values (with its own scratch buffers). */
export function reducerOf(stat: OrderStat, k: number): Reduce {
  if (stat.kind === 'median') {
    const mid = k >> 1;
    const tmp = new Float32Array(k);
    const stats = new Float64Array(3);
    return (s, lo) => {
      if (k === 1) return s[lo];
      // Selection may reorder s[lo .. lo + k): that is allowed here.
      if (k % 2 === 1) return selectValue(s, lo, k, mid, tmp);
      const upper = selectValue(s, lo, k, mid, tmp, stats, false);
      return (stats[0] + upper) / 2;
    };
  }
  const { trim } = stat;
  const keep = k - 2 * trim;
  const work = new Float32Array(k);
  const tmp = new Float32Array(k);
  const found = new Float64Array(3);
  return (s, lo) => {
    if (trim === 0) {
      let sum = 0;
      for (let i = lo, e = lo + k; i < e; i++) sum += s[i];
      return sum / keep;
    }
    selectTwo(s, lo, k, trim, k - 1 - trim, work, tmp, found);
    return found[2] / keep;
  };
}

/** `stat` at every coordinate: on the registered threads when they take the call, else here. */
export function orderStat(updates: Update[], stat: OrderStat): Float32Array[] {
  return parallel?.(updates, stat) ?? blockReduce(updates, reducerOf(stat, updates.length));
}

/** Coordinate-wise median (Yin et al. 2018, "Byzantine-Robust Distributed Learning", Def. 1); even k: mean of the two middle values. */
export function median(updates: Update[]): Float32Array[] {
  return orderStat(updates, { kind: 'median' });
}

/**
 * Coordinate-wise trimmed mean (Yin et al. 2018, Def. 2): drop the `trim` largest and smallest
 * values at each position and average the rest (summed in float64 as selection goes).
 */
export function trimmedMeanByCount(updates: Update[], trim: number): Float32Array[] {
  const k = updates.length;
  if (!Number.isInteger(trim) || trim < 0 || 2 * trim >= k) {
    throw new UnifyError(`trimmed-mean: cannot cut ${trim} values at each end of ${k}`);
  }
  return orderStat(updates, { kind: 'trimmed', trim });
}

/** Scratch size in floats: about 256 KiB, so a block of K-value columns stays in the L2 cache. */
const SCRATCH_FLOATS = 65536;

/**
 * Calls `reduce(scratch, offset)` once per coordinate of every tensor, with that coordinate's K
 * values at scratch[offset .. offset + K). `reduce` may reorder them. Checks finiteness on the way.
 */
export function blockReduce(updates: Update[], reduce: Reduce): Float32Array[] {
  const scratch = scratchFor(updates.length);
  return updates[0].weights.map((first, t) => {
    const out = new Float32Array(first.length);
    if (!reduceRange(updates, t, 0, first.length, out, scratch, reduce)) throwFirstNonFinite(updates);
    return out;
  });
}

/** Coordinates per block for k values: a block's K-value columns fill the scratch. */
export function blockSize(k: number): number {
  return Math.max(1, Math.min(256, Math.floor(SCRATCH_FLOATS / k)));
}

/** A scratch array for blocks of k-value columns. */
export function scratchFor(k: number): Float32Array {
  return new Float32Array(blockSize(k) * k);
}

/**
 * Reduces coordinates [start, start + len) of tensor t into out[start .. start + len), a block at a
 * time. Returns false (and stops) at a block holding a value that is not finite: a NaN would break
 * selection's invariants, so nothing is reduced past it.
 */
export function reduceRange(
  updates: Update[],
  t: number,
  start: number,
  len: number,
  out: Float32Array,
  scratch: Float32Array,
  reduce: Reduce,
): boolean {
  const k = updates.length;
  const block = blockSize(k);
  for (let from = start, end = start + len; from < end; from += block) {
    const n = Math.min(block, end - from);
    if (!gatherBlock(updates, t, from, n, scratch)) return false;
    for (let j = 0; j < n; j++) out[from + j] = reduce(scratch, j * k);
  }
  return true;
}

/**
 * Transposes coordinates [start, start + len) of tensor t of every update into scratch
 * (coordinate-major), eight updates at a time so each write fills part of one cache line.
 * Returns false when a value is not finite (a sum of finite float32 values is finite in float64).
 */
function gatherBlock(
  updates: Update[],
  t: number,
  start: number,
  len: number,
  scratch: Float32Array,
): boolean {
  const k = updates.length;
  let bad = 0;
  let u = 0;
  for (; u + 7 < k; u += 8) {
    const a0 = updates[u].weights[t];
    const a1 = updates[u + 1].weights[t];
    const a2 = updates[u + 2].weights[t];
    const a3 = updates[u + 3].weights[t];
    const a4 = updates[u + 4].weights[t];
    const a5 = updates[u + 5].weights[t];
    const a6 = updates[u + 6].weights[t];
    const a7 = updates[u + 7].weights[t];
    for (let j = 0, i = start, d = u; j < len; j++, i++, d += k) {
      const v0 = a0[i];
      const v1 = a1[i];
      const v2 = a2[i];
      const v3 = a3[i];
      const v4 = a4[i];
      const v5 = a5[i];
      const v6 = a6[i];
      const v7 = a7[i];
      bad += (v0 + v1 + (v2 + v3) + (v4 + v5 + (v6 + v7))) * 0;
      scratch[d] = v0;
      scratch[d + 1] = v1;
      scratch[d + 2] = v2;
      scratch[d + 3] = v3;
      scratch[d + 4] = v4;
      scratch[d + 5] = v5;
      scratch[d + 6] = v6;
      scratch[d + 7] = v7;
    }
  }
  for (; u < k; u++) {
    const src = updates[u].weights[t];
    for (let j = 0, i = start, d = u; j < len; j++, i++, d += k) {
      const v = src[i];
      bad += v * 0;
      scratch[d] = v;
    }
  }
  return bad === 0;
}
