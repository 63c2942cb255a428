/** Checks on a round's updates before any method reads them: shapes, sample counts, finite values. */
import type { Update } from './types.ts';

/** A bad set of updates (or options): the message names the update, the tensor and the problem. */
export class UnifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnifyError';
  }
}

/** Checks updates agree in tensor count and lengths (and `expectedShapes`), hold finite values and positive integer sample counts. */
export function validateUpdates(updates: Update[], expectedShapes?: number[][]): void {
  validateStructure(updates, expectedShapes);
  for (let u = 0; u < updates.length; u++) {
    const weights = updates[u].weights;
    for (let t = 0; t < weights.length; t++) {
      if (!allFinite(weights[t])) throw nonFiniteError(`update ${u}, tensor ${t}`, weights[t]);
    }
  }
}

/** Checks everything but the values: count, tensor count and lengths, sample counts (O(K · tensors)). */
export function validateStructure(updates: Update[], expectedShapes?: number[][]): void {
  if (!Array.isArray(updates) || updates.length === 0) {
    throw new UnifyError('no updates to unify: at least one update is needed');
  }
  const reference = updates[0]?.weights;
  const expectedLengths = expectedShapes
    ? expectedShapes.map((shape) => shape.reduce((a, b) => a * b, 1))
    : Array.isArray(reference)
      ? reference.map((t) => (t instanceof Float32Array ? t.length : -1))
      : [];
  for (let u = 0; u < updates.length; u++) {
    const { weights, samples } = updates[u];
    if (!Number.isInteger(samples) || samples <= 0) {
      throw new UnifyError(`update ${u}: sample count ${samples} is not a positive integer`);
    }
    checkTensors(`update ${u}`, weights, expectedLengths, expectedShapes);
  }
}

/** Checks a model the caller supplies (the global weights) against the updates' shapes and values. */
export function validateModel(label: string, weights: Float32Array[], like: Float32Array[]): void {
  checkTensors(
    label,
    weights,
    like.map((t) => t.length),
  );
  weights.forEach((t, i) => {
    if (!allFinite(t)) throw nonFiniteError(`${label}, tensor ${i}`, t);
  });
}

function checkTensors(
  label: string,
  weights: unknown,
  expectedLengths: number[],
  expectedShapes?: number[][],
): void {
  if (!Array.isArray(weights) || weights.length !== expectedLengths.length) {
    const got = Array.isArray(weights) ? weights.length : 'no';
    throw new UnifyError(`${label}: ${got} tensors, expected ${expectedLengths.length}`);
  }
  for (let t = 0; t < weights.length; t++) {
    const tensor: unknown = weights[t];
    if (!(tensor instanceof Float32Array)) {
      throw new UnifyError(`${label}, tensor ${t}: not a Float32Array`);
    }
    if (tensor.length !== expectedLengths[t]) {
      const shape = expectedShapes ? ` (shape [${expectedShapes[t].join(',')}])` : '';
      throw new UnifyError(
        `${label}, tensor ${t}: length ${tensor.length}, expected ${expectedLengths[t]}${shape}`,
      );
    }
  }
}

/** True when every value is finite. `x * 0` is 0 for finite x and NaN otherwise: one add per value, no branch. */
export function allFinite(t: Float32Array): boolean {
  let s0 = 0;
  let s1 = 0;
  const n = t.length - (t.length & 1);
  for (let i = 0; i < n; i += 2) {
    s0 += t[i] * 0;
    s1 += t[i + 1] * 0;
  }
  if (n < t.length) s0 += t[n] * 0;
  return s0 + s1 === 0;
}

/** Throws for the first update holding a non-finite value; the fast paths call it only once a sum went non-finite. */
export function throwFirstNonFinite(updates: Update[]): void {
  validateUpdates(updates);
}

function nonFiniteError(label: string, t: Float32Array): UnifyError {
  let i = 0;
  while (i < t.length && Number.isFinite(t[i])) i++;
  return new UnifyError(`${label}: value ${t[i]} at index ${i}`);
}
