/**
 * One job's synchronous rounds (paper, Lee 2021, section 3 steps 1-5): send the global weights,
 * collect one update per participant, close the round when all have reported or the deadline has
 * passed with the quorum met, unify (and compare methods on the hub test set), send the result,
 * collect evals, then stop on the target accuracy or the round limit, or start the next round.
 * The round's shape (configure, accept, aggregate, evaluate) is in strategy.ts, who is in the
 * round in roster.ts, the per-update verdict in update-intake.ts, the sockets in
 * participant-conns.ts, hub-test scoring in hub/eval/round-scoring.ts; this file is the state
 * machine that ties them together. The math is in core/unify and the bytes in core/wire/weights-codec.
 */
import type {
  Ack,
  JobAssignment,
  JobEnd,
  JobRecord,
  ReadyMessage,
  RoundUnified,
  RoundUpdate,
} from '../../core/wire/protocol.ts';
import type { Store } from '../db/store.ts';
import type { HubEvents, HubLogger } from '../hub-events.ts';
import { jobModel, sha256Hex, type JobModel } from './model-ops.ts';
import type { HubEvaluator } from '../eval/hub-evaluator.ts';
import { RoundScoring } from '../eval/round-scoring.ts';
import { closeRound, type RoundState } from './round-closer.ts';
import { signedAuditFields } from '../federation/update-admission.ts';
import { checkUpdate } from './update-intake.ts';
import { Roster, type ReceivedUpdate } from './roster.ts';
import { createStrategy, type RoundContext, type RoundHooks, type RoundStrategy } from './strategy.ts';
import { createCollector } from './unification.ts';
import { RoundPublisher, Throttle, trainingDetail } from './round-status.ts';
import {
  ParticipantConns,
  assignmentOf,
  pacedSend,
  type Conn,
  type FederationSocket,
  type PacedTarget,
} from './participant-conns.ts';
import { PrivacyRounds } from '../privacy/privacy-rounds.ts';
import { SecAggFailure } from '../../core/privacy/secagg-types.ts';
import { budgetBeforeRound, budgetSpentText } from '../../core/privacy/round-privacy.ts';
import type { SecAggSession } from '../privacy/secagg-session.ts';
import type { SecAggMasked } from '../../core/wire/secagg-protocol.ts';

export type { FederationSocket } from './participant-conns.ts';

/** What a runner needs from the hub. */
export interface RunnerDeps {
  store: Store;
  events: HubEvents;
  log: HubLogger;
  /** Creates the hub-test evaluator of a job that has `hubEvaluation` (null: none). */
  evaluatorFor: (job: JobRecord) => HubEvaluator | null;
  /** Extensions of a job's rounds (signatures, outlier scores, secure aggregation, DP). */
  roundHooks?: (job: JobRecord) => RoundHooks[];
}

/** Drives the rounds of one job. */
export class JobRunner {
  readonly model: JobModel;
  readonly participants: ParticipantConns;
  /** Connected participants by id. */
  readonly conns: Map<string, Conn>;
  job: JobRecord;
  round: RoundState | null = null;
  global: Float32Array[];
  globalBytes: Uint8Array;
  readonly strategy: RoundStrategy;
  /** A secure-aggregation round that waits for its quorum to be ready before it starts. */
  private waitingRound: number | null = null;
  /** Secure aggregation and DP of this job (null when it uses neither). */
  readonly privacy: PrivacyRounds | null;
  /** Hub-test scoring, run in the background while the next round trains. */
  readonly scoring: RoundScoring;
  private evalTimer: NodeJS.Timeout | null = null;
  private evalWaiting = new Set<string>();
  /** Accepted updates of the last closed round, so a replay is answered from memory. */
  private previous: { round: number; received: Map<string, ReceivedUpdate> } | null = null;
  /** The last round:unified sent, for participants that reconnect before evaluating it. */
  private lastUnified: RoundUnified | null = null;
  /** The tail of the paced sends to participants (broadcast keeps them in order). */
  private sending: Promise<void> = Promise.resolve();
  /** Round records to consoles, coalesced during intake and evals. */
  private readonly publisher = new RoundPublisher((round) => this.publishRecord(round));
  /** The closed round's update observers while they run (afterUnified hooks). */
  private observing: Promise<void> | null = null;
  /** job:roster to every connected participant while the job waits: at most one per interval, not one per join. */
  private readonly rosterNotice = new Throttle(() => this.sendRoster());

  constructor(
    readonly deps: RunnerDeps,
    job: JobRecord,
  ) {
    this.job = job;
    this.model = jobModel(job.spec);
    this.privacy = PrivacyRounds.needed(job.spec) ? new PrivacyRounds(job.spec) : null;
    this.strategy = createStrategy([...(deps.roundHooks?.(job) ?? []), ...(this.privacy?.hooks ?? [])]);
    this.participants = new ParticipantConns(deps, () => this.job);
    this.conns = this.participants.conns;
    this.scoring = new RoundScoring(
      { ...deps, published: (round) => this.publishRound(round) },
      () => this.job,
    );
    const saved = deps.store.rounds.checkpoint(job.id);
    if (saved) {
      this.globalBytes = saved.weights;
      this.global = this.model.decode(saved.weights);
    } else {
      this.global = this.model.initial();
      this.globalBytes = this.model.encode(this.global);
      deps.store.rounds.putCheckpoint(job.id, 0, this.globalBytes, sha256Hex(this.globalBytes));
    }
    if (job.status === 'running') this.resume();
  }

  /** The job as a participant sees it. */
  assignment(): JobAssignment {
    return assignmentOf(this.job);
  }

  /** Whether the job still takes participants. */
  isActive(): boolean {
    return this.job.status === 'waiting' || this.job.status === 'running';
  }

  /** Sets status and detail, stores them and tells the consoles. */
  setJob(patch: Parameters<Store['updateJob']>[1]): void {
    this.job = this.deps.store.updateJob(this.job.id, patch);
    this.deps.events.emit('job:changed', this.job);
  }

  /** Publishes a participant's current record. */
  publishParticipant(participantId: string): void {
    this.participants.publish(participantId);
  }

  /** Publishes a round's current record now. */
  publishRound(round: number): void {
    this.publisher.now(round);
  }

  private publishRecord(round: number): void {
    const names = new Map(this.deps.store.listParticipants(this.job.id).map((p) => [p.id, p.name]));
    const rec = this.deps.store.rounds.recordOf(this.job.id, round, names);
    if (rec) this.deps.events.emit('round:changed', rec);
  }

  /** A participant connected: remember its socket (a second socket of the same one replaces the first). */
  attach(participantId: string, name: string, socket: FederationSocket): void {
    // Not ready on its new socket until it says so again (its seat in the round, if any, stays).
    this.round?.roster.withdraw(participantId);
    this.participants.attach(participantId, name, socket);
  }

  /** A participant's socket closed: it leaves the open round (its sent update stays). */
  detach(participantId: string, socketId: string, why?: string): void {
    if (!this.participants.detach(participantId, socketId, why)) return;
    this.round?.roster.drop(participantId);
    this.round?.roster.withdraw(participantId);
    this.privacy?.session?.left(participantId);
    this.evalWaiting.delete(participantId);
    this.fillQuorum();
    this.refresh();
  }

  /** `participant:ready`: checks the dataset against the job, then lets it into a round. */
  ready(participantId: string, msg: ReadyMessage): Ack {
    const ack = this.participants.markReady(participantId, msg);
    // Defer so the ack reaches the participant before the round:start it may trigger.
    if (ack.ok) setImmediate(() => this.admit(participantId));
    return ack;
  }

  /** Puts a ready participant into the job: starts round 1 at quorum, or joins an open round. */
  private admit(participantId: string): void {
    if (!this.participants.isReady(participantId) || !this.isActive()) return;
    if (this.job.status === 'waiting') {
      if (this.participants.readyCount >= this.job.spec.minParticipants) this.startRound(1);
      else this.refresh();
      return;
    }
    if (this.waitingRound !== null) {
      if (this.participants.readyCount >= this.job.spec.minParticipants) this.startRound(this.waitingRound);
      return;
    }
    const r = this.round;
    if (r?.phase === 'evaluating' && this.lastUnified?.round === r.round) {
      // It reconnected after the result went to its old socket: send it again, and await its eval.
      const unified = this.lastUnified;
      if (r.roster.received.has(participantId)) this.evalWaiting.add(participantId);
      this.broadcast([participantId], (socket) => socket.emit('round:unified', unified));
      return;
    }
    if (!r || r.phase !== 'training' || r.roster.takesPart(participantId)) return;
    // A secure-aggregation round's participants are fixed by its key phase: newcomers wait for the
    // next; a member whose connection dropped while it trained takes its seat again.
    if (this.privacy?.session) {
      if (this.privacy.session.rejoin(participantId)) {
        r.roster.add(participantId);
        this.deps.log.info(
          'rounds',
          `round ${r.round}: ${this.conns.get(participantId)?.name ?? participantId} reconnected and keeps its seat in secure aggregation`,
          this.job.id,
        );
        this.refresh();
      }
      return;
    }
    // A resumed round takes newcomers; any other round only while short of its quorum (else: next round).
    if (r.open) {
      r.roster.add(participantId);
      this.sendRoundStart(participantId);
    } else {
      r.roster.offer(participantId);
      this.fillQuorum();
    }
    this.refresh();
  }

  /**
   * Brings ready participants that sit outside the training round into it while the round is short
   * of its quorum: a member that drops must not stall the round when another participant is idle.
   */
  private fillQuorum(): void {
    const r = this.round;
    if (!r || r.phase !== 'training' || this.privacy?.session) return;
    for (const id of r.roster.fillQuorum(this.job.spec.minParticipants)) {
      this.sendRoundStart(id);
      this.deps.log.info(
        'rounds',
        `${this.conns.get(id)?.name ?? id} joins round ${r.round} to keep its quorum`,
        this.job.id,
      );
    }
  }

  /** Ready, connected participants. */
  readyIds(): string[] {
    return this.participants.readyIds();
  }

  private sendRoundStart(participantId: string): void {
    this.broadcast([participantId], (socket, id) => this.emitRoundStart(id, socket));
  }

  private emitRoundStart(participantId: string, socket: FederationSocket): void {
    const r = this.round;
    if (!r) return;
    const session = this.privacy?.session;
    const localDp = this.privacy?.localDp();
    socket.emit('round:start', {
      jobId: this.job.id,
      round: r.round,
      deadline: r.deadline,
      weights: this.globalBytes,
      ...(session?.includes(participantId) ? { secagg: session.paramsFor(participantId) } : {}),
      ...(localDp ? { localDp } : {}),
    });
  }

  /**
   * Sends to participants through one queue per job, paced (pacedSend): broadcasts keep their order
   * (a participant gets round:unified before the next round:start and job:end). Each socket travels
   * with its participant id, so a per-participant message costs no lookup: O(K) per broadcast.
   */
  private broadcast(
    ids: Iterable<string>,
    send: (socket: FederationSocket, participantId: string) => void,
  ): void {
    const wanted = [...ids];
    this.sending = this.sending.then(() => {
      const targets: PacedTarget[] = [];
      for (const id of wanted) {
        const socket = this.conns.get(id)?.socket;
        if (socket) targets.push({ id, socket });
      }
      return pacedSend(targets, send);
    });
  }

  /** The context every strategy step of round `n` sees. */
  private context(n: number): RoundContext {
    return { jobId: this.job.id, spec: this.job.spec, round: n, global: this.global };
  }

  /** A fresh round state: empty roster, a collector for the round's methods, the deadline timer. */
  private newRound(n: number, deadline: number, open: boolean): RoundState {
    const ctx = this.context(n);
    const evaluate = this.scoring.scores(n);
    return {
      round: n,
      ctx,
      phase: 'training',
      roster: new Roster(),
      collector: this.strategy.collector(ctx, (keep) =>
        createCollector(this.job.spec, this.model.manifest, ctx.global, evaluate, keep),
      ),
      evaluate,
      deadline,
      deadlinePassed: false,
      open,
      timer: setTimeout(() => this.onDeadline(), Math.max(0, deadline - Date.now())),
      writes: new Set(),
    };
  }

  /** Starts round `n` with the participants the strategy picks, sending them the global weights. */
  startRound(n: number, open = false): void {
    const spec = this.job.spec;
    const over = budgetBeforeRound(spec, n);
    if (over) {
      this.waitingRound = null;
      this.round = null;
      void this.complete(budgetSpentText(over), 'privacy-budget');
      return;
    }
    const readyIds = this.readyIds();
    const plan = this.strategy.configureRound(this.context(n), readyIds, Date.now());
    this.waitingRound = null;
    if (spec.secureAggregation && plan.participants.length < spec.minParticipants) {
      // Secure aggregation fixes a round's participants at its start: wait until the quorum is ready.
      this.waitingRound = n;
      this.round = null;
      this.setJob({
        status: 'running',
        currentRound: n - 1,
        statusDetail: `round ${n} waits for ${spec.minParticipants} ready participants (secure aggregation), ${plan.participants.length} ready`,
      });
      return;
    }
    this.deps.store.rounds.start(this.job.id, n, spec.method, plan.deadline);
    const r = this.newRound(n, plan.deadline, open);
    for (const id of plan.participants) r.roster.add(id);
    // The ready ones not sampled wait outside the round, first in line to fill its quorum.
    for (const id of readyIds) r.roster.offer(id);
    this.round = r;
    if (this.job.spec.secureAggregation) this.beginSecAgg(r);
    this.setJob({ status: 'running', currentRound: n });
    const ready = readyIds.length;
    const sampled = plan.participants.length < ready ? ` (sampled from ${ready} ready)` : '';
    this.deps.log.info(
      'rounds',
      `round ${n} started with ${r.roster.memberCount} participants${sampled}`,
      this.job.id,
    );
    // Per-participant round:start (secure-aggregation parameters differ): the id comes with its socket.
    this.broadcast(r.roster.memberIds(), (socket, id) => this.emitRoundStart(id, socket));
    this.publishRound(n);
    this.refresh();
  }

  /** After a restart: reopen the current round with the updates already stored, or move on. */
  private resume(): void {
    const n = this.job.currentRound;
    const stored = n > 0 ? this.deps.store.rounds.get(this.job.id, n) : null;
    if (!stored || stored.completedAt) {
      this.afterEvals(n, true);
      return;
    }
    if (this.job.spec.secureAggregation) {
      // The masks' secrets of an interrupted secure-aggregation round are gone with the old process.
      this.completeUnchanged(n, 'the hub restarted during a secure-aggregation round');
      this.afterEvals(n, true);
      return;
    }
    const r = this.newRound(n, stored.deadline, true);
    for (const u of this.deps.store.rounds.updates(this.job.id, n)) {
      if (!u.weights) continue;
      r.collector.add(u.participantId, { weights: this.model.decode(u.weights), samples: u.samples });
      r.roster.receive(u.participantId, { samples: u.samples, bytes: u.bytes, sha256: u.sha256 });
    }
    this.round = r;
    this.deps.log.info(
      'rounds',
      `resumed round ${n} after a restart (${r.roster.receivedCount} updates kept)`,
      this.job.id,
    );
    this.refresh();
  }

  /** Opens round r's secure-aggregation session over its members (SecAgg+, hub/privacy). */
  private beginSecAgg(r: RoundState): void {
    const members = r.roster.memberIds();
    const maxWeight = Math.max(
      1,
      ...members.map((id) => this.deps.store.getParticipant(id)?.dataset?.trainSamples ?? 1),
    );
    const vectorLength = this.model.manifest.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0) + 1;
    const names = (ids: string[]) => ids.map((id) => this.conns.get(id)?.name ?? id).join(', ');
    // The keys the invites were bound to at enrollment, announced so participants can check each
    // other's relayed keys against them (never a key a participant sends with the round).
    const identities = new Map<string, { name: string; publicKey: Uint8Array }>();
    for (const id of members) {
      const p = this.deps.store.getParticipant(id);
      const key = p ? this.deps.store.inviteKey(p.inviteId) : null;
      if (p && key) identities.set(id, { name: p.name, publicKey: key });
    }
    this.privacy!.beginSecAgg(
      {
        jobId: this.job.id,
        round: r.round,
        phaseTimeoutMs: Math.min(60_000, this.job.spec.roundDeadlineSec * 1000),
        // The typed emit cannot take a generic event key; the payload type comes from the same map.
        send: (id, event, msg) =>
          (this.conns.get(id)?.socket as { emit(e: string, m: unknown): void } | undefined)?.emit(event, msg),
        audit: (id, action, details) => this.deps.store.audit(this.job.id, id, action, details),
        log: (level, message) => this.deps.log[level]('rounds', message, this.job.id),
        onFailure: (reason) => {
          if (this.round === r && r.phase === 'training') this.failRound(r, reason);
        },
      },
      members,
      { vectorLength, maxWeight, identities },
    );
    this.deps.log.info('rounds', `round ${r.round}: secure aggregation among ${names(members)}`, this.job.id);
  }

  /** A secure-aggregation submission for round `round`, routed to its session. */
  secAgg(round: number, fn: (s: SecAggSession) => Ack): Ack {
    const s = this.privacy?.session;
    if (!s || this.round?.round !== round)
      return {
        ok: false,
        code: 'wrong-round',
        error: `No secure-aggregation round ${round} is open (the job is at round ${this.job.currentRound}).`,
      };
    return fn(s);
  }

  /** secagg:masked: the masked update joins the sum; the round counts it like an update. */
  secAggMasked(participantId: string, msg: SecAggMasked): Ack<{ bytes: number; sha256: string }> {
    const r = this.round;
    const s = this.privacy?.session;
    if (!r || !s || r.round !== msg.round || r.phase !== 'training')
      return {
        ok: false,
        code: 'wrong-round',
        error: `Round ${msg.round} does not take masked updates now.`,
      };
    const ack = s.masked(participantId, msg);
    if (!ack.ok) return ack;
    const { bytes, sha256 } = ack;
    // Only the masked vector's size and hash are kept: the hub never stores an individual update.
    this.deps.store.rounds.putUpdate(this.job.id, r.round, {
      participantId,
      samples: msg.samples,
      metrics: msg.metrics,
      bytes,
      sha256,
      weights: null,
    });
    r.roster.receive(participantId, { samples: msg.samples, bytes, sha256 });
    const name = this.conns.get(participantId)?.name ?? participantId;
    this.deps.log.info(
      'rounds',
      `round ${r.round}: masked update from ${name} (${bytes} bytes)`,
      this.job.id,
    );
    this.publisher.schedule(r.round);
    setImmediate(() => this.refresh());
    return ack;
  }

  /** Completes round n with the global model unchanged (a round that could not be unified). */
  private completeUnchanged(n: number, reason: string): void {
    this.deps.store.rounds.complete(this.job.id, n, {
      unifyMs: 0,
      methods: [],
      checkpoint: this.globalBytes,
      checkpointSha256: sha256Hex(this.globalBytes),
    });
    this.deps.store.audit(this.job.id, 'hub', 'round-failed', { round: n, reason });
    this.deps.log.warn('rounds', `round ${n} failed: ${reason}; the model is unchanged`, this.job.id);
  }

  /** A secure-aggregation round that fell below its threshold: fails cleanly, the next round starts. */
  private failRound(r: RoundState, reason: string): void {
    if (this.round !== r) return;
    clearTimeout(r.timer);
    this.privacy?.dispose();
    r.phase = 'evaluating';
    this.completeUnchanged(r.round, reason);
    this.publishRound(r.round);
    setImmediate(() => this.afterEvals(r.round, false));
  }

  private onDeadline(): void {
    if (!this.round) return;
    this.round.deadlinePassed = true;
    this.deps.log.warn('rounds', `round ${this.round.round} reached its deadline`, this.job.id);
    this.refresh();
  }

  /**
   * `round:update`: gets the intake verdict; an accepted update is folded in at once and acked once
   * its weights are stored (asynchronously, for a restart).
   */
  async update(participantId: string, msg: RoundUpdate): Promise<Ack<{ bytes: number; sha256: string }>> {
    if (this.job.spec.secureAggregation)
      return {
        ok: false,
        code: 'bad-request',
        error:
          'This job uses secure aggregation: the hub takes only masked updates (secagg:masked), never plain weights.',
      };
    const r = this.round;
    const sha256 = sha256Hex(msg.weights);
    const verdict = checkUpdate({
      round: r,
      jobStatus: this.job.status,
      participantId,
      msg,
      sha256,
      maxBytes: this.model.maxBytes,
      decode: (bytes) => this.model.decode(bytes),
      strategy: this.strategy,
      earlierOf: (round, id) =>
        this.previous?.round === round
          ? (this.previous.received.get(id) ?? null)
          : this.deps.store.rounds.updateOf(this.job.id, round, id),
    });
    const name = this.conns.get(participantId)?.name ?? participantId;
    if (!verdict.accept) {
      if (verdict.replay) return { ok: true, bytes: verdict.bytes, sha256: verdict.sha256 };
      if (verdict.logged) {
        this.deps.log.warn('federation', `bad weights from ${name}: ${verdict.logged}`, this.job.id);
      }
      return { ok: false, code: verdict.code, error: verdict.reason };
    }
    if (!r) return { ok: false, code: 'internal', error: 'The round closed while your update was checked.' };
    const { bytes } = verdict;
    r.collector.add(participantId, verdict.update);
    r.roster.receive(participantId, { samples: msg.samples, bytes, sha256 });
    const stored = this.deps.store.rounds.putUpdate(this.job.id, r.round, {
      participantId,
      samples: msg.samples,
      metrics: msg.metrics,
      bytes,
      sha256,
      weights: msg.weights,
    });
    r.writes.add(stored);
    this.strategy.accepted(r.ctx, { participantId, msg, bytes, sha256, update: verdict.update });
    this.deps.store.audit(this.job.id, participantId, 'update', {
      round: r.round,
      samples: msg.samples,
      bytes,
      sha256,
      ...signedAuditFields(msg),
    });
    this.deps.log.info('rounds', `round ${r.round}: update from ${name} (${bytes} bytes)`, this.job.id);
    setImmediate(() => this.refresh());
    try {
      await stored;
    } catch (err) {
      // The update is in the round (folded); only a restart during this round would miss it.
      this.deps.log.error(
        'rounds',
        `round ${r.round}: update from ${name} not saved: ${(err as Error).message}`,
        this.job.id,
      );
    } finally {
      r.writes.delete(stored);
    }
    this.publisher.schedule(r.round);
    return { ok: true, bytes, sha256 };
  }

  /** `round:eval`: a participant's local accuracy of the unified model. */
  evalReport(
    participantId: string,
    msg: { round: number; accuracy: number; loss: number; samples: number },
  ): Ack {
    if (!this.deps.store.rounds.get(this.job.id, msg.round)?.completedAt) {
      return { ok: false, code: 'wrong-round', error: `Round ${msg.round} has not been unified yet.` };
    }
    this.deps.store.rounds.putEval(this.job.id, msg.round, participantId, msg);
    this.publisher.schedule(msg.round);
    if (this.round?.round === msg.round && this.round.phase === 'evaluating') {
      this.evalWaiting.delete(participantId);
      if (this.evalWaiting.size === 0) this.finishEvals();
    }
    return { ok: true };
  }

  /** Re-checks the open round: closes it when complete, else says what it waits for. */
  refresh(): void {
    if (this.job.status === 'waiting') {
      const ready = this.participants.readyCount;
      this.rosterNotice.call();
      this.setJob({
        statusDetail: `waiting for ${this.job.spec.minParticipants} participants, ${ready} ready, ${this.conns.size} connected`,
      });
      return;
    }
    const r = this.round;
    if (!r || r.phase !== 'training' || this.job.status !== 'running') return;
    // A secure-aggregation round started with the quorum and may finish with its threshold t.
    const min = this.privacy?.session?.threshold ?? this.job.spec.minParticipants;
    const { roster } = r;
    if (roster.receivedCount >= min && (roster.allIn() || r.deadlinePassed)) {
      void this.close(r);
      return;
    }
    const detail = trainingDetail(r.round, roster, min, r.deadlinePassed);
    if (detail !== this.job.statusDetail) this.setJob({ statusDetail: detail });
  }

  /** Closes a round: the job method's weights go to every participant at once; scoring follows. */
  private async close(r: RoundState): Promise<void> {
    r.phase = 'unifying';
    clearTimeout(r.timer);
    this.setJob({ statusDetail: `round ${r.round}: unifying ${r.roster.receivedCount} updates` });
    try {
      // The round's rows complete before it does, so its record lists every update.
      await Promise.allSettled([...r.writes]);
      const closed = await closeRound(
        { store: this.deps.store, log: this.deps.log, model: this.model, strategy: this.strategy },
        r,
      );
      if (this.round !== r || !this.isActive()) return;
      this.global = closed.result.weights;
      this.globalBytes = closed.bytes;
      this.previous = { round: r.round, received: r.roster.received };
      r.phase = 'evaluating';
      const unified = {
        jobId: this.job.id,
        round: r.round,
        method: this.job.spec.method,
        weights: this.globalBytes,
        // Scored in the background (evaluation-queue.ts); the round record gets it when ready.
        hubAccuracy: null,
        auditHead: this.deps.store.auditHead() ?? undefined,
      };
      this.lastUnified = unified;
      const readyIds = this.readyIds();
      for (const id of readyIds) if (r.roster.received.has(id)) this.evalWaiting.add(id);
      this.broadcast(readyIds, (socket) => socket.emit('round:unified', unified));
      if (r.evaluate) this.scoring.enqueue(r.round, closed.scored, closed.result.weights);
      this.publishRound(r.round);
      const observing = this.afterUnified(r);
      this.observing = observing;
      void observing.then(() => {
        if (this.observing === observing) this.observing = null;
      });
      this.setJob({ statusDetail: `round ${r.round}: unified, waiting for participants' evaluations` });
      if (this.evalWaiting.size === 0) this.finishEvals();
      else
        this.evalTimer = setTimeout(
          () => this.finishEvals(),
          Math.min(this.job.spec.roundDeadlineSec, 600) * 1000,
        );
    } catch (err) {
      if (err instanceof SecAggFailure) {
        this.failRound(r, err.message);
        return;
      }
      this.deps.log.error(
        'rounds',
        `round ${r.round} could not be unified: ${(err as Error).message}`,
        this.job.id,
      );
      this.end('failed', `round ${r.round} failed: ${(err as Error).message}`, null);
    }
  }

  /** The observers of the kept updates, once the weights went out; the round record is republished with what they found. */
  private async afterUnified(r: RoundState): Promise<void> {
    if (!this.strategy.hooks.some((h) => h.afterUnified)) return;
    try {
      const errors = await this.strategy.unified(r.ctx, r.collector.kept());
      for (const err of errors) {
        this.deps.log.warn(
          'rounds',
          `round ${r.round}: update statistics failed: ${err.message}`,
          this.job.id,
        );
      }
      this.publishRound(r.round);
    } catch {
      // The hub closed its store while the observers ran (shutdown): there is no one left to tell.
    }
  }

  /** Participants see "waiting for 1 more participant (1 of 2)" instead of an idle screen. */
  private sendRoster(): void {
    if (this.job.status !== 'waiting') return;
    const roster = {
      jobId: this.job.id,
      ready: this.participants.readyCount,
      needed: this.job.spec.minParticipants,
    };
    for (const c of this.conns.values()) c.socket.emit('job:roster', roster);
  }

  private finishEvals(): void {
    if (this.evalTimer) clearTimeout(this.evalTimer);
    this.evalTimer = null;
    this.evalWaiting.clear();
    const r = this.round;
    if (!r || r.phase !== 'evaluating') return;
    this.afterEvals(r.round, false);
  }

  /** Decides after round `n`: target reached, round limit, or the next round. */
  private afterEvals(n: number, resumed: boolean): void {
    const spec = this.job.spec;
    const evals = [...this.deps.store.rounds.evals(this.job.id, n).values()];
    const target = spec.targetAccuracy;
    if (n > 0 && target !== undefined && evals.length > 0 && evals.every((e) => e.accuracy >= target)) {
      void this.complete(
        `target accuracy ${target} reached at every participant in round ${n}`,
        'target-reached',
      );
    } else if (n >= spec.rounds) {
      void this.complete(`all ${spec.rounds} rounds done`, 'round-limit');
    } else if (this.observing) {
      // The closed round's observers (outlier statistics) finish first, so the hub holds one
      // round's updates at a time; participants are evaluating meanwhile.
      const r = this.round;
      void this.observing.then(() => {
        if (this.round === r && this.isActive()) this.startRound(n + 1, resumed);
      });
    } else {
      this.startRound(n + 1, resumed);
    }
  }

  /** Completes the job once the background evaluations are stored (the record is then final). */
  private async complete(detail: string, reason: JobEnd['reason']): Promise<void> {
    // The last round's record gets its update statistics before the job ends.
    if (this.observing) await this.observing;
    if (this.scoring.pending > 0) {
      this.setJob({ statusDetail: `${detail}; scoring the last rounds on the hub test set` });
      await this.scoring.drain();
    }
    if (this.isActive()) this.end('completed', detail, reason);
  }

  /** Ends the job: stores why, tells participants and consoles. */
  end(status: 'completed' | 'aborted' | 'failed', detail: string, reason: JobEnd['reason'] | null): void {
    this.stopTimers();
    const finalRound = this.job.currentRound;
    this.round = null;
    this.setJob({ status, statusDetail: detail });
    this.deps.store.audit(this.job.id, 'hub', 'job-ended', { status, detail, finalRound });
    this.deps.log.info('rounds', `job ${status}: ${detail}`, this.job.id);
    const ended = { jobId: this.job.id, reason: reason ?? 'aborted', finalRound };
    this.broadcast([...this.conns.keys()], (socket) => socket.emit('job:end', ended));
    // Scores still queued (an abort) stay null rather than being awaited: the job is over.
    void this.scoring.close();
  }

  /** Stops timers (hub shutdown or job end); the state stays in the store for a restart. */
  stopTimers(): void {
    if (this.round) clearTimeout(this.round.timer);
    this.privacy?.dispose();
    if (this.evalTimer) clearTimeout(this.evalTimer);
    this.evalTimer = null;
    this.publisher.clear();
    this.rosterNotice.clear();
  }
}
