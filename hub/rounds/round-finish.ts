/**
 * Everything after a round's training (paper, Lee 2021, section 3 steps 4-5): close it (unify,
 * store, send round:unified to every participant at once), run the update observers, await the
 * participants' evals, then end the job (target accuracy, round limit) or start the next round; a
 * secure-aggregation round that cannot be unified completes with the model unchanged. The runner
 * (round-coordinator.ts) decides when a round is complete; the steps' bodies are in
 * round-closer.ts and eval-wait.ts.
 */
import type { JobEnd } from '../../core/wire/protocol.ts';
import { SecAggFailure } from '../../core/privacy/secagg-types.ts';
import { EvalWait, endAfterEvals } from './eval-wait.ts';
import {
  closeRound,
  completeUnchanged,
  observeUnified,
  unifiedMessage,
  type LiveRounds,
  type RoundJobDeps,
  type RoundState,
} from './round-closer.ts';
import type { PreviousRound } from './update-receiver.ts';

/** What finishing rounds needs of the job and the hub. */
export interface FinishDeps extends RoundJobDeps {
  isActive: () => boolean;
  /** Starts round `n` (`open`: a round after a restart, which takes any returning participant). */
  startRound: (n: number, open: boolean) => void;
  end: (status: 'completed' | 'failed', detail: string, reason: JobEnd['reason'] | null) => void;
}

/** Closes rounds, awaits their evals and decides what follows. */
export class RoundFinisher {
  /** Participants' evals of the unified round: who is awaited, until when, the round:unified sent. */
  private readonly evals = new EvalWait();
  /** The closed round's update observers while they run (afterUnified hooks). */
  private observing: Promise<void> | null = null;
  /** Accepted updates of the last closed round, so a replay is answered from memory. */
  previous: PreviousRound | null = null;

  constructor(
    private readonly deps: FinishDeps,
    private readonly live: LiveRounds,
  ) {}

  /** Closes a round: the job method's weights go to every participant at once; scoring follows. */
  async close(r: RoundState): Promise<void> {
    const { store, log, model, strategy, participants } = this.deps;
    r.phase = 'unifying';
    clearTimeout(r.timer);
    this.deps.setJob({ statusDetail: `round ${r.round}: unifying ${r.roster.receivedCount} updates` });
    try {
      // The round's rows complete before it does, so its record lists every update.
      await Promise.allSettled([...r.writes]);
      const closed = await closeRound({ store, log, model, strategy }, r);
      if (this.live.round !== r || !this.deps.isActive()) return;
      this.live.global = closed.result.weights;
      this.live.globalBytes = closed.bytes;
      this.previous = { round: r.round, received: r.roster.received };
      r.phase = 'evaluating';
      const unified = unifiedMessage(this.deps.job(), r.round, this.live.globalBytes, store.auditHead());
      this.evals.last = unified;
      const readyIds = participants.readyIds();
      for (const id of readyIds) if (r.roster.received.has(id)) this.evals.expect(id);
      participants.broadcast(readyIds, (socket) => socket.emit('round:unified', unified));
      if (r.evaluate) this.deps.scoring.enqueue(r.round, closed.scored, closed.result.weights);
      this.deps.publishRound(r.round);
      const observing = observeUnified({ log, strategy }, r, () => this.deps.publishRound(r.round));
      this.observing = observing;
      void observing.then(() => {
        if (this.observing === observing) this.observing = null;
      });
      this.deps.setJob({ statusDetail: `round ${r.round}: unified, waiting for participants' evaluations` });
      if (this.evals.size === 0) this.finishEvals();
      else this.evals.arm(this.deps.job().spec.roundDeadlineSec, () => this.finishEvals());
    } catch (err) {
      if (err instanceof SecAggFailure) {
        this.failRound(r, err.message);
        return;
      }
      const jobId = this.deps.job().id;
      log.error('rounds', `round ${r.round} could not be unified: ${(err as Error).message}`, jobId);
      this.deps.end('failed', `round ${r.round} failed: ${(err as Error).message}`, null);
    }
  }

  /** A secure-aggregation round that fell below its threshold: fails cleanly, the next round starts. */
  failRound(r: RoundState, reason: string): void {
    if (this.live.round !== r) return;
    clearTimeout(r.timer);
    this.deps.privacy?.dispose();
    r.phase = 'evaluating';
    this.completeUnchanged(r.round, reason);
    this.deps.publishRound(r.round);
    setImmediate(() => this.afterEvals(r.round, false));
  }

  /** Completes round n with the global model unchanged (a round that could not be unified). */
  completeUnchanged(n: number, reason: string): void {
    completeUnchanged(this.deps, this.deps.job().id, n, this.live.globalBytes, reason);
  }

  /** A participant's eval of round `round` is stored: the wait ends when it was the last awaited. */
  reported(participantId: string, round: number): void {
    const r = this.live.round;
    if (r?.round === round && r.phase === 'evaluating') {
      this.evals.forget(participantId);
      if (this.evals.size === 0) this.finishEvals();
    }
  }

  /** A participant left: its eval is no longer awaited. */
  forget(participantId: string): void {
    this.evals.forget(participantId);
  }

  /**
   * A participant that reconnected while the round awaits evals gets round:unified again (the
   * first went to its old socket), and its eval is awaited when it sent an update; false when the
   * round is not in that phase.
   */
  resendUnified(participantId: string): boolean {
    const r = this.live.round;
    const unified = this.evals.last;
    if (r?.phase !== 'evaluating' || unified?.round !== r.round) return false;
    if (r.roster.received.has(participantId)) this.evals.expect(participantId);
    this.deps.participants.broadcast([participantId], (socket) => socket.emit('round:unified', unified));
    return true;
  }

  private finishEvals(): void {
    this.evals.finish();
    const r = this.live.round;
    if (!r || r.phase !== 'evaluating') return;
    this.afterEvals(r.round, false);
  }

  /** Decides after round `n`: target reached, round limit, or the next round. */
  afterEvals(n: number, resumed: boolean): void {
    const job = this.deps.job();
    const evals = [...this.deps.store.rounds.evals(job.id, n).values()];
    const end = endAfterEvals(job.spec, n, evals);
    if (end) {
      void this.complete(end.detail, end.reason);
    } else if (this.observing) {
      // The closed round's observers (outlier statistics) finish first, so the hub holds one
      // round's updates at a time; participants are evaluating meanwhile.
      const r = this.live.round;
      void this.observing.then(() => {
        if (this.live.round === r && this.deps.isActive()) this.deps.startRound(n + 1, resumed);
      });
    } else {
      this.deps.startRound(n + 1, resumed);
    }
  }

  /** Completes the job once the background evaluations are stored (the record is then final). */
  async complete(detail: string, reason: JobEnd['reason']): Promise<void> {
    // The last round's record gets its update statistics before the job ends.
    if (this.observing) await this.observing;
    if (this.deps.scoring.pending > 0) {
      this.deps.setJob({ statusDetail: `${detail}; scoring the last rounds on the hub test set` });
      await this.deps.scoring.drain();
    }
    if (this.deps.isActive()) this.deps.end('completed', detail, reason);
  }

  /** Stops the eval timer (hub shutdown or job end). */
  stop(): void {
    this.evals.stopTimer();
  }
}
