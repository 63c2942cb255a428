/**
 * The headless participant: joins a hub with an invite, trains the job's model on local data
 * each round and sends back only weights, counts and metrics. Used by `fedunify join`, by the
 * simulation's child processes, and (wrapped in a ParticipantBridge) by the desktop app.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeInvite, type Invite } from '../wire/invite.ts';
import {
  PROTOCOL_VERSION,
  type Ack,
  type ErrorCode,
  type JobAssignment,
  type JobEnd,
} from '../wire/protocol.ts';
import type {
  BridgeEvent,
  DataPreview,
  DataSource,
  InviteInspection,
  ParticipantState,
} from '../wire/bridge.ts';
import type { LogEntry } from '../wire/protocol.ts';
import {
  backoffDelay,
  fatalMessage,
  isFatalConnectError,
  retryMessage,
  type BackoffOptions,
} from './connection.ts';
import { inspectInvite } from './invite-inspection.ts';
import { attackData, parseAttack, type Attack } from './attack.ts';
import {
  displayFingerprint,
  loadOrCreateIdentity,
  type KeyProtector,
  type StoredIdentity,
} from './identity-store.ts';
import { signChallenge, signUpdate } from '../crypto/identity.ts';
import { OutboundLog } from './outbound-log.ts';
import { RoundRunner } from './round-runner.ts';
import { StateStore } from './state.ts';
import type { BrowserOpener } from '../train/training-backend.ts';
import type { FederationConnection, LoadedData, ParticipantRuntime, TransportFactory } from './types.ts';

export interface ParticipantEngineOptions {
  /** The invite; optional when the UI supplies it later through join(). */
  invite?: string;
  /** The local data; optional when the UI supplies it later through loadData(). */
  dataSource?: DataSource;
  /** 'auto' | 'tensorflow' | 'wasm' | 'cpu' | 'webgpu' | 'webgl'. */
  backend?: string;
  /** How to reach the GPU engine page for WebGPU/WebGL (default: headless Chromium; null: never). */
  browserOpener?: BrowserOpener | null;
  /** Where the local logs and the instance id live. */
  stateDir: string;
  /** Stable id of this installation; read from (or written to) stateDir/instance-id when absent. */
  instanceId?: string;
  /** Ask the user before each upload (decideUpload). */
  approveUploads?: boolean;
  /** At most this many local test samples (evaluation is per round, so it is worth bounding). */
  testLimit?: number;
  transport?: TransportFactory;
  runtime?: ParticipantRuntime;
  backoff?: BackoffOptions;
  ackTimeoutMs?: number;
  maxSendAttempts?: number;
  /** Called with every log entry (the CLI prints them). */
  onLog?: (entry: LogEntry) => void;
  /** Encrypts the identity key at rest (the desktop app passes Electron safeStorage). */
  keyProtector?: KeyProtector;
  /** Research only (`join --attack`): how this participant corrupts what it sends; see attack.ts. */
  attack?: string;
}

/** Joins, trains, reports; observable through getState()/subscribe(). */
export class ParticipantEngine {
  private readonly store: StateStore;
  private readonly outbound: OutboundLog;
  private readonly instanceId: string;
  private identity: StoredIdentity | null = null;
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
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private leaving = false;
  private connectWaiters: (() => void)[] = [];
  private joinResolve: ((ack: Ack) => void) | null = null;
  private finishedResolve!: (end: JobEnd) => void;
  private finishedReject!: (err: Error) => void;
  private readonly finishedPromise: Promise<JobEnd>;

  constructor(private readonly opts: ParticipantEngineOptions) {
    this.store = new StateStore(opts.stateDir, opts.approveUploads ?? false, opts.onLog);
    this.outbound = new OutboundLog(opts.stateDir);
    this.instanceId = opts.instanceId ?? stableInstanceId(opts.stateDir);
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
      identity = await this.ensureIdentity();
    } catch (err) {
      return { ok: false, error: errorText(err), code: 'internal' };
    }
    if (this.conn) this.conn.close();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
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
    const conn = factory({
      url: invite.hub,
      fingerprint: invite.fingerprint,
      auth: {
        token: invite.token,
        protocolVersion: PROTOCOL_VERSION,
        instanceId: this.instanceId,
        publicKey: Buffer.from(identity.publicKey).toString('base64'),
      },
      // The signature binds the certificate this participant pinned, so it is worthless to any other hub.
      prove: (c) =>
        Buffer.from(
          signChallenge(identity.privateKeyPem, {
            hubFingerprint: invite.fingerprint ?? '',
            inviteId: c.inviteId,
            nonce: c.nonce,
            issuedAt: c.issuedAt,
          }),
        ).toString('base64'),
    });
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
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
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

  /** Loads (or makes, at the first join) this installation's Ed25519 identity and shows its fingerprint. */
  private async ensureIdentity(): Promise<StoredIdentity> {
    if (!this.identity) {
      const id = await loadOrCreateIdentity(this.opts.stateDir, this.opts.keyProtector);
      this.identity = id;
      this.store.update({ identity: { fingerprint: id.fingerprint } });
      const where = id.protected
        ? 'encrypted by the OS keychain'
        : `kept as a file readable by this user only, not encrypted: ${id.note}`;
      // A desktop app that wanted the keychain and could not have it says so louder than the CLI.
      const level = !id.protected && this.opts.keyProtector ? 'warn' : 'info';
      this.store.log(level, `Identity key ${displayFingerprint(id)} (${where}).`);
    }
    return this.identity;
  }

  /** The identity key loaded when joining (rounds only run after a join). */
  private loadedIdentity(): StoredIdentity {
    if (!this.identity) throw new Error('the identity key is not loaded: join first');
    return this.identity;
  }

  /** Signs an update claim with the identity key (base64). */
  private signUpdate(claim: Parameters<typeof signUpdate>[1]): string {
    return Buffer.from(signUpdate(this.loadedIdentity().privateKeyPem, claim)).toString('base64');
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
      this.attempt = 0;
      this.store.update({
        connection: 'connected',
        connectionDetail: `connected to ${this.invite?.hub ?? 'the hub'}`,
      });
      this.store.log('info', 'Connected to the hub.');
      for (const w of this.connectWaiters.splice(0)) w();
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
    conn.on('job:assign', (job) => void this.onJob(job));
    conn.on('round:start', (msg) => {
      if (this.store.get().roster) this.store.update({ roster: null });
      void this.runner?.onRoundStart(msg);
    });
    conn.on('round:unified', (msg) => void this.runner?.onRoundUnified(msg));
    conn.on('secagg:neighbours', (msg) => this.runner?.onSecAggNeighbours(msg));
    conn.on('secagg:inbox', (msg) => this.runner?.onSecAggInbox(msg));
    conn.on('secagg:survivors', (msg) => this.runner?.onSecAggSurvivors(msg));
    conn.on('secagg:reveal', (msg) => this.runner?.onSecAggReveal(msg));
    conn.on('job:end', (msg) => this.onEnd(msg));
    conn.on('job:roster', (msg) => {
      if (!this.job || msg.jobId === this.job.jobId)
        this.store.update({ roster: { ready: msg.ready, needed: msg.needed } });
    });
    conn.on('hub:error', (msg) =>
      this.store.log('error', `Hub: ${msg.message} (${msg.code}).`, this.job?.jobId),
    );
  }

  private scheduleReconnect(conn: FederationConnection, reason: string): void {
    if (this.reconnectTimer) return;
    const delay = backoffDelay(this.attempt++, this.opts.backoff);
    const detail = retryMessage(reason, delay);
    this.store.update({ connection: 'reconnecting', connectionDetail: detail });
    this.store.log('warn', detail, this.job?.jobId);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (conn === this.conn && !this.leaving) {
        this.store.update({
          connection: 'connecting',
          connectionDetail: `reconnecting to ${this.invite?.hub ?? 'the hub'}`,
        });
        conn.open();
      }
    }, delay);
  }

  private async onJob(job: JobAssignment): Promise<void> {
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
    const problems = runtime.checkData(data, job.model);
    const preview = this.store.get().data;
    if (preview) this.store.update({ data: { ...preview, problems } });
    if (problems.length > 0) {
      return this.fail(
        `The local data does not fit job "${job.name}": ${problems.join('; ')}. Pick data with the job's input shape and classes.`,
        'schema-mismatch',
      );
    }
    if (!this.store.get().backend) {
      const backend = await runtime.selectBackend(this.opts.backend ?? 'auto');
      this.store.update({ backend });
      this.store.log(
        'info',
        `Compute backend: ${backend.backend} (${backend.device})${backend.notes.length ? ` — ${backend.notes.join('; ')}` : ''}.`,
      );
    }
    if (!this.runner || this.runner.job.jobId !== job.jobId) {
      const model = await runtime.createModel(job.model);
      this.runner = new RoundRunner(
        {
          store: this.store,
          outbound: this.outbound,
          runtime,
          connection: () => this.conn,
          waitConnected: (signal) => this.waitConnected(signal),
          ackTimeoutMs: this.opts.ackTimeoutMs ?? 30_000,
          maxAttempts: this.opts.maxSendAttempts ?? 8,
          signUpdate: (claim) => this.signUpdate(claim),
          identity: () => this.loadedIdentity(),
          attack: this.attack,
        },
        job,
        model,
        data,
      );
    }
    const msg = { dataset: data.summary, backend: this.store.get().backend! };
    const rec = this.outbound.record(job.currentRound, 'participant:ready', msg, 'auto');
    this.store.update({ outbound: [...this.store.get().outbound, rec] });
    try {
      const ack = await conn.request('participant:ready', msg, this.opts.ackTimeoutMs ?? 30_000);
      if (!ack.ok) {
        if (ack.code === 'schema-mismatch')
          return this.fail(`The hub refused the local data: ${ack.error}`, 'schema-mismatch');
        this.store.log(
          'error',
          `The hub did not accept participant:ready: ${ack.error} (${ack.code}).`,
          job.jobId,
        );
        return;
      }
      this.store.log('info', 'Ready: waiting for the next round.', job.jobId);
    } catch (err) {
      this.store.log(
        'warn',
        `participant:ready got no answer (${errorText(err)}); it is sent again on reconnect.`,
        job.jobId,
      );
    }
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

  private waitConnected(signal: AbortSignal): Promise<void> {
    if (this.conn?.connected) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.connectWaiters.push(resolve);
      signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), {
        once: true,
      });
    });
  }
}

function stableInstanceId(stateDir: string): string {
  const file = join(stateDir, 'instance-id');
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return id;
  }
  mkdirSync(stateDir, { recursive: true });
  const id = randomUUID();
  writeFileSync(file, id + '\n');
  return id;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
