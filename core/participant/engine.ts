/**
 * The headless participant: joins a hub with an invite, trains the job's model on local data
 * each round and sends back only weights, counts and metrics. Used by `fedunify join`, by the
 * simulation's child processes, and (wrapped in a ParticipantBridge) by the desktop app.
 *
 * This class holds the engine's state and routes the hub's events; the connection lifecycle
 * (hub-connection.ts), the identity key (engine-identity.ts), readiness (engine-readiness.ts)
 * and the rounds themselves (round-runner.ts) live in their own modules.
 */
import { decodeInvite, type Invite } from '../wire/invite.ts';
import type { Ack, ErrorCode, JobAssignment, JobEnd } from '../wire/protocol.ts';
import type {
  BridgeEvent,
  DataPreview,
  DataSource,
  InviteInspection,
  ParticipantState,
} from '../wire/bridge.ts';
import { fatalMessage, isFatalConnectError } from './connection.ts';
import { inspectInvite } from './invite-inspection.ts';
import { attackData, parseAttack, type Attack } from './attack.ts';
import type { StoredIdentity } from './identity-store.ts';
import { EngineIdentity } from './engine-identity.ts';
import { announceReady } from './engine-readiness.ts';
import { errorText } from './error-text.ts';
import { DEFAULT_MAX_MODEL_PARAMS, modelRefusal, wireHubPushes } from './hub-pushes.ts';
import { ConnectWaiters, Reconnector, connectToHub } from './hub-connection.ts';
import { stableInstanceId } from './instance-id.ts';
import { OutboundLog } from './outbound-log.ts';
import { RoundRunner } from './round-runner.ts';
import { StateStore } from './state.ts';
import type { ParticipantEngineOptions } from './engine-options.ts';
import type { FederationConnection, LoadedData, ParticipantRuntime } from './types.ts';

/** Re-exported so that callers keep importing the engine's options from this file. */
export type { ParticipantEngineOptions } from './engine-options.ts';

/** Joins, trains, reports; observable through getState()/subscribe(). */
export class ParticipantEngine {
  private readonly store: StateStore;
  private readonly outbound: OutboundLog;
  private readonly instanceId: string;
  private readonly identity: EngineIdentity;
  private readonly attack: Attack | null;
  private runtimePromise: Promise<ParticipantRuntime> | null = null;
  private conn: FederationConnection | null = null;
  private invite: Invite | null = null;
  private inviteText: string | null = null;
  /** Why the engine stopped on its own, so that fixing the cause (data that fits) can rejoin. */
  private stoppedFor: ErrorCode | null = null;
  private data: LoadedData | null = null;
  private job: JobAssignment | null = null;
  private runner: RoundRunner | null = null;
  private readying: Promise<void> | null = null;
  private readonly reconnect: Reconnector;
  private leaving = false;
  private readonly connectWaiters = new ConnectWaiters();
  private joinResolve: ((ack: Ack) => void) | null = null;
  private finishedResolve!: (end: JobEnd) => void;
  private finishedReject!: (err: Error) => void;
  private readonly finishedPromise: Promise<JobEnd>;

  constructor(private readonly opts: ParticipantEngineOptions) {
    this.store = new StateStore(opts.stateDir, opts.approveUploads ?? false, opts.onLog);
    this.outbound = new OutboundLog(opts.stateDir);
    this.instanceId = opts.instanceId ?? stableInstanceId(opts.stateDir);
    this.identity = new EngineIdentity(opts.stateDir, opts.keyProtector, this.store);
    this.reconnect = new Reconnector(this.store, opts.backoff);
    this.attack = opts.attack ? parseAttack(opts.attack) : null;
    if (this.attack)
      this.store.log('warn', `RESEARCH MODE: this participant attacks the federation (${opts.attack}).`);
    if (opts.runtime) this.runtimePromise = Promise.resolve(opts.runtime);
    this.finishedPromise = new Promise<JobEnd>((resolve, reject) => {
      this.finishedResolve = resolve;
      this.finishedReject = reject;
    });
    // Nobody may be waiting yet; the rejection still reaches whoever calls finished().
    this.finishedPromise.catch(() => undefined);
  }

  /** Loads the configured data, then joins with the configured invite. */
  async start(): Promise<void> {
    if (!this.opts.dataSource || !this.opts.invite) {
      throw new Error(
        'start() needs both an invite and a data source; pass them to the constructor or use loadData() and join().',
      );
    }
    const loaded = await this.loadData(this.opts.dataSource);
    if (!loaded.ok) throw new Error(loaded.error);
    const joined = await this.join(this.opts.invite);
    if (!joined.ok) throw new Error(joined.error);
  }

  /** Resolves when the hub ends the job; rejects when the engine gives up (refusal, leave). */
  finished(): Promise<JobEnd> {
    return this.finishedPromise;
  }

  /** The current state snapshot. */
  getState(): ParticipantState {
    return this.store.get();
  }

  /** Subscribes to state, progress and log events; returns the unsubscribe function. */
  subscribe(listener: (event: BridgeEvent) => void): () => void {
    return this.store.subscribe(listener);
  }

  /** Asks the invite's hub (pinned TLS) who it is and what the job is, without joining. */
  async inspectInvite(inviteText: string): Promise<Ack<InviteInspection>> {
    const result = await inspectInvite(inviteText);
    if (result.ok) {
      this.store.log(
        'info',
        `Inspected the invite: hub ${result.hub.url} knows this participant as "${result.hub.org}"; job ${result.job ? `"${result.job.name}" (${result.job.status})` : 'none yet'}.`,
      );
    } else {
      this.store.log('warn', `Could not inspect the invite: ${result.error}`);
    }
    return result;
  }

  /** Loads and previews local data; checks it against the job's model when a job is known. */
  async loadData(source: DataSource): Promise<Ack<{ preview: DataPreview }>> {
    try {
      const runtime = await this.runtime();
      this.store.log('info', `Loading local data (${source.kind}).`);
      const loaded = await runtime.loadData(source, { testLimit: this.opts.testLimit });
      const data = this.attack ? attackData(this.attack, loaded) : loaded;
      this.data = data;
      const problems = this.job ? runtime.checkData(data, this.job.model) : [];
      const preview: DataPreview = {
        source,
        description: data.description,
        summary: data.summary,
        samples: data.samples,
        problems,
      };
      this.store.update({ data: preview });
      this.store.log(
        'info',
        `Local data: ${data.description} (${data.summary.trainSamples} train, ${data.summary.testSamples} test samples).`,
      );
      if (this.stoppedFor === 'schema-mismatch' && problems.length === 0 && this.inviteText) {
        // The hub dropped us only for the data: now that it fits, join again without a restart.
        this.store.log('info', 'The data now fits the job: joining the hub again.', this.job?.jobId);
        void this.join(this.inviteText);
      } else void this.maybeReady();
      return { ok: true, preview };
    } catch (err) {
      const error = `Could not load the local data: ${errorText(err)}`;
      this.store.log('error', error);
      return { ok: false, error, code: 'bad-request' };
    }
  }

  /** Connects to the hub of an invite; resolves once connected, or when the hub refuses the invite. */
  async join(inviteText: string): Promise<Ack> {
    let invite: Invite;
    try {
      invite = decodeInvite(inviteText);
    } catch (err) {
      return { ok: false, error: errorText(err), code: 'bad-request' };
    }
    // Loaded on first use so that tests with a fake transport never load socket.io-client.
    const factory = this.opts.transport ?? (await import('./transport.ts')).socketTransport;
    let identity: StoredIdentity;
    try {
      identity = await this.identity.ensure();
    } catch (err) {
      return { ok: false, error: errorText(err), code: 'internal' };
    }
    if (this.conn) this.conn.close();
    this.reconnect.cancel();
    this.leaving = false;
    this.stoppedFor = null;
    if (this.inviteText !== null && this.inviteText !== inviteText.trim()) this.forgetJob();
    this.invite = invite;
    this.inviteText = inviteText.trim();
    this.store.update({
      hub: { url: invite.hub, fingerprint: invite.fingerprint, org: invite.org },
      connection: 'connecting',
      connectionDetail: `connecting to ${invite.hub}`,
    });
    const conn = connectToHub(factory, invite, this.instanceId, identity);
    this.conn = conn;
    this.wire(conn);
    const result = new Promise<Ack>((resolve) => (this.joinResolve = resolve));
    conn.open();
    return await result;
  }

  /** Leaves the hub: stops training, closes the connection; a new invite may be joined next. */
  async leave(): Promise<void> {
    this.leaving = true;
    this.stoppedFor = null;
    this.reconnect.cancel();
    this.runner?.stop();
    this.conn?.close();
    this.conn = null;
    this.forgetJob();
    this.inviteText = null;
    this.store.update({
      connection: 'idle',
      connectionDetail: 'left the hub',
      training: null,
      pendingApproval: null,
    });
    this.store.log('info', 'Left the hub.');
    this.finishedReject(new Error('left the hub before the job ended'));
  }

  // The next invite may lead to another job: nothing of the old one may train or report.
  private forgetJob(): void {
    this.runner?.stop();
    this.runner = null;
    this.job = null;
    this.store.update({ job: null, training: null, pendingApproval: null, roster: null, ended: null });
  }

  /** Turns the per-round upload approval on or off. */
  async setApproveUploads(on: boolean): Promise<void> {
    this.store.update({ approveUploads: on });
    if (!on) {
      const pending = this.store.get().pendingApproval;
      if (pending) this.runner?.decide(pending.round, true);
    }
  }

  /** Approves or declines the pending upload of a round. */
  async decideUpload(round: number, approve: boolean): Promise<void> {
    this.store.log(
      'info',
      `Round ${round}: upload ${approve ? 'approved' : 'declined'} by the user.`,
      this.job?.jobId,
    );
    this.runner?.decide(round, approve);
  }

  private runtime(): Promise<ParticipantRuntime> {
    // Loaded on first use so that tests with a fake runtime never load TensorFlow.js.
    this.runtimePromise ??= import('./default-runtime.ts').then((m) =>
      m.createDefaultRuntime({ browser: this.opts.browserOpener }),
    );
    return this.runtimePromise;
  }

  private wire(conn: FederationConnection): void {
    conn.onConnect(() => {
      if (conn !== this.conn) return;
      this.reconnect.reset();
      this.store.update({
        connection: 'connected',
        connectionDetail: `connected to ${this.invite?.hub ?? 'the hub'}`,
      });
      this.store.log('info', 'Connected to the hub.');
      this.connectWaiters.release();
      this.joinResolve?.({ ok: true });
      this.joinResolve = null;
    });
    conn.onDisconnect((reason) => {
      if (conn !== this.conn || this.leaving || this.store.get().connection === 'finished') return;
      this.scheduleReconnect(conn, reason);
    });
    conn.onConnectError((err) => {
      if (conn !== this.conn || this.leaving) return;
      if (isFatalConnectError(err)) return this.fail(fatalMessage(err));
      this.scheduleReconnect(conn, err.message);
    });
    wireHubPushes(conn, (message) => this.store.log('error', message, this.job?.jobId), {
      'job:assign': (job) => this.onJob(job),
      'round:start': (msg) => {
        if (this.store.get().roster) this.store.update({ roster: null });
        return this.runner?.onRoundStart(msg);
      },
      'round:unified': (msg) => this.runner?.onRoundUnified(msg),
      'secagg:neighbours': (msg) => this.runner?.onSecAggNeighbours(msg),
      'secagg:inbox': (msg) => this.runner?.onSecAggInbox(msg),
      'secagg:survivors': (msg) => this.runner?.onSecAggSurvivors(msg),
      'secagg:reveal': (msg) => this.runner?.onSecAggReveal(msg),
      'job:end': (msg) => this.onEnd(msg),
      'job:roster': (msg) => {
        if (!this.job || msg.jobId === this.job.jobId)
          this.store.update({ roster: { ready: msg.ready, needed: msg.needed } });
      },
      'hub:error': (msg) => this.store.log('error', `Hub: ${msg.message} (${msg.code}).`, this.job?.jobId),
    });
  }

  private scheduleReconnect(conn: FederationConnection, reason: string): void {
    this.reconnect.schedule(reason, this.job?.jobId, () => {
      if (conn === this.conn && !this.leaving) {
        this.store.update({
          connection: 'connecting',
          connectionDetail: `reconnecting to ${this.invite?.hub ?? 'the hub'}`,
        });
        conn.open();
      }
    });
  }

  private async onJob(job: JobAssignment): Promise<void> {
    const refusal = modelRefusal(job, this.opts.maxModelParams ?? DEFAULT_MAX_MODEL_PARAMS);
    if (refusal !== null) return this.fail(refusal, 'too-large');
    if (this.job?.jobId !== job.jobId) {
      this.runner?.stop();
      this.runner = null;
      this.store.log(
        'info',
        `Assigned job "${job.name}" (${job.jobId}): ${job.rounds} rounds, method ${job.method}, now at round ${job.currentRound}.`,
        job.jobId,
      );
    } else {
      this.store.log('info', `Job "${job.name}" resumes at round ${job.currentRound}.`, job.jobId);
    }
    this.job = job;
    this.store.update({ job, ended: null });
    if (!this.data && this.opts.dataSource) {
      await this.loadData(this.opts.dataSource);
      return; // loadData calls maybeReady
    }
    await this.maybeReady();
  }

  /** Sends participant:ready once a job, data and a connection are all there (again after reconnects). */
  private maybeReady(): Promise<void> {
    this.readying ??= this.ready().finally(() => (this.readying = null));
    return this.readying;
  }

  private async ready(): Promise<void> {
    const { job, data, conn } = this;
    if (!job || !data || !conn?.connected) return;
    const runtime = await this.runtime();
    await announceReady({
      store: this.store,
      outbound: this.outbound,
      runtime,
      backendPref: this.opts.backend ?? 'auto',
      ackTimeoutMs: this.opts.ackTimeoutMs ?? 30_000,
      job,
      data,
      conn,
      ensureRunner: () => this.ensureRunner(runtime, job, data),
      fail: (message, code) => this.fail(message, code),
    });
  }

  /** Makes the round runner of `job` unless the current one already runs it. */
  private async ensureRunner(
    runtime: ParticipantRuntime,
    job: JobAssignment,
    data: LoadedData,
  ): Promise<void> {
    if (this.runner && this.runner.job.jobId === job.jobId) return;
    const model = await runtime.createModel(job.model);
    this.runner = new RoundRunner(
      {
        store: this.store,
        outbound: this.outbound,
        runtime,
        connection: () => this.conn,
        waitConnected: (signal) => this.connectWaiters.wait(this.conn?.connected ?? false, signal),
        ackTimeoutMs: this.opts.ackTimeoutMs ?? 30_000,
        maxAttempts: this.opts.maxSendAttempts ?? 8,
        signUpdate: (claim) => this.identity.signUpdate(claim),
        identity: () => this.identity.loaded(),
        attack: this.attack,
      },
      job,
      model,
      data,
    );
  }

  private onEnd(msg: JobEnd): void {
    if (this.job && msg.jobId !== this.job.jobId) return;
    this.store.log('info', `Job ended after round ${msg.finalRound} (${msg.reason}).`, msg.jobId);
    this.leaving = true;
    this.runner?.stop();
    this.conn?.close();
    this.store.update({
      connection: 'finished',
      connectionDetail: `job ended: ${msg.reason}`,
      training: null,
      ended: { reason: msg.reason, finalRound: msg.finalRound },
    });
    this.finishedResolve(msg);
  }

  private fail(message: string, code: ErrorCode = 'unauthorized'): void {
    this.leaving = true;
    this.stoppedFor = code;
    this.runner?.stop();
    this.conn?.close();
    this.store.update({ connection: 'error', connectionDetail: message });
    this.store.log('error', message, this.job?.jobId);
    this.joinResolve?.({ ok: false, error: message, code });
    this.joinResolve = null;
    this.finishedReject(new Error(message));
  }
}
