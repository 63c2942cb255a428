/**
 * The shape of a round (Flower's Strategy is the model: configure_fit → aggregate_fit → evaluate).
 *
 *   configureRound(ctx, ready)        who trains this round (seeded sampling) and until when
 *      │  round:start to each chosen participant (the global weights)
 *      ▼
 *   [hooks.beforeCollect]             extra phases before updates flow (e.g. secure aggregation:
 *      │                              key advertisement, share relay); default none
 *      ▼
 *   acceptUpdate(ctx, candidate)      per update, O(model): hooks.preDecode (signature, sample
 *      │                              claim caps) → decode + shape/finite check → hooks.postDecode
 *      │                              (norm bounds, DP clipping) → verdict {accept} | {reject, why}
 *      │  accepted: stored once, folded into the collector (streaming), observers run
 *      ▼
 *   close when every member's update is in, or the deadline passed with the quorum met
 *      ▼
 *   [hooks.afterCollect]              e.g. unmasking the masked sum from the survivors' shares
 *      ▼
 *   aggregate(collector)              the job method's weights: O(model) for avg/max/absmax; a
 *      │                              batch pass only for methods that need every value
 *      │  round:unified to every participant at once; checkpoint stored
 *      ▼
 *   [hooks.afterUnified]              observers of the kept updates that do not change the weights
 *      │                              (distances, outlier flags), after the weights went out
 *      ▼
 *   evaluate (off the critical path)  compared methods unified and scored on the hub test set
 *                                     while the next round trains; the round record gets its hub
 *                                     accuracies when they are ready (round:changed)
 *
 * Failures and stragglers: a participant that disconnects leaves the round's members (its update,
 * if already in, still counts); ready participants outside the round are brought in while the round
 * is short of its quorum (`Roster.fillQuorum`); at the deadline the round closes with whatever
 * updates are in once they reach `minParticipants`, else it waits for (re)connections; a late
 * update for a closed round is refused with `wrong-round` (a replay of an accepted one gets the
 * first answer). A rejected update is not stored and does not count toward the quorum.
 *
 * Plug-ins (trust, privacy, robust methods) attach `RoundHooks` through `RunnerDeps.roundHooks`.
 */
import type { ErrorCode, RoundUpdate } from '../../core/wire/protocol.ts';
import type { JobSpec } from '../../core/wire/job-spec.ts';
import type { Update } from '../../core/unify/types.ts';
import { sampleParticipants } from './roster.ts';
import type { MethodResult, UpdateCollector } from './unification.ts';

/** What every strategy step sees of the round. */
export interface RoundContext {
  jobId: string;
  spec: JobSpec;
  round: number;
  /** The global weights the round started from (read-only). */
  global: Float32Array[];
}

/** A verdict on an update: accept it, or refuse it with a code and a reason for the sender. */
export type Verdict = { accept: true } | { accept: false; code: ErrorCode; reason: string };

/** An update before it is decoded: what a cheap check (signature, sample cap) can look at. */
export interface RawCandidate {
  participantId: string;
  msg: RoundUpdate;
  bytes: number;
  sha256: string;
}

/** A decoded update that passed the shape and finite checks. */
export interface DecodedCandidate extends RawCandidate {
  update: Update;
}

/** Extension points of a round; every one is optional and synchronous unless noted. */
export interface RoundHooks {
  /** Before decoding (reject early and cheaply): signature over the bytes, bounded sample claims. */
  preDecode?(ctx: RoundContext, c: RawCandidate): Verdict;
  /** After decoding: checks on the weights; may replace them (DP clipping) by returning `update`. */
  postDecode?(ctx: RoundContext, c: DecodedCandidate): Verdict | { accept: true; update: Update };
  /** An update was accepted (after it is stored): observers, e.g. distance to the global model. */
  onAccepted?(ctx: RoundContext, c: DecodedCandidate): void;
  /** When true the collector keeps every update (e.g. distances to the round median). */
  keepUpdates?: boolean;
  /** Replaces the default collector (secure aggregation: a masked-sum collector). */
  collector?(ctx: RoundContext, fallback: () => UpdateCollector): UpdateCollector;
  /** Async phase before updates are taken (key advertisement, share relay). */
  beforeCollect?(ctx: RoundContext, participants: string[]): Promise<void>;
  /** Async phase after the round closed, before aggregation (unmasking from survivors). */
  afterCollect?(ctx: RoundContext, survivors: string[], collector: UpdateCollector): Promise<void>;
  /**
   * The job method's result and, when kept, the updates: per-participant scores, outlier flags.
   * Awaited before round:unified goes out; long work should yield to the event loop in between.
   */
  afterAggregate?(
    ctx: RoundContext,
    result: MethodResult,
    kept: Map<string, Update> | null,
  ): void | Promise<void>;
  /**
   * After round:unified went out, off the round's critical path: findings about the kept updates
   * that do not change the weights (per-update distances, outlier flags). Should yield to the event
   * loop in long work; the next round may already be training.
   */
  afterUnified?(ctx: RoundContext, kept: Map<string, Update> | null): Promise<void>;
}

/** The steps a round runner calls, in order (see the diagram above). */
export interface RoundStrategy {
  /** Participants of the round (a seeded subset when the job samples) and its deadline. */
  configureRound(
    ctx: RoundContext,
    ready: string[],
    now: number,
  ): { participants: string[]; deadline: number };
  /** Runs the pre-decode hooks; the first refusal wins. */
  checkRaw(ctx: RoundContext, c: RawCandidate): Verdict;
  /** Runs the post-decode hooks; returns the verdict and the (possibly replaced) update. */
  checkDecoded(ctx: RoundContext, c: DecodedCandidate): { verdict: Verdict; update: Update };
  /** Tells the observers about an accepted update. */
  accepted(ctx: RoundContext, c: DecodedCandidate): void;
  /** Makes the round's collector. */
  collector(ctx: RoundContext, fallback: (keepUpdates: boolean) => UpdateCollector): UpdateCollector;
  /** The job method's weights from the collector, then the afterAggregate hooks (in order). */
  aggregate(ctx: RoundContext, collector: UpdateCollector): Promise<MethodResult>;
  /** The afterUnified hooks (in order), once the weights went out; a failing hook does not stop the others. */
  unified(ctx: RoundContext, kept: Map<string, Update> | null): Promise<Error[]>;
  readonly hooks: readonly RoundHooks[];
}

/** The hub's strategy: sampling from the spec, then each hook in the order given. */
export function createStrategy(hooks: RoundHooks[] = []): RoundStrategy {
  return {
    hooks,
    configureRound(ctx, ready, now) {
      return {
        participants: sampleParticipants(ready, ctx.spec, ctx.round),
        deadline: now + ctx.spec.roundDeadlineSec * 1000,
      };
    },
    checkRaw(ctx, c) {
      for (const h of hooks) {
        const v = h.preDecode?.(ctx, c);
        if (v && !v.accept) return v;
      }
      return { accept: true };
    },
    checkDecoded(ctx, c) {
      let update = c.update;
      for (const h of hooks) {
        const v = h.postDecode?.(ctx, { ...c, update });
        if (!v) continue;
        if (!v.accept) return { verdict: v, update };
        if ('update' in v) update = v.update;
      }
      return { verdict: { accept: true }, update };
    },
    accepted(ctx, c) {
      for (const h of hooks) h.onAccepted?.(ctx, c);
    },
    collector(ctx, fallback) {
      const keep = hooks.some((h) => h.keepUpdates);
      const custom = hooks.find((h) => h.collector);
      return custom?.collector ? custom.collector(ctx, () => fallback(keep)) : fallback(keep);
    },
    async aggregate(ctx, collector) {
      const result = collector.jobResult();
      for (const h of hooks) await h.afterAggregate?.(ctx, result, collector.kept());
      return result;
    },
    async unified(ctx, kept) {
      const errors: Error[] = [];
      for (const h of hooks) {
        try {
          await h.afterUnified?.(ctx, kept);
        } catch (err) {
          errors.push(err as Error);
        }
      }
      return errors;
    },
  };
}
