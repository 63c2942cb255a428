/**
 * How many participants each method needs to tolerate f Byzantine updates, and how much the
 * order-statistic methods trim. Pure: the job spec (at creation) and unify (at each call) both ask.
 */
import type { UnifyMethod } from './types.ts';

/**
 * Fewest participants K for which `method` tolerates `f` Byzantine updates:
 * Krum and Multi-Krum need K > 2f + 2 (Blanchard et al. 2017, Prop. 1), Bulyan K ≥ 4f + 3
 * (El Mhamdi et al. 2018, section 4), median, trimmed mean and the median clipping bound of
 * norm-clip-avg an honest majority, K > 2f (Yin et al. 2018). The plain means promise nothing, so 1.
 */
export function minParticipantsFor(method: UnifyMethod, f: number): number {
  switch (method) {
    case 'krum':
    case 'multi-krum':
      return 2 * f + 3;
    case 'bulyan':
      return 4 * f + 3;
    case 'median':
    case 'trimmed-mean':
    case 'norm-clip-avg':
      return 2 * f + 1;
    default:
      return 1;
  }
}

/** Why K participants are too few for `method` with f Byzantine, or null when they are enough. */
export function participantsProblem(method: UnifyMethod, f: number, k: number): string | null {
  const need = minParticipantsFor(method, f);
  if (k >= need) return null;
  return `${method} with maxByzantine ${f} needs at least ${need} participants (${requirement(method)}), got ${k}`;
}

function requirement(method: UnifyMethod): string {
  switch (method) {
    case 'krum':
    case 'multi-krum':
      return 'K > 2f + 2';
    case 'bulyan':
      return 'K ≥ 4f + 3';
    default:
      return 'K > 2f';
  }
}

/** Values cut at each end by the trimmed mean: ⌊βK⌋, and never fewer than f (so f outliers cannot survive on one side). */
export function trimCount(k: number, beta: number, f: number): number {
  return Math.min(Math.max(f, Math.floor(beta * k)), (k - 1) >> 1);
}
