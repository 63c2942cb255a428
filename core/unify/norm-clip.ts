/**
 * Norm-clipped averaging (Sun et al. 2019, "Can You Really Backdoor Federated Learning?",
 * section 3, norm thresholding): each update's difference from the global model is scaled down
 * to L2 norm at most M, the clipped differences are averaged and added to the global model.
 * M is the job's `clipNorm`, or else the round's median distance (so a minority cannot raise it).
 */
import { throwFirstNonFinite, UnifyError } from './validate.ts';
import type { Update } from './types.ts';

/** L2 distance of each update from `global`, all tensors flattened (float64). */
export function distancesFrom(global: Float32Array[], updates: Update[]): Float64Array {
  const out = new Float64Array(updates.length);
  updates.forEach((u, i) => {
    let s0 = 0;
    let s1 = 0;
    u.weights.forEach((t, ti) => {
      const g = global[ti];
      // Two sums: half the dependency chain of one.
      const even = t.length - (t.length & 1);
      for (let j = 0; j < even; j += 2) {
        const d0 = t[j] - g[j];
        const d1 = t[j + 1] - g[j + 1];
        s0 += d0 * d0;
        s1 += d1 * d1;
      }
      if (even < t.length) s0 += (t[even] - g[even]) ** 2;
    });
    const s = s0 + s1;
    if (!Number.isFinite(s)) throwFirstNonFinite(updates);
    out[i] = Math.sqrt(s);
  });
  return out;
}

/** Median of a few numbers (even count: mean of the two middle ones). */
function medianOf(xs: Float64Array): number {
  const s = Float64Array.from(xs).sort();
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** global + mean over updates of min(1, M / ‖Δ_u‖) · Δ_u, with Δ_u = update − global. */
export function normClipAverage(
  updates: Update[],
  global: Float32Array[],
  clipNorm?: number,
): Float32Array[] {
  const norms = distancesFrom(global, updates);
  const bound = clipNorm ?? medianOf(norms);
  if (!(bound >= 0) || !Number.isFinite(bound)) {
    throw new UnifyError(`norm-clip-avg: clip bound ${bound} must be a finite number ≥ 0`);
  }
  const scales = Array.from(norms, (n) => (n > bound ? bound / n : 1));
  const k = updates.length;
  const acc = new Float64Array(BLOCK);
  return global.map((g, t) => {
    const out = new Float32Array(g.length);
    // Blocks of coordinates: the accumulator and the global block stay in cache while K updates stream by.
    for (let start = 0; start < g.length; start += BLOCK) {
      const end = Math.min(g.length, start + BLOCK);
      acc.fill(0);
      for (let u = 0; u < k; u++) {
        const src = updates[u].weights[t];
        const scale = scales[u];
        for (let i = start, j = 0; i < end; i++, j++) acc[j] += scale * (src[i] - g[i]);
      }
      for (let i = start, j = 0; i < end; i++, j++) out[i] = g[i] + acc[j] / k;
    }
    return out;
  });
}

/** Coordinates per block (a 16 KiB float64 accumulator). */
const BLOCK = 2048;
