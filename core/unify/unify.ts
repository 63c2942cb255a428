/**
 * Unification of participants' weights: pure functions over Float32Array lists (no tfjs, no I/O).
 * Every method works position by position over the same tensor of every update (paper, Lee 2021,
 * section 3: "gather the weights at the same position of each model"), except the distance-based
 * robust methods, which compare whole updates.
 */
import type { Update, UnifyMethod, UnifyOptions } from './types.ts';
import { UnifyError, validateModel, validateStructure } from './validate.ts';
import { participantsProblem, trimCount } from './byzantine.ts';
import { average, elementwiseMax, magnitudeAbsMax, signedAbsMax, weightedAverage } from './means.ts';
import { median, trimmedMeanByCount } from './order-stats.ts';
import { bulyan, krum, multiKrum } from './robust.ts';
import { normClipAverage } from './norm-clip.ts';

export { UnifyError, validateUpdates } from './validate.ts';
export { average, weightedAverage, elementwiseMax, signedAbsMax, magnitudeAbsMax } from './means.ts';
export { median } from './order-stats.ts';
export { krum, multiKrum, bulyan } from './robust.ts';
export { normClipAverage } from './norm-clip.ts';

/** Unifies the updates with `method` after validating them and the options; returns fresh tensors in manifest order. */
export function unify(method: UnifyMethod, updates: Update[], options: UnifyOptions = {}): Float32Array[] {
  validateStructure(updates);
  const f = options.maxByzantine ?? 0;
  if (!Number.isInteger(f) || f < 0) {
    throw new UnifyError(`maxByzantine ${f} must be a whole number ≥ 0`);
  }
  const { clipNorm } = options;
  if (clipNorm !== undefined && !(Number.isFinite(clipNorm) && clipNorm > 0)) {
    throw new UnifyError(`clipNorm ${clipNorm} must be a finite number > 0`);
  }
  const problem = participantsProblem(method, f, updates.length);
  if (problem) throw new UnifyError(problem);
  // Each method checks finiteness inside its own pass over the values (see means.ts).
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
      return trimmedMean(updates, options.trimBeta ?? 0.1, f);
    case 'krum':
      return krum(updates, f);
    case 'multi-krum':
      return multiKrum(updates, f);
    case 'bulyan':
      return bulyan(updates, f);
    case 'norm-clip-avg': {
      const { global } = options;
      if (!global) {
        throw new UnifyError(
          'norm-clip-avg needs the global model the round started from (options.global); none was given',
        );
      }
      validateModel('global model', global, updates[0].weights);
      return normClipAverage(updates, global, clipNorm);
    }
    default:
      throw new UnifyError(`unknown unification method '${String(method)}'`);
  }
}

/**
 * Coordinate-wise β-trimmed mean (Yin et al. 2018, Def. 2): drop the max(f, ⌊βk⌋) largest and
 * smallest values at each position, average the rest; f (maxByzantine) guarantees that f bad
 * values cannot survive at either end even when ⌊βk⌋ is 0.
 */
export function trimmedMean(updates: Update[], beta: number, f = 0): Float32Array[] {
  if (!Number.isFinite(beta) || beta < 0 || beta >= 0.5) {
    throw new UnifyError(`trimmed-mean: trimBeta ${beta} must be in [0, 0.5)`);
  }
  return trimmedMeanByCount(updates, trimCount(updates.length, beta, f));
}
