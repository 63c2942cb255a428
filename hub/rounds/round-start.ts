/**
 * Opening a round (paper, Lee 2021, section 3 step 1): the participants the strategy picks, the
 * wait of a secure-aggregation round for its quorum, the privacy budget check, the fresh in-memory
 * state (empty roster, a collector for the round's methods, the deadline timer), the round:start
 * each member gets, and a round reopened after a hub restart from the updates already stored.
 * The runner (round-coordinator.ts) decides when a round opens and who joins it later.
 */
import type { JobEnd, RoundStart } from '../../core/wire/protocol.ts';
import { budgetBeforeRound, budgetSpentText } from '../../core/privacy/round-privacy.ts';
import type { Store } from '../db/store.ts';
import type { PrivacyRounds } from '../privacy/privacy-rounds.ts';
import { sha256Hex, type JobModel } from './model-ops.ts';
import type { LiveRounds, RoundJobDeps, RoundState } from './round-closer.ts';
import { Roster } from './roster.ts';
import { beginSecAgg } from './secagg-phase.ts';
import type { RoundContext, RoundStrategy } from './strategy.ts';
import { createCollector } from './unification.ts';

/** What opening rounds needs of the job and the hub. */
export interface OpenDeps extends RoundJobDeps {
  /** Re-checks the open round: closes it when complete, else says what it waits for. */
  refresh: () => void;
  /** The round's deadline passed. */
  onDeadline: () => void;
  /** Ends the job once its last rounds are scored (the privacy budget is spent). */
  complete: (detail: string, reason: JobEnd['reason']) => void;
  /** A secure-aggregation round fell below its threshold before it could be unified. */
  failRound: (r: RoundState, reason: string) => void;
}

/** Opens a job's rounds and sends their round:start. */
export class RoundOpener {
  /** A secure-aggregation round that waits for its quorum to be ready before it starts. */
  waitingRound: number | null = null;

  constructor(
    private readonly deps: OpenDeps,
    private readonly live: LiveRounds,
  ) {}

  /** Starts round `n` with the participants the strategy picks, sending them the global weights. */
  start(n: number, open: boolean): void {
    const { store, log, participants } = this.deps;
    const spec = this.deps.job().spec;
    const over = budgetBeforeRound(spec, n);
    if (over) {
      this.waitingRound = null;
      this.live.round = null;
      this.deps.complete(budgetSpentText(over), 'privacy-budget');
      return;
    }
    const readyIds = participants.readyIds();
    const plan = this.deps.strategy.configureRound(this.context(n), readyIds, Date.now());
    this.waitingRound = null;
    if (spec.secureAggregation && plan.participants.length < spec.minParticipants) {
      // Secure aggregation fixes a round's participants at its start: wait until the quorum is ready.
      this.waitingRound = n;
      this.live.round = null;
      this.deps.setJob({
        status: 'running',
        currentRound: n - 1,
        statusDetail: `round ${n} waits for ${spec.minParticipants} ready participants (secure aggregation), ${plan.participants.length} ready`,
      });
      return;
    }
    store.rounds.start(this.deps.job().id, n, spec.method, plan.deadline);
    const r = this.newRound(n, plan.deadline, open);
    for (const id of plan.participants) r.roster.add(id);
    // The ready ones not sampled wait outside the round, first in line to fill its quorum.
    for (const id of readyIds) r.roster.offer(id);
    this.live.round = r;
    if (this.deps.job().spec.secureAggregation) this.beginSecAgg(r);
    this.deps.setJob({ status: 'running', currentRound: n });
    const ready = readyIds.length;
    const sampled = plan.participants.length < ready ? ` (sampled from ${ready} ready)` : '';
    log.info(
      'rounds',
      `round ${n} started with ${r.roster.memberCount} participants${sampled}`,
      this.deps.job().id,
    );
    this.sendRoundStart(r.roster.memberIds());
    this.deps.publishRound(n);
    this.deps.refresh();
  }

  /** A fresh round state: empty roster, a collector for the round's methods, the deadline timer. */
  newRound(n: number, deadline: number, open: boolean): RoundState {
    const ctx = this.context(n);
    const evaluate = this.deps.scoring.scores(n);
    const { model, strategy, onDeadline } = this.deps;
    return newRoundState({ ctx, model, strategy, evaluate, deadline, open, onDeadline });
  }

  /**
   * Per-participant round:start (secure-aggregation parameters differ): the paced broadcast hands
   * each socket over with its participant id, so no member is looked up per socket (O(K) a round).
   */
  sendRoundStart(ids: Iterable<string>): void {
    this.deps.participants.broadcast(ids, (socket, id) => {
      const r = this.live.round;
      if (r) socket.emit('round:start', roundStartMessage(r, this.live.globalBytes, this.deps.privacy, id));
    });
  }

  /** The context every strategy step of round `n` sees. */
  private context(n: number): RoundContext {
    const job = this.deps.job();
    return { jobId: job.id, spec: job.spec, round: n, global: this.live.global };
  }

  /** Opens round r's secure-aggregation session over its members (SecAgg+, hub/privacy). */
  private beginSecAgg(r: RoundState): void {
    const { store, log, model, participants } = this.deps;
    const job = this.deps.job();
    const privacy = this.deps.privacy!;
    const deps = {
      store,
      log,
      jobId: job.id,
      participants,
      model,
      privacy,
      roundDeadlineSec: job.spec.roundDeadlineSec,
    };
    beginSecAgg(deps, r, (reason) => {
      if (this.live.round === r && r.phase === 'training') this.deps.failRound(r, reason);
    });
  }
}

/** What a fresh round state is built from. */
export interface NewRound {
  ctx: RoundContext;
  model: JobModel;
  strategy: RoundStrategy;
  /** Whether the hub scores this round's methods on its test set. */
  evaluate: boolean;
  deadline: number;
  /** Resumed after a restart: any returning participant may join it. */
  open: boolean;
  onDeadline: () => void;
}

/** A fresh round state: empty roster, a collector for the round's methods, the deadline timer armed. */
export function newRoundState(input: NewRound): RoundState {
  const { ctx, evaluate, deadline } = input;
  return {
    round: ctx.round,
    ctx,
    phase: 'training',
    roster: new Roster(),
    collector: input.strategy.collector(ctx, (keep) =>
      createCollector(ctx.spec, input.model.manifest, ctx.global, evaluate, keep),
    ),
    evaluate,
    deadline,
    deadlinePassed: false,
    open: input.open,
    timer: setTimeout(input.onDeadline, Math.max(0, deadline - Date.now())),
    writes: new Set(),
  };
}

/**
 * The round:start of member `participantId`: the global weights, its own secure-aggregation
 * parameters when it is in the round's session, and local DP settings when the job has them.
 */
export function roundStartMessage(
  r: RoundState,
  weights: Uint8Array,
  privacy: PrivacyRounds | null,
  participantId: string,
): RoundStart {
  const session = privacy?.session;
  const localDp = privacy?.localDp();
  return {
    jobId: r.ctx.jobId,
    round: r.round,
    deadline: r.deadline,
    weights,
    ...(session?.includes(participantId) ? { secagg: session.paramsFor(participantId) } : {}),
    ...(localDp ? { localDp } : {}),
  };
}

/** Folds the updates stored for a reopened round back into it (weights decoded again). */
export function restoreUpdates(store: Store, model: JobModel, r: RoundState): void {
  for (const u of store.rounds.updates(r.ctx.jobId, r.round)) {
    if (!u.weights) continue;
    r.collector.add(u.participantId, { weights: model.decode(u.weights), samples: u.samples });
    r.roster.receive(u.participantId, { samples: u.samples, bytes: u.bytes, sha256: u.sha256 });
  }
}

/** The job's live state at load: the last stored checkpoint, or the initial weights stored as round 0. */
export function loadLive(store: Store, model: JobModel, jobId: string): LiveRounds {
  const saved = store.rounds.checkpoint(jobId);
  if (saved) return { round: null, global: model.decode(saved.weights), globalBytes: saved.weights };
  const global = model.initial();
  const globalBytes = model.encode(global);
  store.rounds.putCheckpoint(jobId, 0, globalBytes, sha256Hex(globalBytes));
  return { round: null, global, globalBytes };
}
