/**
 * What a participant does to its update before it leaves under a privacy setting: the delta from
 * the round's global weights, clipped to L2 norm C and noised (DP), then — under secure
 * aggregation — encoded into the ring with its weight. And the hub's inverse for the sum.
 */
import { addGaussianNoise, clipL2 } from './dp.ts';

/** The update as one flat delta w − global. */
export function flatDelta(weights: readonly Float32Array[], global: readonly Float32Array[]): Float32Array {
  if (weights.length !== global.length) throw new Error('the update and the global model differ in tensors');
  const n = weights.reduce((s, t) => s + t.length, 0);
  const out = new Float32Array(n);
  let o = 0;
  weights.forEach((t, k) => {
    const g = global[k]!;
    if (g.length !== t.length) throw new Error(`tensor ${k} differs in size from the global model`);
    for (let i = 0; i < t.length; i++) out[o++] = t[i]! - g[i]!;
  });
  return out;
}

/** global + delta, tensor by tensor. */
export function applyDelta(global: readonly Float32Array[], delta: ArrayLike<number>): Float32Array[] {
  let o = 0;
  const out = global.map((g) => {
    const t = new Float32Array(g.length);
    for (let i = 0; i < g.length; i++) t[i] = g[i]! + delta[o++]!;
    return t;
  });
  if (o !== delta.length) throw new Error(`the delta has ${delta.length} values, the model ${o}`);
  return out;
}

/** What DP did to one delta, for the participant to show. */
export interface PrivatizeReport {
  norm: number;
  clipped: boolean;
  noiseStd: number;
}

/** Clips the delta to L2 norm `clip` and adds N(0, noiseStd²) to every element (CSPRNG). */
export function privatizeDelta(
  delta: Float32Array,
  dp: { clip: number; noiseStd: number },
): { delta: Float32Array; report: PrivatizeReport } {
  const { clipped, norm, scaled } = clipL2(delta, dp.clip);
  addGaussianNoise(clipped, dp.noiseStd);
  return { delta: clipped, report: { norm, clipped: scaled, noiseStd: dp.noiseStd } };
}
