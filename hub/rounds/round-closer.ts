/**
 * Closing a round: the job method's weights from the round's collector (no pass over K updates
 * when the method streams), the new global checkpoint and the round's completion in one
 * transaction, and the audit entry; the round:unified that follows, the update observers run once
 * it is out, and a round completed with the model unchanged when it could not be unified.
 * Comparison methods and hub-test scores come later, off the critical path
 * (hub/eval/evaluation-queue.ts). When each step runs is decided in round-coordinator.ts.
 */
import type { AuditHead, JobRecord, RoundUnified } from '../../core/wire/protocol.ts';
import type { Store } from '../db/store.ts';
import type { HubLogger } from '../hub-events.ts';
import type { JobModel } from './model-ops.ts';
import { sha256Hex } from './model-ops.ts';
import type { Roster } from './roster.ts';
import type { RoundScoring } from '../eval/round-scoring.ts';
import type { PrivacyRounds } from '../privacy/privacy-rounds.ts';
import type { ParticipantConns } from './participant-conns.ts';
import type { RoundContext, RoundStrategy } from './strategy.ts';
import { serverStep, steppedCollector } from './server-step.ts';
import { roundMethods, type MethodResult, type UpdateCollector } from './unification.ts';

/** The in-memory state of a job's open round. */
export interface RoundState {
  round: number;
  ctx: RoundContext;
  phase: 'training' | 'unifying' | 'evaluating';
  /** Who is in the round and whose update is in. */
  roster: Roster;
  /** Where accepted updates are folded (or kept). */
  collector: UpdateCollector;
  /** Whether the hub scores this round's methods on its test set. */
  evaluate: boolean;
  deadline: number;
  deadlinePassed: boolean;
  /** Resumed after a restart: any returning participant may join it. */
  open: boolean;
  timer: NodeJS.Timeout;
  /** Update writes in flight (the round completes after them). */
  writes: Set<Promise<unknown>>;
}

/**
 * A job's live round state, one object shared by the runner and the helpers that open
 * (round-start.ts) and finish (round-finish.ts) its rounds, so each sees the others' changes at once.
 */
/** What opening and finishing a job's rounds both need of the job and the hub. */
export interface RoundJobDeps {
  store: Store;
  log: HubLogger;
  model: JobModel;
  strategy: RoundStrategy;
  scoring: RoundScoring;
  participants: ParticipantConns;
  privacy: PrivacyRounds | null;
  job: () => JobRecord;
  setJob: (patch: Parameters<Store['updateJob']>[1]) => void;
  publishRound: (round: number) => void;
}

export interface LiveRounds {
  /** The open round (training, unifying or evaluating); null between rounds and after the job. */
  round: RoundState | null;
  /** The global weights the next round starts from, decoded and encoded. */
  global: Float32Array[];
  globalBytes: Uint8Array;
}

/** The outcome of closing a round. */
export interface ClosedRound {
  /** The next global weights: the job method's, after the server optimizer when the job has one. */
  result: MethodResult;
  bytes: Uint8Array;
  participants: string[];
  /** The round's collector for scoring; comparison methods go through the same server step. */
  scored: UpdateCollector;
}

/** What closing a round needs. */
export interface CloseDeps {
  store: Store;
  log: HubLogger;
  model: JobModel;
  strategy: RoundStrategy;
}

/** Aggregates a round's collector and stores the outcome; returns the new global weights. */
export async function closeRound(deps: CloseDeps, r: RoundState): Promise<ClosedRound> {
  const { store, log, strategy } = deps;
  const { jobId, spec } = r.ctx;
  const ids = [...r.roster.received.keys()].sort();
  for (const h of strategy.hooks) await h.afterCollect?.(r.ctx, ids, r.collector);
  const unified = await strategy.aggregate(r.ctx, r.collector);
  // Raw updates against raw avg, before any server step: what each rule itself does.
  const picks = r.collector.picks?.() ?? null;
  const step = serverStep(store, jobId, spec, r.round, r.ctx.global, unified.weights);
  const result = { ...unified, weights: step.weights };
  const bytes = deps.model.encode(result.weights);
  const checkpointSha256 = sha256Hex(bytes);
  const methods = roundMethods(spec, r.evaluate).map((method) => ({
    method,
    hubAccuracy: null,
    hubLoss: null,
  }));
  // One transaction; the optimizer state first, since complete() also lets go of the update files.
  store.db.transaction(() => {
    step.save();
    store.rounds.complete(jobId, r.round, {
      unifyMs: result.ms,
      methods,
      checkpoint: bytes,
      checkpointSha256,
      picks,
    });
  })();
  store.audit(jobId, 'hub', 'unified', {
    round: r.round,
    method: spec.method,
    participants: ids,
    updates: ids.map((id) => r.roster.received.get(id)?.sha256),
    checkpointSha256,
  });
  const server =
    spec.serverOptimizer && spec.serverOptimizer !== 'none' ? ` and ${spec.serverOptimizer}` : '';
  const memory =
    r.collector.kind === 'streaming' ? '' : `, ${mb(r.collector.memoryBytes)} MB of updates kept`;
  log.info(
    'rounds',
    `round ${r.round} unified with ${spec.method}${server} from ${ids.length} updates in ${result.ms.toFixed(1)} ms${memory}`,
    jobId,
  );
  return { result, bytes, participants: ids, scored: steppedCollector(r.collector, step) };
}

/** The round:unified of a closed round; its hub accuracy is scored in the background. */
export function unifiedMessage(
  job: JobRecord,
  round: number,
  weights: Uint8Array,
  auditHead: AuditHead | null,
): RoundUnified {
  return {
    jobId: job.id,
    round,
    method: job.spec.method,
    weights,
    // Scored in the background (evaluation-queue.ts); the round record gets it when ready.
    hubAccuracy: null,
    auditHead: auditHead ?? undefined,
  };
}

/** The observers of the kept updates, once the weights went out; `published` republishes the round record with what they found. */
export async function observeUnified(
  deps: Pick<CloseDeps, 'log' | 'strategy'>,
  r: RoundState,
  published: () => void,
): Promise<void> {
  if (!deps.strategy.hooks.some((h) => h.afterUnified)) return;
  try {
    const errors = await deps.strategy.unified(r.ctx, r.collector.kept());
    for (const err of errors) {
      deps.log.warn('rounds', `round ${r.round}: update statistics failed: ${err.message}`, r.ctx.jobId);
    }
    published();
  } catch {
    // The hub closed its store while the observers ran (shutdown): there is no one left to tell.
  }
}

/** Completes round n with the global model unchanged (a round that could not be unified). */
export function completeUnchanged(
  deps: Pick<CloseDeps, 'store' | 'log'>,
  jobId: string,
  n: number,
  globalBytes: Uint8Array,
  reason: string,
): void {
  deps.store.rounds.complete(jobId, n, {
    unifyMs: 0,
    methods: [],
    checkpoint: globalBytes,
    checkpointSha256: sha256Hex(globalBytes),
  });
  deps.store.audit(jobId, 'hub', 'round-failed', { round: n, reason });
  deps.log.warn('rounds', `round ${n} failed: ${reason}; the model is unchanged`, jobId);
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
