/**
 * One job's rounds on this participant: load the hub's weights, train locally, evaluate on the
 * local test split, wait for the user's approval when asked to, send the update (acknowledged,
 * retried across reconnects); then evaluate the unified model and report it. Only weights, counts
 * and metrics ever leave: the data stays in `data.split`.
 *
 * This class sequences the phases; each lives in its own module: secure aggregation
 * (secagg-rounds.ts), local training (round-training.ts), update protection (update-protection.ts),
 * approval (upload-approval.ts), acknowledged sends (acked-send.ts), the unified model's evaluation
 * (unified-eval.ts) and status reporting (runner-context.ts).
 */
import type { OutboundRecord } from '../wire/bridge.ts';
import type { JobAssignment, ParticipantStatus, RoundStart, RoundUnified } from '../wire/protocol.ts';
import { sha256Hex } from '../crypto/identity.ts';
import { attackSamples, attackWeights } from './attack.ts';
import { sendAcked } from './acked-send.ts';
import { errorText, isAbort } from './error-text.ts';
import { updateMetrics } from './round-metrics.ts';
import { trainAndEvaluate, type LocalRoundResult } from './round-training.ts';
import { reportStatus, type RunnerContext } from './runner-context.ts';
import type { SecAggSend } from './secagg-client.ts';
import type {
  SecAggInbox,
  SecAggNeighbours,
  SecAggRevealRequest,
  SecAggSurvivors,
} from '../wire/secagg-protocol.ts';
import { SecAggRounds } from './secagg-rounds.ts';
import { evaluateUnified } from './unified-eval.ts';
import { localBudgetRefusal, protectUpdate, protectionNote } from './update-protection.ts';
import { UploadApproval } from './upload-approval.ts';
import type { AckedEvent, ClientPayload, LoadedData, LocalModel } from './types.ts';

/** Re-exported so that callers keep importing the runner's API from this file. */
export { SendRefused } from './acked-send.ts';
export { roundLearningRate } from './round-learning-rate.ts';
export type { RunnerContext } from './runner-context.ts';

/** Runs the rounds of one job, one step at a time (a queue), so evaluations never overlap training. */
export class RoundRunner {
  private queue: Promise<void> = Promise.resolve();
  private active: { round: number; abort: AbortController } | null = null;
  private readonly sentUpdates = new Set<number>();
  private readonly sentEvals = new Set<number>();
  private readonly stopped = new AbortController();
  private readonly approval: UploadApproval;
  private readonly secagg: SecAggRounds;
  private lastUpdate: {
    msg: ClientPayload<'round:update'>;
    approvedBy: OutboundRecord['approvedBy'];
  } | null = null;

  constructor(
    private readonly ctx: RunnerContext,
    readonly job: JobAssignment,
    private readonly model: LocalModel,
    private readonly data: LoadedData,
  ) {
    this.approval = new UploadApproval(ctx, job.jobId, (s) => this.status(s));
    this.secagg = new SecAggRounds({
      store: ctx.store,
      jobId: job.jobId,
      manifest: model.manifest,
      identity: () => ctx.identity(),
      stopped: this.stopped.signal,
    });
  }

  /** Handles round:start: ignores duplicates (after a reconnect), supersedes an older round in progress. */
  onRoundStart(msg: RoundStart): Promise<void> {
    if (msg.jobId !== this.job.jobId) {
      this.ctx.store.log('warn', `Ignored round ${msg.round} of another job (${msg.jobId}).`, this.job.jobId);
      return Promise.resolve();
    }
    if (this.active?.round === msg.round) return Promise.resolve();
    if (this.sentUpdates.has(msg.round)) {
      // A hub that restarted may not have kept the update: send the same bytes again (it answers conflict if it has them).
      const cached = this.lastUpdate;
      if (cached?.msg.round !== msg.round) return Promise.resolve();
      return this.enqueue(() =>
        this.send('round:update', cached.msg, msg.round, cached.approvedBy, this.stopped.signal),
      );
    }
    if (this.active && this.active.round < msg.round) {
      this.ctx.store.log(
        'warn',
        `The hub moved on to round ${msg.round}; stopping round ${this.active.round}.`,
        this.job.jobId,
      );
      this.active.abort.abort();
    }
    const overBudget = localBudgetRefusal(this.job, this.ctx.store.get().rounds, msg.round);
    if (overBudget) {
      this.ctx.store.log('error', overBudget, this.job.jobId);
      this.status({ state: 'waiting', round: msg.round });
      return Promise.resolve();
    }
    const abort = new AbortController();
    const secaggSend: SecAggSend = (event, payload) =>
      this.send(event, payload, msg.round, 'auto', abort.signal);
    if (msg.secagg && !this.secagg.start(msg, secaggSend)) {
      this.status({ state: 'waiting', round: msg.round });
      return Promise.resolve();
    }
    this.active = { round: msg.round, abort };
    return this.enqueue(async () => {
      try {
        await this.runRound(msg, abort.signal);
      } finally {
        if (this.active?.abort === abort) this.active = null;
      }
    });
  }

  /** secagg:neighbours */
  onSecAggNeighbours(msg: SecAggNeighbours): void {
    this.secagg.onNeighbours(msg);
  }

  /** secagg:inbox */
  onSecAggInbox(msg: SecAggInbox): void {
    this.secagg.onInbox(msg);
  }

  /** secagg:survivors */
  onSecAggSurvivors(msg: SecAggSurvivors): void {
    this.secagg.onSurvivors(msg);
  }

  /** secagg:reveal */
  onSecAggReveal(msg: SecAggRevealRequest): void {
    this.secagg.onReveal(msg);
  }

  /** Handles round:unified: evaluates the unified weights on the local test split and reports it. */
  onRoundUnified(msg: RoundUnified): Promise<void> {
    if (msg.jobId !== this.job.jobId || this.sentEvals.has(msg.round)) return Promise.resolve();
    return this.enqueue(async () => {
      const sent = await evaluateUnified(
        {
          store: this.ctx.store,
          runtime: this.ctx.runtime,
          jobId: this.job.jobId,
          model: this.model,
          data: this.data,
          status: (s) => this.status(s),
          sendEval: (evalMsg) => this.send('round:eval', evalMsg, msg.round, 'auto', this.stopped.signal),
        },
        msg,
      );
      if (!sent) return;
      this.sentEvals.add(msg.round);
      this.status({ state: 'ready', round: msg.round });
    });
  }

  /** Answers a pending approval request. */
  decide(round: number, approve: boolean): void {
    this.approval.decide(round, approve);
  }

  /** Stops everything in progress; pending sends give up. */
  stop(): void {
    this.stopped.abort();
    this.active?.abort.abort();
    this.approval.cancel();
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step).catch((err: unknown) => {
      if (this.stopped.signal.aborted || isAbort(err)) return;
      this.ctx.store.log('error', err instanceof Error ? err.message : String(err), this.job.jobId);
    });
    this.queue = next;
    return next;
  }

  private async runRound(msg: RoundStart, signal: AbortSignal): Promise<void> {
    const { store, runtime } = this.ctx;
    const job = this.job;
    let weights: Float32Array[];
    try {
      weights = runtime.decodeWeights(msg.weights, this.model.manifest);
    } catch (err) {
      store.log(
        'error',
        `Round ${msg.round}: the hub's weights do not fit the model (${errorText(err)}); skipping the round.`,
        job.jobId,
      );
      return;
    }
    this.model.setWeights(weights);
    // Key and share phases run before training: training keeps this thread busy, and every
    // participant waits for the same two short phases.
    const client = msg.secagg ? this.secagg.clientOf(msg.round) : null;
    if (client) {
      store.log('info', `Round ${msg.round}: exchanging secure-aggregation keys before training.`, job.jobId);
      try {
        await client.sharesSent(signal);
      } catch (err) {
        if (isAbort(err)) throw err;
        store.log(
          'warn',
          `Round ${msg.round}: not training: the secure-aggregation key exchange failed (see the error above); the hub closes the round without this participant.`,
          job.jobId,
        );
        this.status({ state: 'waiting', round: msg.round });
        return;
      }
    }
    const local = await trainAndEvaluate(
      { store, job, model: this.model, data: this.data, status: (s) => this.status(s) },
      msg.round,
      signal,
    );
    await this.upload(msg, weights, local, signal);
  }

  /** Protects, approves and sends the round's update (masked under secure aggregation). */
  private async upload(
    msg: RoundStart,
    startWeights: Float32Array[],
    { trained, test }: LocalRoundResult,
    signal: AbortSignal,
  ): Promise<void> {
    const { store, runtime } = this.ctx;
    const job = this.job;
    const attack = this.ctx.attack;
    let trainedWeights = this.model.getWeights();
    if (attack) trainedWeights = attackWeights(attack, trainedWeights, msg.round);
    const samples = attack ? attackSamples(attack, trained.samples) : trained.samples;
    const { sendWeights, delta, dp, note } = protectUpdate(msg, startWeights, trainedWeights);
    if (note) store.log('info', note, job.jobId);
    const protection = protectionNote(job, msg.round);
    if (protection) store.log('info', protection, job.jobId);
    const encoded = runtime.encodeWeights(this.model.manifest, sendWeights);
    const approvedBy = await this.approval.request(msg.round, encoded, signal);
    if (!approvedBy) {
      store.log(
        'warn',
        `Round ${msg.round}: upload declined by the user; the hub will close the round without this participant.`,
        job.jobId,
      );
      this.status({ state: 'waiting', round: msg.round });
      return;
    }
    this.status({ state: 'uploading', round: msg.round });
    // Counted before the send (masked or plain): an attempt may reach the hub even when its answer is lost.
    if (dp && job.privacy?.dp?.mode === 'local') store.upsertRound(msg.round, { dpNoised: true });
    const weightsSha256 = sha256Hex(encoded);
    const update: ClientPayload<'round:update'> = {
      jobId: job.jobId,
      round: msg.round,
      samples,
      signature: this.ctx.signUpdate({ jobId: job.jobId, round: msg.round, weightsSha256, samples }),
      metrics: updateMetrics(trained, test),
      weights: new Uint8Array(encoded),
    };
    if (msg.secagg && delta) {
      const client = this.secagg.clientOf(msg.round);
      if (!client) throw new Error(`Round ${msg.round}: the secure-aggregation state was lost.`);
      const clipped = await client.submit(delta, samples, update.metrics, signal);
      store.log(
        'info',
        `Round ${msg.round}: masked update sent${clipped > 0 ? ` (${clipped} values clipped to ±${msg.secagg.clipRange})` : ''}.`,
        job.jobId,
      );
      this.sentUpdates.add(msg.round);
      this.status({ state: 'waiting', round: msg.round });
      return;
    }
    this.lastUpdate = { msg: update, approvedBy };
    await this.send('round:update', update, msg.round, approvedBy, signal);
    this.sentUpdates.add(msg.round);
    this.status({ state: 'waiting', round: msg.round });
  }

  /** Sends an acknowledged frame, retrying on timeouts and across reconnects. */
  private send<E extends AckedEvent>(
    event: E,
    msg: ClientPayload<E>,
    round: number,
    approvedBy: OutboundRecord['approvedBy'],
    signal: AbortSignal,
  ): Promise<void> {
    return sendAcked(this.ctx, this.job.jobId, event, msg, round, approvedBy, signal);
  }

  private status(s: ParticipantStatus): void {
    reportStatus(this.ctx, s);
  }
}
