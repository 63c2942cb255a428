/**
 * What a job's privacy settings mean for each round: the noise multiplier actually used, the
 * mechanism's name, and the (ε, δ) spent after round n (Rényi accountant, composition over rounds).
 * Pure: used by the hub, the participant engine, the console and `simulate`'s results.
 */
import { noiseForEpsilon, privacySpent } from './rdp-accountant.ts';
import type { DpSpec } from '../wire/privacy-spec.ts';

/** How a round's updates are protected. */
export type PrivacyMechanism = 'none' | 'secagg' | 'central-dp' | 'distributed-dp' | 'local-dp';

/** The privacy a round gives, as results and the console show it. */
export interface RoundPrivacy {
  mechanism: PrivacyMechanism;
  /** ε spent by the job up to and including this round (null without DP). */
  epsilon: number | null;
  delta: number | null;
}

interface PrivacyJob {
  rounds: number;
  secureAggregation?: boolean;
  dp?: DpSpec;
  /** Fraction of the ready participants sampled per round (1 when every one trains). */
  fractionFit?: number;
}

/**
 * The sampling rate the accountant may credit: fractionFit for central DP (the sampling is hidden
 * from whoever sees only the released model), 1 for local DP (the hub picks who trains and sees who
 * sent, so subsampling amplifies nothing against it).
 */
function sampleRate(job: PrivacyJob): number {
  return job.dp?.mode === 'local' ? 1 : (job.fractionFit ?? 1);
}

/** The noise multiplier z of a DP job: as given, or the one that spends targetEpsilon over all rounds. */
export function resolvedNoiseMultiplier(job: PrivacyJob): number | null {
  if (!job.dp) return null;
  if (job.dp.noiseMultiplier !== undefined) return job.dp.noiseMultiplier;
  return noiseForEpsilon({
    targetEpsilon: job.dp.targetEpsilon!,
    sampleRate: sampleRate(job),
    steps: job.rounds,
    delta: job.dp.delta,
  });
}

/** The mechanism of a job's rounds. */
export function privacyMechanism(job: PrivacyJob): PrivacyMechanism {
  if (!job.dp) return job.secureAggregation ? 'secagg' : 'none';
  if (job.dp.mode === 'local') return 'local-dp';
  return job.secureAggregation ? 'distributed-dp' : 'central-dp';
}

/**
 * ε after `round` rounds: each round is one step of the sampled Gaussian mechanism over the
 * participants (user-level DP for an organization's whole dataset), with sample rate fractionFit
 * (1 for local DP).
 */
export function roundPrivacy(job: PrivacyJob, round: number, z = resolvedNoiseMultiplier(job)): RoundPrivacy {
  const mechanism = privacyMechanism(job);
  if (!job.dp || z === null) return { mechanism, epsilon: null, delta: null };
  const spent = privacySpent({
    noiseMultiplier: z,
    sampleRate: sampleRate(job),
    steps: round,
    delta: job.dp.delta,
  });
  return { mechanism, epsilon: spent.epsilon, delta: job.dp.delta };
}

/** Why a round may not start: it would spend more than the job's privacy budget. */
export interface BudgetExceeded {
  /** ε spent by the rounds before it. */
  spent: number;
  /** ε after the round that may not start. */
  next: number;
  target: number;
  /** The round that may not start. */
  round: number;
}

/**
 * Whether round `round` may run under the job's target ε: null when it may (or the job sets no
 * target), else what it would spend. With only targetEpsilon the noise is calibrated so that all
 * `rounds` fit; with both a noise multiplier and a target, the target is a budget that may run out first.
 */
export function budgetBeforeRound(
  job: PrivacyJob,
  round: number,
  z = resolvedNoiseMultiplier(job),
): BudgetExceeded | null {
  const target = job.dp?.targetEpsilon;
  if (target === undefined || z === null) return null;
  const next = roundPrivacy(job, round, z).epsilon ?? 0;
  if (next <= target) return null;
  const spent = round > 1 ? (roundPrivacy(job, round - 1, z).epsilon ?? 0) : 0;
  return { spent, next, target, round };
}

/** The job's status line when the budget stops it: 'privacy budget spent: ε = X of target Y …'. */
export function budgetSpentText(b: BudgetExceeded): string {
  return (
    `privacy budget spent: ε = ${b.spent.toFixed(3)} of target ${b.target} ` +
    `(round ${b.round} would bring it to ${b.next.toFixed(3)}); stopped before it`
  );
}

/**
 * A local-DP participant's own ε after `roundsSent` noised updates left it: one Gaussian mechanism
 * per round, no sampling amplification (the hub knows who sent). 0 before any; ∞ without noise.
 */
export function ownEpsilon(dp: { noiseMultiplier: number; delta: number }, roundsSent: number): number {
  if (roundsSent === 0) return 0;
  if (!(dp.noiseMultiplier > 0)) return Infinity;
  return privacySpent({
    noiseMultiplier: dp.noiseMultiplier,
    sampleRate: 1,
    steps: roundsSent,
    delta: dp.delta,
  }).epsilon;
}
