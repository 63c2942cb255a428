/**
 * One job's synchronous rounds (paper, Lee 2021, section 3 steps 1-5): send the global weights,
 * collect one update per participant, close the round when all have reported or the deadline has
 * passed with the quorum met, unify (and compare methods on the hub test set), send the result,
 * collect evals, then stop on the target accuracy or the round limit, or start the next round.
 * This file is the state machine's front: what a connection, a ready, a drop, an update or an eval
 * means for the open round, and when that round is complete. The steps are elsewhere: opening a
 * round in round-start.ts, closing it and what follows in round-finish.ts (bodies in
 * round-closer.ts, eval-wait.ts), taking an update in update-receiver.ts (its verdict in
 * update-intake.ts), secure aggregation in secagg-phase.ts, the round's shape in strategy.ts, who
 * is in it in roster.ts, the sockets and sends in participant-conns.ts, hub-test scoring in
 * hub/eval/round-scoring.ts. The math is in core/unify and the bytes in core/wire/weights-codec.
 */
import type {
  Ack,
  JobAssignment,
  JobEnd,
  JobRecord,
  ReadyMessage,
  RoundUpdate,
} from '../../core/wire/protocol.ts';
import type { SecAggMasked } from '../../core/wire/secagg-protocol.ts';
import type { Store } from '../db/store.ts';
import type { HubEvents, HubLogger } from '../hub-events.ts';
import type { HubEvaluator } from '../eval/hub-evaluator.ts';
import { RoundScoring } from '../eval/round-scoring.ts';
import { PrivacyRounds } from '../privacy/privacy-rounds.ts';
import type { SecAggSession } from '../privacy/secagg-session.ts';
import { jobModel, type JobModel } from './model-ops.ts';
import { ParticipantConns, assignmentOf, type Conn, type FederationSocket } from './participant-conns.ts';
import type { LiveRounds, RoundState } from './round-closer.ts';
import { RoundFinisher } from './round-finish.ts';
import { RoundOpener, loadLive, restoreUpdates } from './round-start.ts';
import { RoundPublisher, trainingDetail } from './round-status.ts';
import { routeSecAgg, takeMasked } from './secagg-phase.ts';
import { createStrategy, type RoundHooks, type RoundStrategy } from './strategy.ts';
import { receiveUpdate } from './update-receiver.ts';

/** Re-exported so the job manager and tests keep importing the socket type from the runner's module. */
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
  readonly strategy: RoundStrategy;
  /** Secure aggregation and DP of this job (null when it uses neither). */
  readonly privacy: PrivacyRounds | null;
  /** Hub-test scoring, run in the background while the next round trains. */
  readonly scoring: RoundScoring;
  /** The open round and the global weights, shared with the opener and the finisher. */
  private readonly live: LiveRounds;
  /** Opens rounds (sampling, secure-aggregation wait, round:start). */
  private readonly opener: RoundOpener;
  /** Closes rounds, awaits their evals and decides what follows. */
  private readonly finisher: RoundFinisher;
  /** Round records to consoles, coalesced during intake and evals. */
  private readonly publisher = new RoundPublisher((round) => this.publishRecord(round));

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
    this.live = loadLive(deps.store, this.model, job.id);
    const { store, log } = deps;
    const { model, strategy, scoring, participants, privacy } = this;
    const common = { store, log, model, strategy, scoring, participants, privacy };
    const jobOf = () => this.job;
    const setJob = (patch: Parameters<Store['updateJob']>[1]) => this.setJob(patch);
    const publishRound = (round: number) => this.publishRound(round);
    this.finisher = new RoundFinisher(
      {
        ...common,
        job: jobOf,
        isActive: () => this.isActive(),
        setJob,
        publishRound,
        startRound: (n, open) => this.startRound(n, open),
        end: (status, detail, reason) => this.end(status, detail, reason),
      },
      this.live,
    );
    this.opener = new RoundOpener(
      {
        ...common,
        job: jobOf,
        setJob,
        publishRound,
        refresh: () => this.refresh(),
        onDeadline: () => this.onDeadline(),
        complete: (detail, reason) => void this.finisher.complete(detail, reason),
        failRound: (r, reason) => this.finisher.failRound(r, reason),
      },
      this.live,
    );
    if (job.status === 'running') this.resume();
  }

  /** The open round (training, unifying or evaluating); null between rounds. */
  get round(): RoundState | null {
    return this.live.round;
  }

  /** The global weights the next round starts from. */
  get global(): Float32Array[] {
    return this.live.global;
  }

  /** The global weights, encoded as they are sent. */
  get globalBytes(): Uint8Array {
    return this.live.globalBytes;
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
    this.live.round?.roster.withdraw(participantId);
    this.participants.attach(participantId, name, socket);
  }

  /** A participant's socket closed: it leaves the open round (its sent update stays). */
  detach(participantId: string, socketId: string, why?: string): void {
    if (!this.participants.detach(participantId, socketId, why)) return;
    this.live.round?.roster.drop(participantId);
    this.live.round?.roster.withdraw(participantId);
    this.privacy?.session?.left(participantId);
    this.finisher.forget(participantId);
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
    const waiting = this.opener.waitingRound;
    if (waiting !== null) {
      if (this.participants.readyCount >= this.job.spec.minParticipants) this.startRound(waiting);
      return;
    }
    // It reconnected after the result went to its old socket: send it again, and await its eval.
    if (this.finisher.resendUnified(participantId)) return;
    const r = this.live.round;
    if (!r || r.phase !== 'training' || r.roster.takesPart(participantId)) return;
    // A secure-aggregation round's participants are fixed by its key phase: newcomers wait for the
    // next; a member whose connection dropped while it trained takes its seat again.
    if (this.privacy?.session) {
      if (this.privacy.session.rejoin(participantId)) {
        r.roster.add(participantId);
        this.deps.log.info(
          'rounds',
          `round ${r.round}: ${this.participants.nameOf(participantId)} reconnected and keeps its seat in secure aggregation`,
          this.job.id,
        );
        this.refresh();
      }
      return;
    }
    // A resumed round takes newcomers; any other round only while short of its quorum (else: next round).
    if (r.open) {
      r.roster.add(participantId);
      this.opener.sendRoundStart([participantId]);
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
    const r = this.live.round;
    if (!r || r.phase !== 'training' || this.privacy?.session) return;
    for (const id of r.roster.fillQuorum(this.job.spec.minParticipants)) {
      this.opener.sendRoundStart([id]);
      this.deps.log.info(
        'rounds',
        `${this.participants.nameOf(id)} joins round ${r.round} to keep its quorum`,
        this.job.id,
      );
    }
  }

  /** Ready, connected participants. */
  readyIds(): string[] {
    return this.participants.readyIds();
  }

  /** Starts round `n` with the participants the strategy picks, sending them the global weights. */
  startRound(n: number, open = false): void {
    this.opener.start(n, open);
  }

  /** After a restart: reopen the current round with the updates already stored, or move on. */
  private resume(): void {
    const n = this.job.currentRound;
    const stored = n > 0 ? this.deps.store.rounds.get(this.job.id, n) : null;
    if (!stored || stored.completedAt) {
      this.finisher.afterEvals(n, true);
      return;
    }
    if (this.job.spec.secureAggregation) {
      // The masks' secrets of an interrupted secure-aggregation round are gone with the old process.
      this.finisher.completeUnchanged(n, 'the hub restarted during a secure-aggregation round');
      this.finisher.afterEvals(n, true);
      return;
    }
    const r = this.opener.newRound(n, stored.deadline, true);
    restoreUpdates(this.deps.store, this.model, r);
    this.live.round = r;
    this.deps.log.info(
      'rounds',
      `resumed round ${n} after a restart (${r.roster.receivedCount} updates kept)`,
      this.job.id,
    );
    this.refresh();
  }

  /** A secure-aggregation submission for round `round`, routed to its session. */
  secAgg(round: number, fn: (s: SecAggSession) => Ack): Ack {
    return routeSecAgg(this.privacy?.session, this.live.round?.round, round, this.job.currentRound, fn);
  }

  /** secagg:masked: the masked update joins the sum; the round counts it like an update. */
  secAggMasked(participantId: string, msg: SecAggMasked): Ack<{ bytes: number; sha256: string }> {
    const { store, log } = this.deps;
    const deps = { store, log, jobId: this.job.id, participants: this.participants };
    const ack = takeMasked(deps, this.live.round, this.privacy?.session, participantId, msg);
    if (!ack.ok) return ack;
    this.publisher.schedule(msg.round);
    setImmediate(() => this.refresh());
    return ack;
  }

  private onDeadline(): void {
    const r = this.live.round;
    if (!r) return;
    r.deadlinePassed = true;
    this.deps.log.warn('rounds', `round ${r.round} reached its deadline`, this.job.id);
    this.refresh();
  }

  /**
   * `round:update`: gets the intake verdict; an accepted update is folded in at once and acked once
   * its weights are stored (asynchronously, for a restart).
   */
  update(participantId: string, msg: RoundUpdate): Promise<Ack<{ bytes: number; sha256: string }>> {
    const deps = {
      store: this.deps.store,
      log: this.deps.log,
      model: this.model,
      strategy: this.strategy,
      job: this.job,
      round: this.live.round,
      previous: this.finisher.previous,
      nameOf: (id: string) => this.participants.nameOf(id),
      refresh: () => this.refresh(),
      schedule: (round: number) => this.publisher.schedule(round),
    };
    return receiveUpdate(deps, participantId, msg);
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
    this.finisher.reported(participantId, msg.round);
    return { ok: true };
  }

  /** Re-checks the open round: closes it when complete, else says what it waits for. */
  refresh(): void {
    if (this.job.status === 'waiting') {
      const ready = this.participants.readyCount;
      this.participants.noticeRoster();
      this.setJob({
        statusDetail: `waiting for ${this.job.spec.minParticipants} participants, ${ready} ready, ${this.conns.size} connected`,
      });
      return;
    }
    const r = this.live.round;
    if (!r || r.phase !== 'training' || this.job.status !== 'running') return;
    // A secure-aggregation round started with the quorum and may finish with its threshold t.
    const min = this.privacy?.session?.threshold ?? this.job.spec.minParticipants;
    const { roster } = r;
    if (roster.receivedCount >= min && (roster.allIn() || r.deadlinePassed)) {
      void this.finisher.close(r);
      return;
    }
    const detail = trainingDetail(r.round, roster, min, r.deadlinePassed);
    if (detail !== this.job.statusDetail) this.setJob({ statusDetail: detail });
  }

  /** Ends the job: stores why, tells participants and consoles. */
  end(status: 'completed' | 'aborted' | 'failed', detail: string, reason: JobEnd['reason'] | null): void {
    this.stopTimers();
    const finalRound = this.job.currentRound;
    this.live.round = null;
    this.setJob({ status, statusDetail: detail });
    this.deps.store.audit(this.job.id, 'hub', 'job-ended', { status, detail, finalRound });
    this.deps.log.info('rounds', `job ${status}: ${detail}`, this.job.id);
    const ended = { jobId: this.job.id, reason: reason ?? 'aborted', finalRound };
    this.participants.broadcast([...this.conns.keys()], (socket) => socket.emit('job:end', ended));
    // Scores still queued (an abort) stay null rather than being awaited: the job is over.
    void this.scoring.close();
  }

  /** Stops timers (hub shutdown or job end); the state stays in the store for a restart. */
  stopTimers(): void {
    if (this.live.round) clearTimeout(this.live.round.timer);
    this.privacy?.dispose();
    this.finisher.stop();
    this.publisher.clear();
    this.participants.stop();
  }
}
