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
    let s = 0;
    u.weights.forEach((t, ti) => {
      const g = global[ti];
      for (let j = 0; j < t.length; j++) {
        const d = t[j] - g[j];
        s += d * d;
      }
    });
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
  return global.map((g, t) => {
    const acc = new Float64Array(g.length);
    updates.forEach((u, i) => {
      const src = u.weights[t];
      const s = scales[i];
      for (let j = 0; j < acc.length; j++) acc[j] += s * (src[j] - g[j]);
    });
    const out = new Float32Array(g.length);
    for (let j = 0; j < out.length; j++) out[j] = g[j] + acc[j] / k;
    return out;
  });
}
