/**
 * One job's rounds on this participant: load the hub's weights, train locally, evaluate on the
 * local test split, wait for the user's approval when asked to, send the update (acknowledged,
 * retried across reconnects); then evaluate the unified model and report it. Only weights, counts
 * and metrics ever leave: the data stays in `data.split`.
 */
import type { OutboundRecord } from '../wire/bridge.ts';
import type { JobAssignment, ParticipantStatus, RoundStart, RoundUnified } from '../wire/protocol.ts';
import type { OutboundLog } from './outbound-log.ts';
import {
  secAggInboxSchema,
  secAggNeighboursSchema,
  secAggRevealRequestSchema,
  secAggRoundSchema,
  secAggSurvivorsSchema,
} from '../wire/secagg-protocol.ts';
import type { z } from 'zod';
import { applyDelta, flatDelta, privatizeDelta } from '../privacy/update-privacy.ts';
import { SecAggClient, describeIdentities, type IdentityPins } from './secagg-client.ts';
import { ownEpsilon, roundPrivacy } from '../privacy/round-privacy.ts';
import { sha256Hex, type IdentityKeyPair, type UpdateClaim } from '../crypto/identity.ts';
import { attackSamples, attackWeights, type Attack } from './attack.ts';
import { scheduledLearningRate } from '../train/lr-schedule.ts';
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
  /** The enrollment identity (the key the hub bound the invite to): signs secure-aggregation keys. */
  identity: () => IdentityKeyPair;
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
  /** The secure-aggregation state of the current round (when the job uses it). */
  private secagg: SecAggClient | null = null;
  /** Identity keys the hub announced in earlier secure-aggregation rounds of this job. */
  private readonly identityPins: IdentityPins = new Map();
  /** The roster last shown to the user (logged again only when it changes). */
  private shownRoster = '';
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
    const overBudget = this.localBudgetRefusal(msg.round);
    if (overBudget) {
      this.ctx.store.log('error', overBudget, this.job.jobId);
      this.status({ state: 'waiting', round: msg.round });
      return Promise.resolve();
    }
    const abort = new AbortController();
    if (msg.secagg && !this.startSecAgg(msg, abort.signal)) {
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

  /**
   * Local DP with a target ε: this participant keeps its own budget too, and sends nothing in a
   * round that would spend more (an honest hub has stopped the job before; this guards against one
   * that does not). The refusal text, or null when the round may run.
   */
  private localBudgetRefusal(round: number): string | null {
    const dp = this.job.privacy?.dp;
    if (dp?.mode !== 'local' || dp.targetEpsilon === undefined) return null;
    const sent = this.ctx.store.get().rounds.filter((r) => r.dpNoised && r.round !== round).length;
    const next = ownEpsilon(dp, sent + 1);
    if (next <= dp.targetEpsilon) return null;
    return (
      `Round ${round}: not taking part: another noised update would bring this participant's ε from ` +
      `${ownEpsilon(dp, sent).toFixed(3)} to ${next.toFixed(3)}, over the job's target ${dp.targetEpsilon}.`
    );
  }

  /**
   * Starts the key phase of a secure-aggregation round at once; false (logged) when the round is
   * refused: a malformed setup, or identity keys this participant cannot trust.
   */
  private startSecAgg(msg: RoundStart, signal: AbortSignal): boolean {
    const params = this.checked(secAggRoundSchema, msg.secagg, 'secure-aggregation setup');
    if (!params) return false;
    const n = this.model.manifest.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0) + 1;
    let client: SecAggClient;
    try {
      client = new SecAggClient(
        this.job.jobId,
        msg.round,
        params,
        n,
        (event, payload) => this.send(event, payload, msg.round, 'auto', signal),
        this.ctx.identity(),
        this.identityPins,
      );
    } catch (err) {
      this.ctx.store.log(
        'error',
        `Round ${msg.round}: secure aggregation refused: ${errorText(err).replace(/[.\s]*$/, '.')} This participant sends nothing this round.`,
        this.job.jobId,
      );
      return false;
    }
    this.secagg = client;
    const roster = describeIdentities(params);
    if (roster.join('\n') !== this.shownRoster) {
      this.shownRoster = roster.join('\n');
      this.ctx.store.log(
        'info',
        `Secure aggregation: the hub announced these enrolled identity keys (compare them with each organization's own fingerprint out of band): ${roster.join('; ')}.`,
        this.job.jobId,
      );
    }
    this.ctx.store.log(
      'info',
      `Round ${msg.round}: secure aggregation with ${msg.secagg!.participants.length} participants (threshold ${msg.secagg!.threshold}); the hub will see only the masked update.`,
      this.job.jobId,
    );
    this.secAggStep(msg.round, () => client.start());
    return true;
  }

  /** Runs one secure-aggregation step for `round` outside the training queue; failures are logged. */
  private secAggStep(round: number, step: (c: SecAggClient) => Promise<void> | void): void {
    const client = this.secagg;
    if (!client || client.round !== round) return;
    void (async () => {
      try {
        await step(client);
      } catch (err) {
        client.abandon(err);
        if (this.stopped.signal.aborted || isAbort(err)) return;
        this.ctx.store.log('error', `Round ${round}: secure aggregation: ${errorText(err)}`, this.job.jobId);
      }
    })();
  }

  /** Tells the user what protects this round's update and the ε spent so far. */
  private logPrivacy(round: number): void {
    const p = this.job.privacy;
    if (!p || (!p.secureAggregation && !p.dp)) return;
    const dp = p.dp
      ? { mode: p.dp.mode, clip: p.dp.clip, noiseMultiplier: p.dp.noiseMultiplier, delta: p.dp.delta }
      : undefined;
    const spent = roundPrivacy(
      { rounds: this.job.rounds, secureAggregation: p.secureAggregation, dp },
      round,
    );
    const what = [
      p.secureAggregation ? 'secure aggregation (the hub sees only the masked update)' : null,
      p.dp
        ? `${p.dp.mode} differential privacy (clip ${p.dp.clip}, noise multiplier ${p.dp.noiseMultiplier.toPrecision(3)})`
        : null,
    ].filter(Boolean);
    this.ctx.store.log(
      'info',
      `Round ${round}: protected by ${what.join(' and ')}${spent.epsilon === null ? '' : `; privacy spent so far ε = ${spent.epsilon.toFixed(2)} at δ = ${spent.delta}`}.`,
      this.job.jobId,
    );
  }

  /** Checks a hub push against its schema; a malformed one is logged and dropped. */
  private checked<T>(schema: z.ZodType<T>, msg: unknown, what: string): T | null {
    const parsed = schema.safeParse(msg);
    if (parsed.success) return parsed.data;
    this.ctx.store.log(
      'warn',
      `Ignored a malformed ${what} from the hub: ${parsed.error.issues[0]?.message}`,
      this.job.jobId,
    );
    return null;
  }

  /** secagg:neighbours */
  onSecAggNeighbours(raw: unknown): void {
    const msg = this.checked(secAggNeighboursSchema, raw, 'secagg:neighbours');
    if (msg?.jobId === this.job.jobId) this.secAggStep(msg.round, (c) => c.onNeighbours(msg));
  }

  /** secagg:inbox */
  onSecAggInbox(raw: unknown): void {
    const msg = this.checked(secAggInboxSchema, raw, 'secagg:inbox');
    if (msg?.jobId === this.job.jobId) this.secAggStep(msg.round, (c) => c.onInbox(msg));
  }

  /** secagg:survivors */
  onSecAggSurvivors(raw: unknown): void {
    const msg = this.checked(secAggSurvivorsSchema, raw, 'secagg:survivors');
    if (msg?.jobId === this.job.jobId) this.secAggStep(msg.round, (c) => c.onSurvivors(msg));
  }

  /** secagg:reveal */
  onSecAggReveal(raw: unknown): void {
    const msg = this.checked(secAggRevealRequestSchema, raw, 'secagg:reveal');
    if (msg?.jobId === this.job.jobId) this.secAggStep(msg.round, (c) => c.onReveal(msg));
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
    // Key and share phases run before training: training keeps this thread busy, and every
    // participant waits for the same two short phases.
    if (msg.secagg && this.secagg?.round === msg.round) {
      store.log('info', `Round ${msg.round}: exchanging secure-aggregation keys before training.`, job.jobId);
      try {
        await this.secagg.sharesSent(signal);
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
    const learningRate = roundLearningRate(job, msg.round);
    store.log(
      'info',
      `Round ${msg.round}: training on ${this.data.split.train.labels.length} local samples${job.learningRateSchedule ? ` at learning rate ${learningRate.toPrecision(3)} (${job.learningRateSchedule} over ${job.rounds} rounds)` : ''}${job.proximalMu ? ` with FedProx μ ${job.proximalMu}` : ''}.`,
      job.jobId,
    );
    this.status({ state: 'training', round: msg.round });
    let lastStatus = 0;
    const trained = await this.model.train({
      data: this.data.split.train,
      epochs: job.localEpochs,
      steps: job.localSteps,
      batchSize: job.batchSize,
      learningRate,
      optimizer: job.optimizer,
      seed: msg.round,
      ...(job.proximalMu ? { proximalMu: job.proximalMu } : {}),
      signal,
      onBackendChange: (backend, message, level) => {
        store.update({ backend });
        store.log(level, `Round ${msg.round}: ${message}`, job.jobId);
      },
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
    let sendWeights = this.model.getWeights();
    if (attack) sendWeights = attackWeights(attack, sendWeights, msg.round);
    const samples = attack ? attackSamples(attack, trained.samples) : trained.samples;
    let delta: Float32Array | null = null;
    const dp = msg.secagg?.dpClip ? { clip: msg.secagg.dpClip, noiseStd: msg.secagg.noiseStd } : msg.localDp;
    if (msg.secagg || dp) {
      delta = flatDelta(sendWeights, weights);
      if (dp) {
        const p = privatizeDelta(delta, dp);
        delta = p.delta;
        store.log(
          'info',
          `Round ${msg.round}: update ${p.report.clipped ? `clipped from L2 norm ${p.report.norm.toFixed(3)} to ${dp.clip}` : `within the clip norm ${dp.clip} (L2 norm ${p.report.norm.toFixed(3)})`}, Gaussian noise σ = ${dp.noiseStd.toPrecision(3)} added here before it leaves.`,
          job.jobId,
        );
        if (!msg.secagg) sendWeights = applyDelta(weights, delta);
      }
    }
    this.logPrivacy(msg.round);
    const encoded = runtime.encodeWeights(this.model.manifest, sendWeights);
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
    // Counted before the send (masked or plain): an attempt may reach the hub even when its answer is lost.
    if (dp && job.privacy?.dp?.mode === 'local') store.upsertRound(msg.round, { dpNoised: true });
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
    if (msg.secagg && delta) {
      const client = this.secagg;
      if (client?.round !== msg.round)
        throw new Error(`Round ${msg.round}: the secure-aggregation state was lost.`);
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
        // A job that ended (or a user who left) closed the connection under this send: nothing to retry.
        throwIfAborted(signal);
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

/**
 * The local learning rate of round `round` (1-based): the job's rate, or with a schedule the rate the
 * schedule gives that round, the job's rate being the peak and its rounds the schedule's steps.
 */
export function roundLearningRate(
  job: Pick<JobAssignment, 'learningRate' | 'learningRateSchedule' | 'rounds'>,
  round: number,
): number {
  if (!job.learningRateSchedule) return job.learningRate;
  return scheduledLearningRate(job.learningRateSchedule, job.learningRate, round - 1, job.rounds);
}
