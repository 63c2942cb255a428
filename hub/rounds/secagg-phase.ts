/**
 * The secure-aggregation steps of a job's rounds (SecAgg+, hub/privacy): opening a round's session
 * over its members with the keys they enrolled with, routing key/share/unmask submissions to the
 * open session, and taking masked updates in place of plain weights. Kept out of the round state
 * machine (round-coordinator.ts), which only decides when each step happens.
 */
import type { Ack } from '../../core/wire/protocol.ts';
import type { SecAggMasked } from '../../core/wire/secagg-protocol.ts';
import type { Store } from '../db/store.ts';
import type { HubLogger } from '../hub-events.ts';
import type { PrivacyRounds } from '../privacy/privacy-rounds.ts';
import type { SecAggSession } from '../privacy/secagg-session.ts';
import type { JobModel } from './model-ops.ts';
import type { ParticipantConns } from './participant-conns.ts';
import type { RoundState } from './round-closer.ts';

/** What the secure-aggregation steps need of the hub and the job. */
export interface SecAggDeps {
  store: Store;
  log: HubLogger;
  jobId: string;
  participants: ParticipantConns;
}

/**
 * Opens round r's secure-aggregation session over its members; `onFailure` is called when a phase
 * before the input phase falls below the threshold.
 */
export function beginSecAgg(
  deps: SecAggDeps & { model: JobModel; privacy: PrivacyRounds; roundDeadlineSec: number },
  r: RoundState,
  onFailure: (reason: string) => void,
): void {
  const { store, log, jobId, participants } = deps;
  const members = r.roster.memberIds();
  const maxWeight = Math.max(1, ...members.map((id) => store.getParticipant(id)?.dataset?.trainSamples ?? 1));
  const vectorLength = deps.model.manifest.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0) + 1;
  const names = (ids: string[]) => ids.map((id) => participants.nameOf(id)).join(', ');
  // The keys the invites were bound to at enrollment, announced so participants can check each
  // other's relayed keys against them (never a key a participant sends with the round).
  const identities = new Map<string, { name: string; publicKey: Uint8Array }>();
  for (const id of members) {
    const p = store.getParticipant(id);
    const key = p ? store.inviteKey(p.inviteId) : null;
    if (p && key) identities.set(id, { name: p.name, publicKey: key });
  }
  deps.privacy.beginSecAgg(
    {
      jobId,
      round: r.round,
      phaseTimeoutMs: Math.min(60_000, deps.roundDeadlineSec * 1000),
      // The typed emit cannot take a generic event key; the payload type comes from the same map.
      send: (id, event, msg) =>
        (participants.conns.get(id)?.socket as { emit(e: string, m: unknown): void } | undefined)?.emit(
          event,
          msg,
        ),
      audit: (id, action, details) => store.audit(jobId, id, action, details),
      log: (level, message) => log[level]('rounds', message, jobId),
      onFailure,
    },
    members,
    { vectorLength, maxWeight, identities },
  );
  log.info('rounds', `round ${r.round}: secure aggregation among ${names(members)}`, jobId);
}

/** Routes a secure-aggregation submission for `round` to the open session, or refuses it. */
export function routeSecAgg(
  session: SecAggSession | null | undefined,
  openRound: number | undefined,
  round: number,
  currentRound: number,
  fn: (s: SecAggSession) => Ack,
): Ack {
  if (!session || openRound !== round)
    return {
      ok: false,
      code: 'wrong-round',
      error: `No secure-aggregation round ${round} is open (the job is at round ${currentRound}).`,
    };
  return fn(session);
}

/**
 * secagg:masked: hands the masked update to the session and, once it takes it, records its size
 * and hash like an update (the round then counts it). Only then is the answer `ok`.
 */
export function takeMasked(
  deps: SecAggDeps,
  r: RoundState | null,
  session: SecAggSession | null | undefined,
  participantId: string,
  msg: SecAggMasked,
): Ack<{ bytes: number; sha256: string }> {
  if (!r || !session || r.round !== msg.round || r.phase !== 'training')
    return {
      ok: false,
      code: 'wrong-round',
      error: `Round ${msg.round} does not take masked updates now.`,
    };
  const ack = session.masked(participantId, msg);
  if (!ack.ok) return ack;
  const { bytes, sha256 } = ack;
  // Only the masked vector's size and hash are kept: the hub never stores an individual update.
  deps.store.rounds.putUpdate(deps.jobId, r.round, {
    participantId,
    samples: msg.samples,
    metrics: msg.metrics,
    bytes,
    sha256,
    weights: null,
  });
  r.roster.receive(participantId, { samples: msg.samples, bytes, sha256 });
  const name = deps.participants.nameOf(participantId);
  deps.log.info('rounds', `round ${r.round}: masked update from ${name} (${bytes} bytes)`, deps.jobId);
  return ack;
}
