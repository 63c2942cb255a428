/**
 * The privacy side of a participant's update, as pure functions over the job and the round: the
 * local ε budget check, the line telling the user what protects the round, and the delta that
 * secure aggregation masks and differential privacy clips and noises before anything leaves.
 */
import { applyDelta, flatDelta, privatizeDelta } from '../privacy/update-privacy.ts';
import { ownEpsilon, roundPrivacy } from '../privacy/round-privacy.ts';
import type { JobAssignment, RoundStart } from '../wire/protocol.ts';

/**
 * Local DP with a target ε: this participant keeps its own budget too, and sends nothing in a
 * round that would spend more (an honest hub has stopped the job before; this guards against one
 * that does not). The refusal text, or null when the round may run.
 */
export function localBudgetRefusal(
  job: Pick<JobAssignment, 'privacy'>,
  rounds: readonly { round: number; dpNoised?: boolean }[],
  round: number,
): string | null {
  const dp = job.privacy?.dp;
  if (dp?.mode !== 'local' || dp.targetEpsilon === undefined) return null;
  const sent = rounds.filter((r) => r.dpNoised && r.round !== round).length;
  const next = ownEpsilon(dp, sent + 1);
  if (next <= dp.targetEpsilon) return null;
  return (
    `Round ${round}: not taking part: another noised update would bring this participant's ε from ` +
    `${ownEpsilon(dp, sent).toFixed(3)} to ${next.toFixed(3)}, over the job's target ${dp.targetEpsilon}.`
  );
}

/** What protects this round's update and the ε spent so far, as a log line; null when nothing does. */
export function protectionNote(job: Pick<JobAssignment, 'privacy' | 'rounds'>, round: number): string | null {
  const p = job.privacy;
  if (!p || (!p.secureAggregation && !p.dp)) return null;
  const dp = p.dp
    ? { mode: p.dp.mode, clip: p.dp.clip, noiseMultiplier: p.dp.noiseMultiplier, delta: p.dp.delta }
    : undefined;
  const spent = roundPrivacy({ rounds: job.rounds, secureAggregation: p.secureAggregation, dp }, round);
  const what = [
    p.secureAggregation ? 'secure aggregation (the hub sees only the masked update)' : null,
    p.dp
      ? `${p.dp.mode} differential privacy (clip ${p.dp.clip}, noise multiplier ${p.dp.noiseMultiplier.toPrecision(3)})`
      : null,
  ].filter(Boolean);
  return `Round ${round}: protected by ${what.join(' and ')}${spent.epsilon === null ? '' : `; privacy spent so far ε = ${spent.epsilon.toFixed(2)} at δ = ${spent.delta}`}.`;
}

/** A round's update after protection: what to encode, the delta to mask, the DP applied and its log line. */
export interface ProtectedUpdate {
  /** The weights to encode (and sign) for round:update. */
  sendWeights: Float32Array[];
  /** The flat update (trained − start), clipped and noised with DP; null when neither SecAgg nor DP. */
  delta: Float32Array | null;
  /** The clip norm and noise applied here, if any. */
  dp: { clip: number; noiseStd: number } | undefined;
  /** The clip/noise line for the user, when DP was applied. */
  note: string | null;
}

/** Computes the delta secure aggregation or DP needs, clipping and noising it under DP. */
export function protectUpdate(
  msg: Pick<RoundStart, 'round' | 'secagg' | 'localDp'>,
  startWeights: Float32Array[],
  trainedWeights: Float32Array[],
): ProtectedUpdate {
  let sendWeights = trainedWeights;
  let delta: Float32Array | null = null;
  let note: string | null = null;
  const dp = msg.secagg?.dpClip ? { clip: msg.secagg.dpClip, noiseStd: msg.secagg.noiseStd } : msg.localDp;
  if (msg.secagg || dp) {
    delta = flatDelta(sendWeights, startWeights);
    if (dp) {
      const p = privatizeDelta(delta, dp);
      delta = p.delta;
      note = `Round ${msg.round}: update ${p.report.clipped ? `clipped from L2 norm ${p.report.norm.toFixed(3)} to ${dp.clip}` : `within the clip norm ${dp.clip} (L2 norm ${p.report.norm.toFixed(3)})`}, Gaussian noise σ = ${dp.noiseStd.toPrecision(3)} added here before it leaves.`;
      if (!msg.secagg) sendWeights = applyDelta(startWeights, delta);
    }
  }
  return { sendWeights, delta, dp, note };
}
