/**
 * Unification of participants' weights: pure functions over Float32Array lists (no tfjs, no I/O).
 * Every method works position by position over the same tensor of every update (paper, Lee 2021,
 * section 3: "gather the weights at the same position of each model").
 */
import type { Update, UnifyMethod, UnifyOptions } from './types.ts';

/** A bad set of updates (or options): the message names the update, the tensor and the problem. */
export class UnifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnifyError';
  }
}

/** Checks updates agree in tensor count and lengths (and `expectedShapes`), hold finite values and positive integer sample counts. */
export function validateUpdates(updates: Update[], expectedShapes?: number[][]): void {
  if (!Array.isArray(updates) || updates.length === 0) {
    throw new UnifyError('no updates to unify: at least one update is needed');
  }
  const reference = updates[0].weights;
  const expectedLengths = expectedShapes
    ? expectedShapes.map((shape) => shape.reduce((a, b) => a * b, 1))
    : reference.map((t) => t.length);
  for (let u = 0; u < updates.length; u++) {
    const { weights, samples } = updates[u];
    if (!Number.isInteger(samples) || samples <= 0) {
      throw new UnifyError(`update ${u}: sample count ${samples} is not a positive integer`);
    }
    if (!Array.isArray(weights) || weights.length !== expectedLengths.length) {
      const got = Array.isArray(weights) ? weights.length : 'no';
      throw new UnifyError(`update ${u}: ${got} tensors, expected ${expectedLengths.length}`);
    }
    for (let t = 0; t < weights.length; t++) {
      const tensor = weights[t];
      if (!(tensor instanceof Float32Array)) {
        throw new UnifyError(`update ${u}, tensor ${t}: not a Float32Array`);
      }
      if (tensor.length !== expectedLengths[t]) {
        const shape = expectedShapes ? ` (shape [${expectedShapes[t].join(',')}])` : '';
        throw new UnifyError(
          `update ${u}, tensor ${t}: length ${tensor.length}, expected ${expectedLengths[t]}${shape}`,
        );
      }
      for (let i = 0; i < tensor.length; i++) {
        const v = tensor[i];
        if (!Number.isFinite(v)) {
          throw new UnifyError(`update ${u}, tensor ${t}: value ${v} at index ${i}`);
        }
      }
    }
  }
}

/** Unifies the updates with `method` after validating them; returns fresh tensors in manifest order. */
export function unify(method: UnifyMethod, updates: Update[], options: UnifyOptions = {}): Float32Array[] {
  validateUpdates(updates);
  switch (method) {
    case 'avg':
      return average(updates);
    case 'weighted-avg':
      return weightedAverage(updates);
    case 'max':
      return elementwiseMax(updates);
    case 'absmax':
      return signedAbsMax(updates);
    case 'absmax-magnitude':
      return magnitudeAbsMax(updates);
    case 'median':
      return median(updates);
    case 'trimmed-mean':
      return trimmedMean(updates, options.trimBeta ?? 0.1);
    default:
      throw new UnifyError(`unknown unification method '${String(method)}'`);
  }
}

/** Paper eq. (4): the plain mean of the weights at each position, (w_m1 + … + w_mk) / k. */
export function average(updates: Update[]): Float32Array[] {
  return weightedMean(updates, () => 1);
}

/** FedAvg (McMahan et al. 2017, "Communication-Efficient Learning…", eq. for w_{t+1}): mean weighted by sample counts n_k / n. */
export function weightedAverage(updates: Update[]): Float32Array[] {
  return weightedMean(updates, (u) => u.samples);
}

/** Sums in float64 so k identical float32 inputs give that input back exactly. */
function weightedMean(updates: Update[], weightOf: (u: Update) => number): Float32Array[] {
  let total = 0;
  for (const u of updates) total += weightOf(u);
  return updates[0].weights.map((first, t) => {
    const acc = new Float64Array(first.length);
    for (const u of updates) {
      const w = weightOf(u);
      const tensor = u.weights[t];
      for (let i = 0; i < acc.length; i++) acc[i] += w * tensor[i];
    }
    const out = new Float32Array(acc.length);
    for (let i = 0; i < acc.length; i++) out[i] = acc[i] / total;
    return out;
  });
}

/** Paper eq. (5): the element-wise maximum, max(w_m1, …, w_mk). */
export function elementwiseMax(updates: Update[]): Float32Array[] {
  return updates[0].weights.map((first, t) => {
    const out = Float32Array.from(first);
    for (let u = 1; u < updates.length; u++) {
      const tensor = updates[u].weights[t];
      for (let i = 0; i < out.length; i++) if (tensor[i] > out[i]) out[i] = tensor[i];
    }
    return out;
  });
}

/**
 * Paper eq. (6), read as "keep the signed weight whose magnitude is largest" (ties: the first input).
 * Read literally, max(|w_m1|, …, |w_mk|) would make every weight ≥ 0; see `magnitudeAbsMax`.
 */
export function signedAbsMax(updates: Update[]): Float32Array[] {
  return updates[0].weights.map((first, t) => {
    const out = Float32Array.from(first);
    for (let u = 1; u < updates.length; u++) {
      const tensor = updates[u].weights[t];
      for (let i = 0; i < out.length; i++) {
        if (Math.abs(tensor[i]) > Math.abs(out[i])) out[i] = tensor[i];
      }
    }
    return out;
  });
}

/** Paper eq. (6) read literally, max(|w_m1|, …, |w_mk|): every unified weight is ≥ 0 (for the ablation). */
export function magnitudeAbsMax(updates: Update[]): Float32Array[] {
  return updates[0].weights.map((first, t) => {
    const out = new Float32Array(first.length);
    for (let i = 0; i < out.length; i++) out[i] = Math.abs(first[i]);
    for (let u = 1; u < updates.length; u++) {
      const tensor = updates[u].weights[t];
      for (let i = 0; i < out.length; i++) {
        const a = Math.abs(tensor[i]);
        if (a > out[i]) out[i] = a;
      }
    }
    return out;
  });
}

/** Coordinate-wise median (Yin et al. 2018, "Byzantine-Robust Distributed Learning", Def. 1); even k: mean of the two middle values. */
export function median(updates: Update[]): Float32Array[] {
  const k = updates.length;
  const mid = k >> 1;
  return sortedReduce(updates, (s) => (k % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2));
}

/** Coordinate-wise β-trimmed mean (Yin et al. 2018, Def. 2): drop the ⌊βk⌋ largest and smallest values, average the rest. */
export function trimmedMean(updates: Update[], beta: number): Float32Array[] {
  if (!Number.isFinite(beta) || beta < 0 || beta >= 0.5) {
    throw new UnifyError(`trimmed-mean: trimBeta ${beta} must be in [0, 0.5)`);
  }
  const k = updates.length;
  const m = Math.floor(beta * k);
  return sortedReduce(updates, (s) => {
    let sum = 0;
    for (let j = m; j < k - m; j++) sum += s[j];
    return sum / (k - 2 * m);
  });
}

/** Gathers the k values at each position into one reused scratch array, sorts it, and reduces it. */
function sortedReduce(updates: Update[], reduce: (sorted: Float32Array) => number): Float32Array[] {
  const k = updates.length;
  const scratch = new Float32Array(k);
  return updates[0].weights.map((first, t) => {
    const out = new Float32Array(first.length);
    for (let i = 0; i < out.length; i++) {
      // Insertion sort: k is small (participants), and it allocates nothing.
      for (let u = 0; u < k; u++) {
        const v = updates[u].weights[t][i];
        let j = u - 1;
        while (j >= 0 && scratch[j] > v) {
          scratch[j + 1] = scratch[j];
          j--;
        }
        scratch[j + 1] = v;
      }
      out[i] = reduce(scratch);
    }
    return out;
  });
}
