/**
 * Intake of one `round:update`: replays get the first answer, then round, membership, size and the
 * weights themselves are checked (shapes, finite values) before the update is stored once.
 */
import type { Ack, RoundUpdate } from '../../core/wire/protocol.ts';
import { sha256Hex } from './model-ops.ts';
import type { JobRunner } from './round-coordinator.ts';

/** Checks and stores an update for the runner's open round; answers what the participant is told. */
export function intakeUpdate(
  runner: JobRunner,
  participantId: string,
  msg: RoundUpdate,
): Ack<{ bytes: number; sha256: string }> {
  const r = runner.round;
  const bytes = msg.weights.byteLength;
  const sha256 = sha256Hex(msg.weights);
  const earlier = r?.round === msg.round ? r.updates.get(participantId) : undefined;
  const stored =
    earlier ??
    runner.deps.store.rounds.updates(runner.job.id, msg.round).find((u) => u.participantId === participantId);
  if (stored) {
    if (stored.sha256 === sha256) return { ok: true, bytes: stored.bytes, sha256: stored.sha256 };
    return {
      ok: false,
      code: 'conflict',
      error: `The hub already has a different update from you for round ${msg.round}; it keeps the first.`,
    };
  }
  if (!r || r.phase !== 'training' || msg.round !== r.round) {
    const at = r ? `round ${r.round} (${r.phase})` : `no open round (job ${runner.job.status})`;
    return {
      ok: false,
      code: 'wrong-round',
      error: `Update for round ${msg.round} refused: the hub is at ${at}.`,
    };
  }
  if (!r.members.has(participantId)) {
    return {
      ok: false,
      code: 'wrong-round',
      error: `You joined during round ${r.round}; wait for the next round:start.`,
    };
  }
  if (bytes > runner.model.maxBytes) {
    return {
      ok: false,
      code: 'too-large',
      error: `Update of ${bytes} bytes refused: this job's model encodes to at most ${runner.model.maxBytes}.`,
    };
  }
  let weights: Float32Array[];
  try {
    weights = runner.model.decode(msg.weights);
  } catch (err) {
    runner.deps.log.warn(
      'federation',
      `bad weights from ${runner.conns.get(participantId)?.name}: ${(err as Error).message}`,
      runner.job.id,
    );
    return {
      ok: false,
      code: 'bad-weights',
      error: `Your weights do not fit this job's model: ${(err as Error).message}`,
    };
  }
  r.updates.set(participantId, { samples: msg.samples, weights, bytes, sha256 });
  runner.deps.store.rounds.putUpdate(runner.job.id, r.round, {
    participantId,
    samples: msg.samples,
    metrics: msg.metrics,
    bytes,
    sha256,
    weights: msg.weights,
  });
  runner.deps.store.audit(runner.job.id, participantId, 'update', {
    round: r.round,
    samples: msg.samples,
    bytes,
    sha256,
  });
  runner.deps.log.info(
    'rounds',
    `round ${r.round}: update from ${runner.conns.get(participantId)?.name} (${bytes} bytes)`,
    runner.job.id,
  );
  runner.publishRound(r.round);
  setImmediate(() => runner.refresh());
  return { ok: true, bytes, sha256 };
}
