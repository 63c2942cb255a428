/**
 * A job's privacy at the hub, as round hooks (hub/rounds/strategy.ts) plus the secure-aggregation
 * session of the open round:
 *  - secure aggregation: a 'masked-sum' collector that never sees an individual update; after the
 *    round closes, the session unmasks Σ w·δ and the collector returns global + Σ w·δ / Σ w;
 *  - central DP without secure aggregation (DP-FedAvg, McMahan et al. 2018): each decoded update's
 *    delta is clipped to C here, and N(0, (zC/K)²) is added to the average of the K clipped deltas;
 *  - central DP with secure aggregation: participants clip and add N(0, (zC)²/t) each (the session
 *    tells them), so the hub adds nothing; local DP: participants do everything.
 */
import { addGaussianNoise, noiseStd } from '../../core/privacy/dp.ts';
import { resolvedNoiseMultiplier } from '../../core/privacy/round-privacy.ts';
import { applyDelta, flatDelta, privatizeDelta } from '../../core/privacy/update-privacy.ts';
import type { JobSpec } from '../../core/wire/job-spec.ts';
import type { JobPrivacy } from '../../core/wire/protocol.ts';
import { secAggThresholdFor } from '../../core/wire/privacy-spec.ts';
import type { RoundHooks } from '../rounds/strategy.ts';
import type { MethodResult, UpdateCollector } from '../rounds/unification.ts';
import { SecAggSession, type SessionDeps } from './secagg-session.ts';

/** What participants are told about a job's privacy in job:assign (null: none). */
export function jobPrivacy(spec: JobSpec): JobPrivacy | null {
  if (!spec.secureAggregation && !spec.dp) return null;
  const dp = spec.dp;
  const z = resolvedNoiseMultiplier(spec);
  return {
    secureAggregation: spec.secureAggregation,
    dp: dp
      ? {
          mode: dp.mode,
          clip: dp.clip,
          noiseMultiplier: z ?? 0,
          delta: dp.delta,
          ...(dp.targetEpsilon !== undefined ? { targetEpsilon: dp.targetEpsilon } : {}),
        }
      : null,
  };
}

/** Per-job privacy state at the hub. */
export class PrivacyRounds {
  readonly hooks: RoundHooks[];
  /** The open round's secure-aggregation session. */
  session: SecAggSession | null = null;
  private readonly z: number | null;
  private readonly accepted = new Map<number, number>();

  constructor(private readonly spec: JobSpec) {
    this.z = resolvedNoiseMultiplier(spec);
    this.hooks = [spec.secureAggregation ? this.secAggHooks() : this.centralDpHooks()];
  }

  /** Whether this job needs a PrivacyRounds at all. */
  static needed(spec: JobSpec): boolean {
    return spec.secureAggregation || spec.dp !== undefined;
  }

  /** What participants are told in job:assign. */
  assignment(): JobPrivacy {
    return jobPrivacy(this.spec)!;
  }

  /** Local DP settings for round:start (null unless the job uses local DP). */
  localDp(): { clip: number; noiseStd: number } | null {
    const dp = this.spec.dp;
    if (!dp || dp.mode !== 'local' || this.z === null) return null;
    return { clip: dp.clip, noiseStd: noiseStd({ mode: 'local', noiseMultiplier: this.z, clip: dp.clip }) };
  }

  /** Opens the secure-aggregation session of a round over its members. */
  beginSecAgg(
    deps: SessionDeps,
    participants: string[],
    opts: {
      vectorLength: number;
      maxWeight: number;
      identities: Map<string, { name: string; publicKey: Uint8Array }>;
    },
  ): SecAggSession {
    this.session?.dispose();
    const threshold = secAggThresholdFor(this.spec, participants.length);
    const dp = this.spec.dp;
    const distributed =
      dp && this.z !== null
        ? dp.mode === 'central'
          ? noiseStd({ mode: 'central', noiseMultiplier: this.z, clip: dp.clip, distributedOver: threshold })
          : noiseStd({ mode: 'local', noiseMultiplier: this.z, clip: dp.clip })
        : 0;
    this.session = new SecAggSession(deps, {
      participants,
      threshold,
      vectorLength: opts.vectorLength,
      maxWeight: this.spec.method === 'weighted-avg' ? opts.maxWeight : 1,
      weighted: this.spec.method === 'weighted-avg',
      dpClip: dp ? dp.clip : null,
      noiseStd: distributed,
      identities: opts.identities,
    });
    return this.session;
  }

  /** Stops the session's timers. */
  dispose(): void {
    this.session?.dispose();
    this.session = null;
  }

  private secAggHooks(): RoundHooks {
    let result: MethodResult | null = null;
    return {
      collector: () => {
        result = null;
        const collector: UpdateCollector = {
          kind: 'masked-sum',
          get count() {
            return result ? 1 : 0;
          },
          memoryBytes: 0,
          add() {
            throw new Error('a secure-aggregation round takes no individual update');
          },
          jobResult: () => {
            if (!result) throw new Error('the masked sum was not unmasked');
            return result;
          },
          comparedResults: () => [],
          kept: () => null,
        };
        return collector;
      },
      afterCollect: async (ctx) => {
        const session = this.session;
        if (!session) throw new Error('no secure-aggregation session for this round');
        const t0 = performance.now();
        const sum = await session.finish();
        const avg = new Float64Array(sum.weightedSum.length);
        for (let i = 0; i < avg.length; i++) avg[i] = sum.weightedSum[i]! / sum.weightSum;
        result = {
          method: ctx.spec.method,
          weights: applyDelta(ctx.global, avg),
          ms: performance.now() - t0,
        };
      },
    };
  }

  private centralDpHooks(): RoundHooks {
    const dp = this.spec.dp;
    if (!dp || dp.mode !== 'central' || this.z === null) return {};
    const z = this.z;
    return {
      postDecode: (ctx, c) => {
        const { delta } = privatizeDelta(flatDelta(c.update.weights, ctx.global), {
          clip: dp.clip,
          noiseStd: 0,
        });
        return {
          accept: true,
          update: { weights: applyDelta(ctx.global, delta), samples: c.update.samples },
        };
      },
      onAccepted: (ctx) => this.accepted.set(ctx.round, (this.accepted.get(ctx.round) ?? 0) + 1),
      afterAggregate: (ctx, result) => {
        const k = Math.max(1, this.accepted.get(ctx.round) ?? 1);
        this.accepted.delete(ctx.round);
        // The average of K clipped deltas plus N(0, (zC)²)/K: the Gaussian mechanism on their sum.
        const sigma = (z * dp.clip) / k;
        for (const t of result.weights) addGaussianNoise(t, sigma);
      },
    };
  }
}
