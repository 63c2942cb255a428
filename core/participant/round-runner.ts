/**
 * One job's rounds on this participant: load the hub's weights, train locally, evaluate on the
 * local test split, wait for the user's approval when asked to, send the update (acknowledged,
 * retried across reconnects); then evaluate the unified model and report it. Only weights, counts
 * and metrics ever leave: the data stays in `data.split`.
 */
import type { OutboundRecord } from '../wire/bridge.ts';
import type { JobAssignment, ParticipantStatus, RoundStart, RoundUnified } from '../wire/protocol.ts';
import type { OutboundLog } from './outbound-log.ts';
import { sha256Hex, type UpdateClaim } from '../crypto/identity.ts';
import { attackSamples, attackWeights, type Attack } from './attack.ts';
import type { StateStore } from './state.ts';
import type {
  AckedEvent,
  ClientPayload,
  FederationConnection,
  LoadedData,
  LocalModel,
  ParticipantRuntime,
} from './types.ts';

export interface RunnerContext {
  store: StateStore;
  outbound: OutboundLog;
  runtime: ParticipantRuntime;
  /** The live connection, or null while there is none. */
  connection(): FederationConnection | null;
  /** Resolves once connected (again); rejects when the signal aborts. */
  waitConnected(signal: AbortSignal): Promise<void>;
  ackTimeoutMs: number;
  maxAttempts: number;
  /** Signs (job, round, SHA-256 of the weights, samples) with the identity key; base64. */
  signUpdate: (claim: UpdateClaim) => string;
  /** Research only: how this participant corrupts its updates (null: honest). */
  attack?: Attack | null;
}

/** Raised when a send is given up (hub said no, or the engine stopped). */
export class SendRefused extends Error {}

const STATUS_EVERY_MS = 1000;

/** Runs the rounds of one job, one step at a time (a queue), so evaluations never overlap training. */
export class RoundRunner {
  private queue: Promise<void> = Promise.resolve();
  private active: { round: number; abort: AbortController } | null = null;
  private readonly sentUpdates = new Set<number>();
  private readonly sentEvals = new Set<number>();
  private readonly stopped = new AbortController();
  private approval: { round: number; resolve: (ok: boolean) => void } | null = null;
  private lastUpdate: {
    msg: ClientPayload<'round:update'>;
    approvedBy: OutboundRecord['approvedBy'];
  } | null = null;

  constructor(
    private readonly ctx: RunnerContext,
    readonly job: JobAssignment,
    private readonly model: LocalModel,
    private readonly data: LoadedData,
  ) {}

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
    const abort = new AbortController();
    this.active = { round: msg.round, abort };
    return this.enqueue(async () => {
      try {
        await this.runRound(msg, abort.signal);
      } finally {
        if (this.active?.abort === abort) this.active = null;
      }
    });
  }

  /** Handles round:unified: evaluates the unified weights on the local test split and reports it. */
  onRoundUnified(msg: RoundUnified): Promise<void> {
    if (msg.jobId !== this.job.jobId || this.sentEvals.has(msg.round)) return Promise.resolve();
    return this.enqueue(() => this.evalUnified(msg));
  }

  /** Answers a pending approval request. */
  decide(round: number, approve: boolean): void {
    if (this.approval?.round !== round) return;
    const { resolve } = this.approval;
    this.approval = null;
    resolve(approve);
  }

  /** Stops everything in progress; pending sends give up. */
  stop(): void {
    this.stopped.abort();
    this.active?.abort.abort();
    this.approval?.resolve(false);
    this.approval = null;
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
    store.log(
      'info',
      `Round ${msg.round}: training on ${this.data.split.train.labels.length} local samples.`,
      job.jobId,
    );
    this.status({ state: 'training', round: msg.round });
    let lastStatus = 0;
    const trained = await this.model.train({
      data: this.data.split.train,
      epochs: job.localEpochs,
      steps: job.localSteps,
      batchSize: job.batchSize,
      learningRate: job.learningRate,
      optimizer: job.optimizer,
      seed: msg.round,
      signal,
      onProgress: (p) => {
        store.progress({ ...p, round: msg.round });
        const now = Date.now();
        if (now - lastStatus >= STATUS_EVERY_MS) {
          lastStatus = now;
          this.status({
            state: 'training',
            round: msg.round,
            samplesDone: p.samplesDone,
            samplesTotal: p.samplesTotal,
            samplesPerSec: p.samplesPerSec,
          });
        }
      },
    });
    throwIfAborted(signal);
    this.status({ state: 'evaluating', round: msg.round });
    const test =
      this.data.split.test.labels.length > 0 ? await this.model.evaluate(this.data.split.test) : null;
    throwIfAborted(signal);
    store.progress(null);
    store.upsertRound(msg.round, {
      localAccuracy: trained.accuracy,
      localTestAccuracy: test?.accuracy ?? null,
      method: job.method,
    });
    store.log(
      'info',
      `Round ${msg.round}: local accuracy ${pct(trained.accuracy)}, local test accuracy ${test ? pct(test.accuracy) : 'n/a'}.`,
      job.jobId,
    );
    const attack = this.ctx.attack;
    const trainedWeights = this.model.getWeights();
    const sent = attack ? attackWeights(attack, trainedWeights, msg.round) : trainedWeights;
    const samples = attack ? attackSamples(attack, trained.samples) : trained.samples;
    const encoded = runtime.encodeWeights(this.model.manifest, sent);
    const approvedBy = await this.approve(msg.round, encoded, signal);
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
    const weightsSha256 = sha256Hex(encoded);
    const update: ClientPayload<'round:update'> = {
      jobId: job.jobId,
      round: msg.round,
      samples,
      signature: this.ctx.signUpdate({ jobId: job.jobId, round: msg.round, weightsSha256, samples }),
      metrics: {
        loss: finiteOr(trained.loss, 0),
        accuracy: clamp01(trained.accuracy),
        testLoss: test ? finiteOr(test.loss, 0) : null,
        testAccuracy: test ? clamp01(test.accuracy) : null,
        samplesPerSec: finiteOr(trained.samplesPerSec, 0),
        durationMs: finiteOr(trained.durationMs, 0),
      },
      weights: new Uint8Array(encoded),
    };
    this.lastUpdate = { msg: update, approvedBy };
    await this.send('round:update', update, msg.round, approvedBy, signal);
    this.sentUpdates.add(msg.round);
    this.status({ state: 'waiting', round: msg.round });
  }

  private async evalUnified(msg: RoundUnified): Promise<void> {
    const { store, runtime } = this.ctx;
    let weights: Float32Array[];
    try {
      weights = runtime.decodeWeights(msg.weights, this.model.manifest);
    } catch (err) {
      store.log(
        'error',
        `Round ${msg.round}: the unified weights do not fit the model (${errorText(err)}).`,
        this.job.jobId,
      );
      return;
    }
    this.model.setWeights(weights);
    if (msg.auditHead) {
      // Kept (state and the local log file) so the hub's audit can later be checked against it.
      store.update({ auditHead: { round: msg.round, ...msg.auditHead } });
      store.log(
        'info',
        `Round ${msg.round}: hub audit chain head #${msg.auditHead.id} ${msg.auditHead.hash}.`,
        this.job.jobId,
      );
    }
    this.status({ state: 'evaluating', round: msg.round });
    const test = this.data.split.test;
    const res =
      test.labels.length > 0 ? await this.model.evaluate(test) : { accuracy: 0, loss: 0, samples: 0 };
    store.upsertRound(msg.round, {
      hubAccuracy: msg.hubAccuracy,
      unifiedLocalAccuracy: test.labels.length > 0 ? res.accuracy : null,
      method: msg.method,
    });
    store.log(
      'info',
      `Round ${msg.round}: unified (${msg.method}) accuracy here ${pct(res.accuracy)}, at the hub ${msg.hubAccuracy === null ? 'n/a' : pct(msg.hubAccuracy)}.`,
      this.job.jobId,
    );
    const evalMsg: ClientPayload<'round:eval'> = {
      jobId: this.job.jobId,
      round: msg.round,
      accuracy: clamp01(res.accuracy),
      loss: finiteOr(res.loss, 0),
      samples: res.samples,
    };
    await this.send('round:eval', evalMsg, msg.round, 'auto', this.stopped.signal);
    this.sentEvals.add(msg.round);
    this.status({ state: 'ready', round: msg.round });
  }

  /** Resolves with who approved the upload, or null when the user declined. */
  private async approve(
    round: number,
    encoded: Uint8Array,
    signal: AbortSignal,
  ): Promise<OutboundRecord['approvedBy'] | null> {
    const { store } = this.ctx;
    if (!store.get().approveUploads) return 'auto';
    const { bytes, sha256 } = this.ctx.outbound.digest(encoded);
    store.update({ pendingApproval: { round, bytes, sha256 } });
    store.log(
      'info',
      `Round ${round}: waiting for your approval to send ${bytes} bytes of weights (sha256 ${sha256.slice(0, 12)}…).`,
      this.job.jobId,
    );
    this.status({ state: 'awaiting-approval', round });
    const ok = await new Promise<boolean>((resolve) => {
      this.approval = { round, resolve };
      signal.addEventListener('abort', () => resolve(false), { once: true });
    });
    store.update({ pendingApproval: null });
    throwIfAborted(signal);
    return ok ? 'user' : null;
  }

  /** Sends an acknowledged frame, retrying on timeouts and across reconnects. */
  private async send<E extends AckedEvent>(
    event: E,
    msg: ClientPayload<E>,
    round: number,
    approvedBy: OutboundRecord['approvedBy'],
    signal: AbortSignal,
  ): Promise<void> {
    const { store } = this.ctx;
    for (let attempt = 1; attempt <= this.ctx.maxAttempts; attempt++) {
      throwIfAborted(signal);
      let conn = this.ctx.connection();
      if (!conn?.connected) {
        await this.ctx.waitConnected(signal);
        conn = this.ctx.connection();
      }
      if (!conn) continue;
      const rec = this.ctx.outbound.record(round, event, msg, approvedBy);
      store.update({ outbound: [...store.get().outbound, rec].slice(-1000) });
      try {
        const ack = await conn.request(event, msg, this.ctx.ackTimeoutMs);
        if (ack.ok) return;
        if (ack.code === 'conflict') {
          store.log('info', `${event} for round ${round}: the hub already has it.`, this.job.jobId);
          return;
        }
        if (ack.code === 'rate-limited' || ack.code === 'internal') {
          store.log(
            'warn',
            `${event} for round ${round}: hub answered ${ack.code} (${ack.error}); retrying.`,
            this.job.jobId,
          );
          continue;
        }
        throw new SendRefused(`${event} for round ${round} refused by the hub: ${ack.error} (${ack.code}).`);
      } catch (err) {
        if (err instanceof SendRefused) throw err;
        store.log(
          'warn',
          `${event} for round ${round}: no answer from the hub (${errorText(err)}); attempt ${attempt} of ${this.ctx.maxAttempts}.`,
          this.job.jobId,
        );
      }
    }
    throw new SendRefused(`${event} for round ${round}: gave up after ${this.ctx.maxAttempts} attempts.`);
  }

  private status(s: ParticipantStatus): void {
    const conn = this.ctx.connection();
    if (!conn?.connected) return;
    conn.notify(s);
    this.ctx.outbound.record(s.round ?? 0, 'participant:status', s, 'auto');
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new DOMException('aborted', 'AbortError');
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)} %`;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function finiteOr(x: number, fallback: number): number {
  return Number.isFinite(x) ? x : fallback;
}
