/**
 * The paper's methods and FedAvg, each one pass over the updates in blocks of coordinates: the
 * float64 accumulator of a block stays in cache while every update streams through it once, and
 * finiteness is checked on the way (a non-finite input makes a sum non-finite) rather than in a
 * separate pass over all K × P values.
 */
import { throwFirstNonFinite } from './validate.ts';
import type { Update } from './types.ts';

/** Coordinates per block: a 16 KiB float64 accumulator fits the L1 cache. */
const BLOCK = 2048;

const ONES = [1, 1, 1, 1];

/** acc[j] += the sum of updates u .. u + 7 at coordinate start + j (the plain mean's inner loop). */
function addEight(
  acc: Float64Array,
  updates: Update[],
  u: number,
  t: number,
  start: number,
  len: number,
): void {
  const s0 = updates[u].weights[t];
  const s1 = updates[u + 1].weights[t];
  const s2 = updates[u + 2].weights[t];
  const s3 = updates[u + 3].weights[t];
  const s4 = updates[u + 4].weights[t];
  const s5 = updates[u + 5].weights[t];
  const s6 = updates[u + 6].weights[t];
  const s7 = updates[u + 7].weights[t];
  for (let j = 0, i = start; j < len; j++, i++) {
    acc[j] += s0[i] + s1[i] + (s2[i] + s3[i]) + (s4[i] + s5[i] + (s6[i] + s7[i]));
  }
}

/** Paper eq. (4): the plain mean of the weights at each position, (w_m1 + … + w_mk) / k. */
export function average(updates: Update[]): Float32Array[] {
  return weightedMean(updates, null);
}

/** FedAvg (McMahan et al. 2017, "Communication-Efficient Learning…", eq. for w_{t+1}): mean weighted by sample counts n_k / n. */
export function weightedAverage(updates: Update[]): Float32Array[] {
  return weightedMean(
    updates,
    updates.map((u) => u.samples),
  );
}

/** Σ w_u · x_u / Σ w_u per position, summed in float64 (k identical float32 inputs give that input back exactly). */
export function weightedMean(updates: Update[], weights: number[] | null): Float32Array[] {
  let total = 0;
  if (weights) for (const w of weights) total += w;
  else total = updates.length;
  const acc = new Float64Array(BLOCK);
  let bad = 0;
  const result = updates[0].weights.map((first, t) => {
    const n = first.length;
    const out = new Float32Array(n);
    for (let start = 0; start < n; start += BLOCK) {
      const end = Math.min(n, start + BLOCK);
      const len = end - start;
      acc.fill(0, 0, len);
      let u = 0;
      if (!weights) {
        for (; u + 7 < updates.length; u += 8) addEight(acc, updates, u, t, start, len);
      }
      // Four updates per pass: a quarter of the accumulator loads and stores.
      for (; u + 3 < updates.length; u += 4) {
        const s0 = updates[u].weights[t];
        const s1 = updates[u + 1].weights[t];
        const s2 = updates[u + 2].weights[t];
        const s3 = updates[u + 3].weights[t];
        const [w0, w1, w2, w3] = weights
          ? [weights[u], weights[u + 1], weights[u + 2], weights[u + 3]]
          : ONES;
        for (let j = 0, i = start; j < len; j++, i++) {
          acc[j] += w0 * s0[i] + w1 * s1[i] + (w2 * s2[i] + w3 * s3[i]);
        }
      }
      for (; u < updates.length; u++) {
        const src = updates[u].weights[t];
        const w = weights ? weights[u] : 1;
        for (let j = 0, i = start; j < len; j++, i++) acc[j] += w * src[i];
      }
      for (let j = 0; j < len; j++) {
        const v = acc[j];
        bad += v * 0;
        out[start + j] = v / total;
      }
    }
    return out;
  });
  if (bad !== 0) throwFirstNonFinite(updates);
  return result;
}

/** Paper eq. (5): the element-wise maximum, max(w_m1, …, w_mk). */
export function elementwiseMax(updates: Update[]): Float32Array[] {
  return foldBlocks(updates, (out, src, start, len) => {
    let bad = 0;
    for (let j = 0, i = start; j < len; j++, i++) {
      const v = src[i];
      bad += v * 0;
      if (v > out[j]) out[j] = v;
    }
    return bad;
  });
}

/**
 * Paper eq. (6), read as "keep the signed weight whose magnitude is largest" (ties: the first input).
 * Read literally, max(|w_m1|, …, |w_mk|) would make every weight ≥ 0; see `magnitudeAbsMax`.
 */
export function signedAbsMax(updates: Update[]): Float32Array[] {
  return foldBlocks(updates, (out, src, start, len) => {
    let bad = 0;
    for (let j = 0, i = start; j < len; j++, i++) {
      const v = src[i];
      bad += v * 0;
      if (Math.abs(v) > Math.abs(out[j])) out[j] = v;
    }
    return bad;
  });
}

/** Paper eq. (6) read literally, max(|w_m1|, …, |w_mk|): every unified weight is ≥ 0 (for the ablation). */
export function magnitudeAbsMax(updates: Update[]): Float32Array[] {
  return foldBlocks(
    updates,
    (out, src, start, len) => {
      let bad = 0;
      for (let j = 0, i = start; j < len; j++, i++) {
        const a = Math.abs(src[i]);
        bad += a * 0;
        if (a > out[j]) out[j] = a;
      }
      return bad;
    },
    (v) => Math.abs(v),
  );
}

/**
 * Starts each block of coordinates from the first update (through `init`) and folds every other
 * update into it with `fold`, which returns a non-zero number when it met a non-finite value.
 * The block stays in cache while all K updates stream through it.
 */
function foldBlocks(
  updates: Update[],
  fold: (out: Float32Array, src: Float32Array, start: number, len: number) => number,
  init: (v: number) => number = (v) => v,
): Float32Array[] {
  let bad = 0;
  const result = updates[0].weights.map((first, t) => {
    const out = new Float32Array(first.length);
    for (let start = 0; start < out.length; start += BLOCK) {
      const len = Math.min(BLOCK, out.length - start);
      const block = out.subarray(start, start + len);
      for (let j = 0; j < len; j++) {
        const v = init(first[start + j]);
        bad += v * 0;
        block[j] = v;
      }
      for (let u = 1; u < updates.length; u++) bad += fold(block, updates[u].weights[t], start, len);
    }
    return out;
  });
  if (bad !== 0) throwFirstNonFinite(updates);
  return result;
}
