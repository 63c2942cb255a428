/**
 * Intake of one `round:update` as a verdict, O(model) and independent of how many updates the
 * round already has: a replay gets the first answer (from memory; the database is asked only for
 * rounds this hub process did not see), then round, membership, size, the strategy's cheap checks,
 * the decode (shapes, finite values) and the strategy's weight checks. The runner applies it.
 */
import type { ErrorCode, RoundUpdate } from '../../core/wire/protocol.ts';
import type { Update } from '../../core/unify/types.ts';
import type { ReceivedUpdate, Roster } from './roster.ts';
import type { RoundContext, RoundStrategy } from './strategy.ts';

/** The outcome of an update: accepted (with the decoded update), a replay, or refused. */
export type IntakeVerdict =
  | { accept: true; update: Update; bytes: number; sha256: string }
  | { accept: false; replay: true; bytes: number; sha256: string }
  | { accept: false; replay: false; code: ErrorCode; reason: string; logged?: string };

/** The open round as intake sees it. */
export interface IntakeRound {
  ctx: RoundContext;
  phase: string;
  roster: Roster;
}

/** What intake needs besides the message. */
export interface IntakeInput {
  round: IntakeRound | null;
  /** Where the job is when there is no open round (for the refusal text). */
  jobStatus: string;
  participantId: string;
  msg: RoundUpdate;
  sha256: string;
  maxBytes: number;
  decode: (bytes: Uint8Array) => Float32Array[];
  strategy: RoundStrategy;
  /** The first update of this participant for `msg.round` when it is not the open round. */
  earlierOf: (round: number, participantId: string) => Pick<ReceivedUpdate, 'bytes' | 'sha256'> | null;
}

/** Decides on one update without changing anything. */
export function checkUpdate(input: IntakeInput): IntakeVerdict {
  const { round: r, participantId, msg, sha256 } = input;
  const bytes = msg.weights.byteLength;
  const earlier =
    r && r.ctx.round === msg.round
      ? (r.roster.received.get(participantId) ?? null)
      : input.earlierOf(msg.round, participantId);
  if (earlier) {
    if (earlier.sha256 === sha256) return { accept: false, replay: true, bytes: earlier.bytes, sha256 };
    return refuse(
      'conflict',
      `The hub already has a different update from you for round ${msg.round}; it keeps the first.`,
    );
  }
  if (!r || r.phase !== 'training' || msg.round !== r.ctx.round) {
    const at = r ? `round ${r.ctx.round} (${r.phase})` : `no open round (job ${input.jobStatus})`;
    return refuse('wrong-round', `Update for round ${msg.round} refused: the hub is at ${at}.`);
  }
  if (!r.roster.isMember(participantId)) {
    return refuse(
      'wrong-round',
      `You are not part of round ${r.ctx.round} (you joined during it, or were not sampled for it); wait for the next round:start.`,
    );
  }
  if (bytes > input.maxBytes) {
    return refuse(
      'too-large',
      `Update of ${bytes} bytes refused: this job's model encodes to at most ${input.maxBytes}.`,
    );
  }
  const raw = { participantId, msg, bytes, sha256 };
  const pre = input.strategy.checkRaw(r.ctx, raw);
  if (!pre.accept) return refuse(pre.code, pre.reason);
  let weights: Float32Array[];
  try {
    weights = input.decode(msg.weights);
  } catch (err) {
    const why = (err as Error).message;
    return { ...refuse('bad-weights', `Your weights do not fit this job's model: ${why}`), logged: why };
  }
  const post = input.strategy.checkDecoded(r.ctx, { ...raw, update: { weights, samples: msg.samples } });
  if (!post.verdict.accept) return refuse(post.verdict.code, post.verdict.reason);
  return { accept: true, update: post.update, bytes, sha256 };
}

function refuse(code: ErrorCode, reason: string): IntakeVerdict & { accept: false; replay: false } {
  return { accept: false, replay: false, code, reason };
}
