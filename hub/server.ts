/**
 * Starts a hub: HTTPS (or, on loopback only, plain HTTP with --insecure) serving the operator
 * API and console, socket.io on the same port (WebSocket only) with the /federation and
 * /operator namespaces, and the SQLite store under the data folder.
 */
import { HUB_MAX_ATTACHMENTS, socketParser } from '../core/net/socket-parser.ts';
import https from 'node:https';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Server } from 'socket.io';
import { FEDERATION_NAMESPACE, OPERATOR_NAMESPACE } from '../core/wire/protocol.ts';
import type { JobRecord } from '../core/wire/protocol.ts';
import { Store } from './db/store.ts';
import { openHubStore } from './db/data-dir-check.ts';
import { DEFAULT_MODEL_LIMITS, type ModelLimits } from './operator/model-limits.ts';
import { HubEvents, HubLogger, type LogLevel } from './hub-events.ts';
import { loadTlsIdentity } from './tls.ts';
import {
  ensureOperator,
  OperatorSessions,
  operatorFilePath,
  refreshOperatorFile,
  writeOperatorFile,
} from './operator/operator-auth.ts';
import { JobManager } from './rounds/job-manager.ts';
import { registerFederationHandlers, disconnectInvite } from './federation/federation-handlers.ts';
import { registerOperatorHandlers } from './operator/operator-socket.ts';
import { createOperatorApi } from './operator/operator-api.ts';
import { defaultConsoleDir } from './operator/static-console.ts';
import { createHubEvaluator, type HubEvaluator } from './eval/hub-evaluator.ts';
import { claimDataDir, releaseDataDir } from './db/run-marker.ts';
import { limitBeforeAuth } from './federation/pre-auth-limit.ts';
import { outlierHooks } from './federation/outliers.ts';
import { guardHeartbeats } from './federation/heartbeat-guard.ts';

/** Options of startHub. */
export interface HubOptions {
  dataDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1 (give 0.0.0.0 to accept other machines). */
  host?: string;
  /** Plain HTTP, allowed on loopback hosts only (tests, local demos). */
  insecure?: boolean;
  certPath?: string;
  keyPath?: string;
  /** Console log level (default info); 'silent' prints nothing. */
  logLevel?: LogLevel | 'silent';
  /** Same as logLevel 'silent', and no start-up banner. */
  quiet?: boolean;
  /** The public URL participants should use, when it differs from the listening address. */
  publicUrl?: string;
  /** Folder of the built operator console. */
  consoleDir?: string;
  /** Per-socket event budget of participants (tests lower it). */
  rateLimit?: { burst: number; perSec: number };
  /** Largest model a job may have (default DEFAULT_MODEL_LIMITS). */
  modelLimits?: Partial<ModelLimits>;
  /** Generate a new certificate although the data folder's hub had one (invites pin the old one). */
  newIdentity?: boolean;
  /** Replaces the worker-thread hub evaluator (tests). */
  evaluatorFor?: (job: JobRecord) => HubEvaluator | null;
}

/** A running hub. */
export interface Hub {
  url: string;
  /** SHA-256 of the certificate (DER), 'AA:BB:..'; null for an --insecure hub. */
  fingerprint: string | null;
  /** The operator account; the password only on the first start of a data folder. */
  operator: { username: string; password?: string };
  store: Store;
  jobs: JobManager;
  events: HubEvents;
  log: HubLogger;
  /** The current socket frame limit in bytes (sized to the largest model of an active job). */
  frameLimit(): number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
/** Room above the largest encoded model for socket.io framing and the update's other fields. */
const FRAME_MARGIN = 64 * 1024;
const MIN_FRAME = 1 << 20;

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts a hub and resolves once it listens. */
export async function startHub(opts: HubOptions): Promise<Hub> {
  const host = opts.host ?? '127.0.0.1';
  if (opts.insecure && !LOOPBACK.has(host)) {
    throw new Error(
      `--insecure (no TLS) is allowed only on a loopback host (127.0.0.1, ::1), not ${host}: participants' weights would cross the network unencrypted.`,
    );
  }
  const { store, state: dataState } = openHubStore(opts.dataDir);
  const events = new HubEvents();
  const log = new HubLogger(store, events, opts.quiet ? 'silent' : (opts.logLevel ?? 'info'));
  let tlsId;
  try {
    tlsId = opts.insecure
      ? null
      : await loadTlsIdentity(opts.dataDir, opts.certPath, opts.keyPath, {
          existingHub: dataState.dbHasData,
          pinned: dataState.pinnedFingerprint,
          newIdentity: opts.newIdentity ?? false,
        });
  } catch (err) {
    store.close();
    throw err;
  }
  if (opts.newIdentity && tlsId?.generated && dataState.pinnedFingerprint) {
    log.warn(
      'hub',
      `new certificate ${tlsId.fingerprint} (--new-identity): invites and participants that pin ${dataState.pinnedFingerprint} must be replaced`,
    );
  }
  const operator = await ensureOperator(store);
  const sessions = new OperatorSessions(store);

  let frameLimit = MIN_FRAME;
  let io: Server | null = null;
  const raiseFrameLimit = (modelBytes: number): void => {
    const wanted = modelBytes + FRAME_MARGIN;
    if (wanted <= frameLimit) return;
    frameLimit = wanted;
    if (!io) return;
    // engine.io sizes its ws server once; later jobs with larger models raise it for new sockets.
    const engine = io.engine as unknown as {
      opts: { maxHttpBufferSize: number };
      ws?: { options: { maxPayload: number } };
    };
    engine.opts.maxHttpBufferSize = frameLimit;
    if (engine.ws) engine.ws.options.maxPayload = frameLimit;
  };

  let publicUrl = opts.publicUrl ?? '';
  const hubInfo = () => ({ url: publicUrl, fingerprint: tlsId?.fingerprint ?? null });
  const nsps: { fed?: ReturnType<Server['of']> } = {};
  const jobs = new JobManager(
    {
      store,
      events,
      log,
      evaluatorFor: opts.evaluatorFor ?? ((job) => createHubEvaluator(job.spec)),
      roundHooks: () => [outlierHooks(store, log)],
    },
    raiseFrameLimit,
  );
  const api = createOperatorApi({
    store,
    jobs,
    log,
    events,
    hubInfo,
    disconnectInvite: (id) => (nsps.fed ? disconnectInvite(nsps.fed, id) : 0),
    modelLimits: { ...DEFAULT_MODEL_LIMITS, ...opts.modelLimits },
    sessions,
    // Absolute, so a failed sign-in names the file wherever the hub was started from.
    operatorFile: operatorFilePath(resolve(opts.dataDir)),
    dataDir: resolve(opts.dataDir),
    consoleDir: opts.consoleDir ?? defaultConsoleDir(),
  });
  const server = tlsId
    ? https.createServer({ cert: tlsId.cert, key: tlsId.key, minVersion: 'TLSv1.2' }, api)
    : http.createServer(api);
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;

  io = new Server(server, {
    transports: ['websocket'],
    maxHttpBufferSize: frameLimit,
    // A packet's attachments together: one model-sized update plus small fields, never many frames' worth.
    parser: socketParser(HUB_MAX_ATTACHMENTS, () => frameLimit + FRAME_MARGIN),
    serveClient: false,
    pingInterval: 10_000,
    pingTimeout: 20_000,
    connectTimeout: 15_000,
    cors: { origin: false },
  });
  // A participant is not dropped for a pong the hub was too busy to read (heartbeat-guard.ts).
  const stopHeartbeatGuard = guardHeartbeats(io.engine, {
    onStall: (ms, restarted) =>
      log.warn(
        'federation',
        `the hub's event loop was held up for ${ms} ms; the heartbeat deadlines of ${restarted} connections were restarted`,
      ),
  });
  const trust = limitBeforeAuth(io, (bytes) =>
    log.warn('federation', `closed a connection that sent ${bytes} bytes before authenticating`),
  );
  nsps.fed = io.of(FEDERATION_NAMESPACE);
  registerFederationHandlers(nsps.fed, {
    store,
    log,
    jobs,
    rate: opts.rateLimit,
    hubFingerprint: tlsId?.fingerprint ?? '',
    trust,
  });
  const operatorNsp = io.of(OPERATOR_NAMESPACE);
  operatorNsp.on('connection', (socket) => trust(socket.conn));
  const offOperator = registerOperatorHandlers(operatorNsp, { sessions, events });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`Port ${opts.port} on ${host} is already in use: choose another with --port.`)
          : err,
      ),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let previousRun: ReturnType<typeof claimDataDir>;
  try {
    previousRun = claimDataDir(opts.dataDir);
  } catch (err) {
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await jobs.close();
    store.close();
    throw err;
  }
  if (!publicUrl) publicUrl = `${tlsId ? 'https' : 'http'}://${urlHost(host)}:${port}`;
  if (operator.password) {
    writeOperatorFile(opts.dataDir, {
      url: publicUrl,
      fingerprint: tlsId?.fingerprint ?? null,
      username: operator.username,
      password: operator.password,
    });
  } else {
    // The CLI on this host reads the URL and fingerprint from here: keep them current.
    refreshOperatorFile(opts.dataDir, { url: publicUrl, fingerprint: tlsId?.fingerprint ?? null });
  }
  store.audit(null, 'hub', 'hub-started', {
    pid: process.pid,
    ...(previousRun.unclean
      ? { uncleanStop: true, previousPid: previousRun.pid, previousStart: previousRun.startedAt }
      : {}),
  });
  if (previousRun.unclean) {
    log.warn('hub', 'the previous hub on this data folder did not stop cleanly (recorded in the audit log)');
  }
  log.info(
    'hub',
    `listening on ${publicUrl}${tlsId ? ` (certificate ${tlsId.fingerprint})` : ' WITHOUT TLS'}`,
  );

  let closed = false;
  return {
    url: publicUrl,
    fingerprint: tlsId?.fingerprint ?? null,
    operator,
    store,
    jobs,
    events,
    log,
    frameLimit: () => frameLimit,
    async close() {
      if (closed) return;
      closed = true;
      offOperator();
      stopHeartbeatGuard();
      await jobs.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      server.closeAllConnections();
      try {
        store.audit(null, 'hub', 'hub-stopped', {});
      } catch {
        // A data folder removed under a stopping hub must not turn a stop into a crash.
      }
      store.close();
      releaseDataDir(opts.dataDir);
    },
  };
}
