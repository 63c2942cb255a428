/**
 * The privacy part of a job spec: secure aggregation (SecAgg+) and differential privacy, and the
 * rules that make them meaningful. Kept apart from job-spec.ts so the reasons live in one place.
 */
import { z } from 'zod';
import type { UnifyMethod } from '../unify/types.ts';

/** Methods that need only the sum of the updates: the only ones secure aggregation can serve. */
export const SUM_METHODS: readonly UnifyMethod[] = ['avg', 'weighted-avg'];

/** Differential privacy of a job (DP-FedAvg, McMahan et al. 2018). */
export const dpSpecSchema = z
  .object({
    /** central: noise added to the sum (by the hub, or split across participants under secure aggregation); local: by each participant to its own update. */
    mode: z.enum(['central', 'local']),
    /** L2 norm C each participant's update delta is clipped to. */
    clip: z.number().positive().finite().max(1e6),
    /** z: noise standard deviation σ = z·C. Give this, targetEpsilon, or both. */
    noiseMultiplier: z.number().nonnegative().finite().max(1e6).optional(),
    /**
     * The ε the whole job may spend. Alone, the noise multiplier is derived from it over `rounds`;
     * with noiseMultiplier, it is a budget: the job stops before a round would spend more.
     */
    targetEpsilon: z.number().positive().finite().max(1e6).optional(),
    /** δ of (ε, δ)-DP. */
    delta: z.number().gt(0).lt(1).default(1e-5),
  })
  .strict();
export type DpSpec = z.output<typeof dpSpecSchema>;

/** The fields a job spec gains. */
export const privacySpecFields = {
  /** SecAgg+: the hub sees only masked updates and their sum. */
  secureAggregation: z.boolean().default(false),
  /** t: participants that must stay until the masks are removed (default ⌈2K/3⌉ of the round, at least 2). */
  secAggThreshold: z.number().int().min(2).max(10000).optional(),
  dp: dpSpecSchema.optional(),
};

interface PrivacyView {
  method: UnifyMethod;
  compareMethods: UnifyMethod[];
  minParticipants: number;
  secureAggregation: boolean;
  secAggThreshold?: number;
  dp?: DpSpec;
}

/** What is wrong with a spec's privacy settings: [path, message] pairs (empty when fine). */
export function privacyProblems(s: PrivacyView): [string, string][] {
  const out: [string, string][] = [];
  const needsSum = (why: string, methods: UnifyMethod[], path: string): void => {
    const bad = methods.filter((m) => !SUM_METHODS.includes(m));
    if (bad.length > 0)
      out.push([
        path,
        `${bad.join(', ')} cannot run ${why}: ${bad.length > 1 ? 'they need' : 'it needs'} every participant's individual values, ` +
          `and ${why === 'with secureAggregation' ? 'the hub only ever sees the sum' : 'the noise is calibrated to the sum'}; use ${SUM_METHODS.join(' or ')}`,
      ]);
  };
  if (s.secureAggregation) {
    needsSum('with secureAggregation', [s.method], 'method');
    needsSum('with secureAggregation', s.compareMethods, 'compareMethods');
    if (s.minParticipants < 3)
      out.push([
        'minParticipants',
        `secureAggregation needs minParticipants ≥ 3, got ${s.minParticipants}: with 2, each participant could subtract its own update from the sum and read the other's`,
      ]);
    if (s.secAggThreshold !== undefined && s.secAggThreshold > s.minParticipants)
      out.push([
        'secAggThreshold',
        `secAggThreshold ${s.secAggThreshold} exceeds minParticipants ${s.minParticipants}: a round could start that can never finish`,
      ]);
  } else if (s.secAggThreshold !== undefined) {
    out.push(['secAggThreshold', 'secAggThreshold only applies with secureAggregation: true']);
  }
  if (s.dp) {
    if (s.dp.noiseMultiplier === undefined && s.dp.targetEpsilon === undefined)
      out.push([
        'dp',
        'dp needs noiseMultiplier (z), targetEpsilon (ε for the whole job), or both (z as given, and the job stops before ε would pass the target)',
      ]);
    if (s.dp.noiseMultiplier === 0 && s.dp.targetEpsilon !== undefined)
      out.push([
        'dp.noiseMultiplier',
        'noiseMultiplier 0 adds no noise: no round fits under a targetEpsilon',
      ]);
    if (s.dp.mode === 'central' && s.method !== 'avg')
      out.push([
        'method',
        `central dp needs method avg, got ${s.method}: the noise is calibrated to a sum of updates each clipped to dp.clip with equal weight`,
      ]);
  }
  return out;
}

/** The survival threshold t of a secure-aggregation round of K participants. */
export function secAggThresholdFor(spec: { secAggThreshold?: number }, participants: number): number {
  const t = spec.secAggThreshold ?? Math.max(2, Math.ceil((2 * participants) / 3));
  return Math.min(t, participants);
}
