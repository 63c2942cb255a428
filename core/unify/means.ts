/**
 * The paper's methods and FedAvg, each one pass over the updates in blocks of coordinates: the
 * float64 accumulator of a block stays in cache while every update streams through it once, and
 * finiteness is checked on the way (a non-finite input makes a sum non-finite) rather than in a
 * separate pass over all K × P values.
 */
import { throwFirstNonFinite } from './validate.ts';
import type { Update } from './types.ts';

/** Coordinates per block: a 32 KiB float64 accumulator fits the L1 cache. */
const BLOCK = 4096;

/** Paper eq. (4): the plain mean of the weights at each position, (w_m1 + … + w_mk) / k. */
export function average(updates: Update[]): Float32Array[] {
  return weightedMean(
    updates,
    updates.map(() => 1),
  );
}

/** FedAvg (McMahan et al. 2017, "Communication-Efficient Learning…", eq. for w_{t+1}): mean weighted by sample counts n_k / n. */
export function weightedAverage(updates: Update[]): Float32Array[] {
  return weightedMean(
    updates,
    updates.map((u) => u.samples),
  );
}

/** Σ w_u · x_u / Σ w_u per position, summed in float64 in update order (k identical float32 inputs give that input back exactly). */
export function weightedMean(updates: Update[], weights: number[]): Float32Array[] {
  let total = 0;
  for (const w of weights) total += w;
  const acc = new Float64Array(BLOCK);
  let bad = 0;
  const result = updates[0].weights.map((first, t) => {
    const n = first.length;
    const out = new Float32Array(n);
    for (let start = 0; start < n; start += BLOCK) {
      const end = Math.min(n, start + BLOCK);
      const len = end - start;
      const src0 = first;
      const w0 = weights[0];
      for (let j = 0; j < len; j++) acc[j] = w0 * src0[start + j];
      for (let u = 1; u < updates.length; u++) {
        const src = updates[u].weights[t];
        const w = weights[u];
        for (let j = 0; j < len; j++) acc[j] += w * src[start + j];
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
  let bad = 0;
  const result = updates[0].weights.map((first, t) => {
    const out = Float32Array.from(first);
    for (let i = 0; i < out.length; i++) bad += out[i] * 0;
    for (let u = 1; u < updates.length; u++) {
      const src = updates[u].weights[t];
      for (let i = 0; i < out.length; i++) {
        const v = src[i];
        bad += v * 0;
        if (v > out[i]) out[i] = v;
      }
    }
    return out;
  });
  if (bad !== 0) throwFirstNonFinite(updates);
  return result;
}

/**
 * Paper eq. (6), read as "keep the signed weight whose magnitude is largest" (ties: the first input).
 * Read literally, max(|w_m1|, …, |w_mk|) would make every weight ≥ 0; see `magnitudeAbsMax`.
 */
export function signedAbsMax(updates: Update[]): Float32Array[] {
  let bad = 0;
  const result = updates[0].weights.map((first, t) => {
    const out = Float32Array.from(first);
    const mag = new Float32Array(out.length);
    for (let i = 0; i < out.length; i++) {
      bad += out[i] * 0;
      mag[i] = Math.abs(out[i]);
    }
    for (let u = 1; u < updates.length; u++) {
      const src = updates[u].weights[t];
      for (let i = 0; i < out.length; i++) {
        const v = src[i];
        const a = Math.abs(v);
        bad += v * 0;
        if (a > mag[i]) {
          mag[i] = a;
          out[i] = v;
        }
      }
    }
    return out;
  });
  if (bad !== 0) throwFirstNonFinite(updates);
  return result;
}

/** Paper eq. (6) read literally, max(|w_m1|, …, |w_mk|): every unified weight is ≥ 0 (for the ablation). */
export function magnitudeAbsMax(updates: Update[]): Float32Array[] {
  let bad = 0;
  const result = updates[0].weights.map((first, t) => {
    const out = new Float32Array(first.length);
    for (let u = 0; u < updates.length; u++) {
      const src = updates[u].weights[t];
      for (let i = 0; i < out.length; i++) {
        const a = Math.abs(src[i]);
        bad += a * 0;
        if (a > out[i]) out[i] = a;
      }
    }
    return out;
  });
  if (bad !== 0) throwFirstNonFinite(updates);
  return result;
}
