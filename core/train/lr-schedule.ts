/** Learning-rate schedules over a run's optimizer steps (the centralized baseline uses one; federated jobs do not). */

/** The schedules trainLocal accepts; 'constant' is the paper's fixed rate. */
export const LR_SCHEDULES = ['constant', 'cosine', 'one-cycle'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/** Share of the steps spent warming up linearly, per schedule. */
const WARMUP_FRACTION: Record<LrSchedule, number> = { constant: 0, cosine: 0.05, 'one-cycle': 0.3 };
/** One-cycle starts at peak / 25 (Smith's usual "div factor"); cosine warms up from 0. */
const ONE_CYCLE_START_DIV = 25;

/**
 * The learning rate for optimizer step `step` (0-based) of `totalSteps` under `schedule` with peak `peak`.
 * cosine: linear warm-up from ~0 to peak over the first 5 % of steps, then half a cosine down to 0 at the
 * last step. one-cycle: linear warm-up from peak/25 to peak over the first 30 %, then the same cosine decay.
 * The rate never reaches exactly 0 on a step that is taken (the last step gets a small positive rate).
 */
export function scheduledLearningRate(
  schedule: LrSchedule,
  peak: number,
  step: number,
  totalSteps: number,
): number {
  if (!(Number.isInteger(totalSteps) && totalSteps > 0)) {
    throw new Error(`scheduledLearningRate: totalSteps must be a positive integer, got ${totalSteps}`);
  }
  if (!(Number.isInteger(step) && step >= 0)) {
    throw new Error(`scheduledLearningRate: step must be an integer ≥ 0, got ${step}`);
  }
  if (schedule === 'constant') return peak;
  // Steps past the end (a caller that miscounted) keep the final, smallest rate instead of rising again.
  const s = Math.min(step, totalSteps - 1);
  const warmup = Math.round(WARMUP_FRACTION[schedule] * totalSteps);
  if (s < warmup) {
    const start = schedule === 'one-cycle' ? peak / ONE_CYCLE_START_DIV : 0;
    // (s + 1) so the first step already moves: a rate of exactly 0 would waste it.
    return start + ((peak - start) * (s + 1)) / warmup;
  }
  // Progress through the decay, measured so that the step after the last one would be exactly 0.
  const decaySteps = totalSteps - warmup;
  const t = (s - warmup) / decaySteps;
  return peak * 0.5 * (1 + Math.cos(Math.PI * t));
}
