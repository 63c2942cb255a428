/**
 * One `round:update` end to end: the verdict (update-intake.ts, pure), then for an accepted update
 * the fold into the round's collector, the roster, the stored row and weights, the strategy's
 * accept step, the audit entry and the log line; the ack waits for the write (for a restart).
 * The round state machine (round-coordinator.ts) passes the open round and is re-checked after.
 */
import type { Ack, JobRecord, RoundUpdate } from '../../core/wire/protocol.ts';
import type { Store } from '../db/store.ts';
import type { HubLogger } from '../hub-events.ts';
import { signedAuditFields } from '../federation/update-admission.ts';
import { sha256Hex, type JobModel } from './model-ops.ts';
import type { RoundState } from './round-closer.ts';
import type { ReceivedUpdate } from './roster.ts';
import type { RoundStrategy } from './strategy.ts';
import { checkUpdate } from './update-intake.ts';

/** The accepted updates of the last closed round, so a replay is answered from memory. */
export interface PreviousRound {
  round: number;
  received: Map<string, ReceivedUpdate>;
}

/** What taking an update needs: the job as it is now, its open round, and where to report. */
export interface ReceiveDeps {
  store: Store;
  log: HubLogger;
  model: JobModel;
  strategy: RoundStrategy;
  job: JobRecord;
  round: RoundState | null;
  previous: PreviousRound | null;
  nameOf: (participantId: string) => string;
  /** Re-checks the open round (called on the next turn of the event loop after an accept). */
  refresh: () => void;
  /** Pushes the round's record to consoles soon (coalesced). */
  schedule: (round: number) => void;
}

/**
 * `round:update`: gets the intake verdict; an accepted update is folded in at once and acked once
 * its weights are stored (asynchronously, for a restart).
 */
export async function receiveUpdate(
  deps: ReceiveDeps,
  participantId: string,
  msg: RoundUpdate,
): Promise<Ack<{ bytes: number; sha256: string }>> {
  const { store, log, job } = deps;
  if (job.spec.secureAggregation)
    return {
      ok: false,
      code: 'bad-request',
      error:
        'This job uses secure aggregation: the hub takes only masked updates (secagg:masked), never plain weights.',
    };
  const r = deps.round;
  const sha256 = sha256Hex(msg.weights);
  const verdict = checkUpdate({
    round: r,
    jobStatus: job.status,
    participantId,
    msg,
    sha256,
    maxBytes: deps.model.maxBytes,
    decode: (bytes) => deps.model.decode(bytes),
    strategy: deps.strategy,
    earlierOf: (round, id) =>
      deps.previous?.round === round
        ? (deps.previous.received.get(id) ?? null)
        : store.rounds.updateOf(job.id, round, id),
  });
  const name = deps.nameOf(participantId);
  if (!verdict.accept) {
    if (verdict.replay) return { ok: true, bytes: verdict.bytes, sha256: verdict.sha256 };
    if (verdict.logged) {
      log.warn('federation', `bad weights from ${name}: ${verdict.logged}`, job.id);
    }
    return { ok: false, code: verdict.code, error: verdict.reason };
  }
  if (!r) return { ok: false, code: 'internal', error: 'The round closed while your update was checked.' };
  const { bytes } = verdict;
  r.collector.add(participantId, verdict.update);
  r.roster.receive(participantId, { samples: msg.samples, bytes, sha256 });
  const stored = store.rounds.putUpdate(job.id, r.round, {
    participantId,
    samples: msg.samples,
    metrics: msg.metrics,
    bytes,
    sha256,
    weights: msg.weights,
  });
  r.writes.add(stored);
  deps.strategy.accepted(r.ctx, { participantId, msg, bytes, sha256, update: verdict.update });
  store.audit(job.id, participantId, 'update', {
    round: r.round,
    samples: msg.samples,
    bytes,
    sha256,
    ...signedAuditFields(msg),
  });
  log.info('rounds', `round ${r.round}: update from ${name} (${bytes} bytes)`, job.id);
  setImmediate(deps.refresh);
  try {
    await stored;
  } catch (err) {
    // The update is in the round (folded); only a restart during this round would miss it.
    log.error('rounds', `round ${r.round}: update from ${name} not saved: ${(err as Error).message}`, job.id);
  } finally {
    r.writes.delete(stored);
  }
  deps.schedule(r.round);
  return { ok: true, bytes, sha256 };
}
