/**
 * What the Training screen says protects this participant's updates, and, with local DP, the
 * privacy budget it has spent itself: one Gaussian mechanism per round whose clipped, noised update
 * left this machine (Rényi accountant, no sampling amplification: the hub knows who sent).
 */
import { ownEpsilon } from '../../../core/privacy/round-privacy.ts';
import type { ParticipantRoundRow } from '../../../core/wire/bridge.ts';
import type { JobAssignment } from '../../../core/wire/protocol.ts';

export interface PrivacySummary {
  /** One sentence: what leaves this machine. */
  headline: string;
  /** Local DP only: this participant's own ε, e.g. "ε = 0.84 of target 3 at δ = 1e-5 over 2 rounds sent". */
  budget: string | null;
  /** Whether the spent ε has passed the job's target (a hub that runs more rounds than it should). */
  overBudget: boolean;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Formats ε for people: 3 significant digits, "∞" without noise. */
export function formatEpsilon(eps: number): string {
  return Number.isFinite(eps) ? (eps === 0 ? '0' : eps.toPrecision(3)) : '∞';
}

/** The privacy summary of `job` given the rounds this participant took part in. */
export function privacySummary(
  job: Pick<JobAssignment, 'privacy'>,
  rounds: readonly Pick<ParticipantRoundRow, 'round' | 'dpNoised'>[],
): PrivacySummary {
  const p = job.privacy;
  const secagg = p?.secureAggregation
    ? 'Secure aggregation: the hub sees only your masked update and the sum of all of them.'
    : null;
  const dp = p?.dp;
  if (!dp) {
    return {
      headline: secagg ?? 'No privacy protection: the hub receives your weights as they are.',
      budget: null,
      overBudget: false,
    };
  }
  const z = dp.noiseMultiplier;
  const sigma = (z * dp.clip).toPrecision(3);
  if (dp.mode === 'central') {
    const where = p.secureAggregation
      ? `each participant clips its update to L2 norm ${dp.clip} and adds its share of Gaussian noise (σ = ${sigma} in the sum) before masking`
      : `the hub clips each update to L2 norm ${dp.clip} and adds Gaussian noise σ = ${sigma} to the sum: you rely on the hub for it`;
    return {
      headline: [secagg, `Central differential privacy: ${where}. The job's ε is on the hub console.`]
        .filter(Boolean)
        .join(' '),
      budget: null,
      overBudget: false,
    };
  }
  const sent = new Set(rounds.filter((r) => r.dpNoised).map((r) => r.round)).size;
  const eps = ownEpsilon(dp, sent);
  const target = dp.targetEpsilon;
  return {
    headline: [
      secagg,
      `Local differential privacy: each update is clipped to L2 norm ${dp.clip} and Gaussian noise σ = ${sigma} is added on this machine before it leaves.`,
    ]
      .filter(Boolean)
      .join(' '),
    budget:
      `ε = ${formatEpsilon(eps)}${target !== undefined ? ` of target ${target}` : ''} at δ = ${dp.delta}` +
      ` over ${plural(sent, 'round')} sent from here`,
    overBudget: target !== undefined && eps > target,
  };
}
