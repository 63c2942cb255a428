/**
 * The local server behind `fedunify join --ui`: serves the participant UI (dist/renderer/participant)
 * on 127.0.0.1 over HTTP and implements the ParticipantBridge over socket.io by delegating to the
 * engine. Access needs the one-time token printed in the URL; the page trades it once for a
 * session, so a copied or replayed link is refused.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server } from 'socket.io';
import { z } from 'zod';
import type { BridgeEvent, DataPreview, DataSource, ParticipantState } from '../core/wire/bridge.ts';
import type { Ack } from '../core/wire/protocol.ts';
import { decodeInvite } from '../core/wire/invite.ts';
import { pinnedTlsOptions } from '../core/net/pinned-tls.ts';
import {
  SESSION_PATH,
  type CallResult,
  type RemoteMethod,
  type UiClientEvents,
  type UiServerEvents,
} from '../renderer/participant/ui-protocol.ts';

type HubIdentity = { url: string; fingerprint: string | null; org: string };

/** What the UI server needs of the participant engine (ParticipantEngine satisfies it). */
export interface UiEngine {
  getState(): ParticipantState;
  subscribe(listener: (event: BridgeEvent) => void): () => void;
  loadData(source: DataSource): Promise<Ack<{ preview: DataPreview }>>;
  join(invite: string): Promise<Ack>;
  leave(): Promise<void>;
  setApproveUploads(on: boolean): Promise<void>;
  decideUpload(round: number, approve: boolean): Promise<void>;
  inspectInvite?(invite: string): Promise<Ack<{ hub: HubIdentity }>>;
}

export interface ParticipantUiOptions {
  /** 0 or absent: any free port. */
  port?: number;
  /** Folder of the built participant UI (default: dist/renderer/participant of this checkout). */
  staticDir?: string;
  /** Do not print the URL (tests). */
  quiet?: boolean;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

const dataSourceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('fashion-mnist'),
    path: z.string().max(4096).optional(),
    owner: z
      .object({
        env: z.enum(['V', 'H', 'iid', 'dirichlet']),
        index: z.number().int().nonnegative(),
        seed: z.number().int(),
        owners: z.number().int().positive().optional(),
        alpha: z.number().positive().optional(),
      })
      .optional(),
    limit: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('idx'),
    imagesPath: z.string().min(1).max(4096),
    labelsPath: z.string().min(1).max(4096),
    testImagesPath: z.string().max(4096).optional(),
    testLabelsPath: z.string().max(4096).optional(),
  }),
  z.object({ kind: z.literal('folder'), path: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal('csv'), path: z.string().min(1).max(4096) }),
]);
const inviteArg = z.tuple([z.string().min(1).max(8192)]);

function secretEquals(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Asks the invite's hub who it is (GET /api/hub), over TLS pinned to the invite's fingerprint. */
export async function inspectInviteHub(inviteText: string): Promise<Ack<{ hub: HubIdentity }>> {
  let invite;
  try {
    invite = decodeInvite(inviteText);
  } catch (err) {
    return { ok: false, error: (err as Error).message, code: 'bad-request' };
  }
  const url = new URL('/api/hub', invite.hub);
  try {
    const tlsOpts = invite.fingerprint ? await pinnedTlsOptions(invite.hub, invite.fingerprint) : null;
    const body = await new Promise<string>((resolve, reject) => {
      const onRes = (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (text.length < 65536) text += c;
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolve(text) : reject(new Error(`the hub answered ${res.statusCode}`)),
        );
      };
      const req =
        url.protocol === 'https:'
          ? https.get(url, { ...(tlsOpts ?? {}), timeout: 10_000 }, onRes)
          : http.get(url, { timeout: 10_000 }, onRes);
      req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', reject);
    });
    const info = z.object({ url: z.string().optional() }).passthrough().parse(JSON.parse(body));
    return {
      ok: true,
      hub: { url: info.url ?? invite.hub, fingerprint: invite.fingerprint, org: invite.org },
    };
  } catch (err) {
    return {
      ok: false,
      error: `Could not reach the hub at ${invite.hub}: ${(err as Error).message}. Check the address and that the hub is running.`,
      code: 'internal',
    };
  }
}

// Runs one bridge method with arguments checked at runtime (the browser is not trusted to type them).
async function dispatch(engine: UiEngine, method: RemoteMethod, args: unknown[]): Promise<unknown> {
  switch (method) {
    case 'getState':
      return engine.getState();
    case 'inspectInvite': {
      const [invite] = inviteArg.parse(args);
      return engine.inspectInvite ? engine.inspectInvite(invite) : inspectInviteHub(invite);
    }
    case 'loadData':
      return engine.loadData(dataSourceSchema.parse(args[0]) as DataSource);
    case 'join':
      return engine.join(inviteArg.parse(args)[0]);
    case 'leave':
      return engine.leave();
    case 'setApproveUploads':
      return engine.setApproveUploads(z.tuple([z.boolean()]).parse(args)[0]);
    case 'decideUpload': {
      const [round, approve] = z.tuple([z.number().int().nonnegative(), z.boolean()]).parse(args);
      return engine.decideUpload(round, approve);
    }
    default:
      throw new Error(`unknown bridge method "${String(method)}"`);
  }
}

function describe(err: unknown): string {
  if (err instanceof z.ZodError) {
    return `bad arguments: ${err.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`;
  }
  return err instanceof Error ? err.message : String(err);
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** Starts the local participant UI server for `engine`; prints and returns its one-time URL. */
export async function startParticipantUi(
  engine: UiEngine,
  options: ParticipantUiOptions = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const root = normalize(
    options.staticDir ?? fileURLToPath(new URL('../dist/renderer/participant/', import.meta.url)),
  );
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(
      `The participant UI is not built (${join(root, 'index.html')} is missing). Run \`npm run build:renderer\` first.`,
    );
  }
  let oneTimeToken: string | null = randomBytes(24).toString('base64url');
  const sessions = new Set<string>();
  let allowedHosts = new Set<string>();

  const send = (res: ServerResponse, status: number, body: string | Buffer, type: string) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
    res.end(body);
  };
  const sendError = (res: ServerResponse, status: number, error: string) =>
    send(res, status, JSON.stringify({ error }), 'application/json');

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // Only the loopback names this server printed: a page on another site cannot rebind DNS to it.
    if (!allowedHosts.has(req.headers.host ?? '')) return sendError(res, 421, 'Unknown host.');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === SESSION_PATH) {
      if (req.method !== 'POST') return sendError(res, 405, 'POST only.');
      let body = '';
      for await (const chunk of req) {
        body += String(chunk);
        if (body.length > 4096) return sendError(res, 413, 'Too large.');
      }
      let token: unknown;
      try {
        token = (JSON.parse(body) as { token?: unknown }).token;
      } catch {
        return sendError(res, 400, 'Send JSON { "token": "..." }.');
      }
      if (typeof token !== 'string' || oneTimeToken === null || !secretEquals(token, oneTimeToken)) {
        return sendError(
          res,
          403,
          'This link was already used or is wrong. Restart `fedunify join --ui` for a new one.',
        );
      }
      oneTimeToken = null;
      const session = randomBytes(32).toString('base64url');
      sessions.add(session);
      return send(res, 200, JSON.stringify({ session }), 'application/json');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'GET only.');
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = normalize(join(root, rel));
    if (
      !file.startsWith(root.endsWith(sep) ? root : root + sep) ||
      !existsSync(file) ||
      !statSync(file).isFile()
    ) {
      return sendError(res, 404, 'Not found.');
    }
    send(res, 200, readFileSync(file), MIME[extname(file)] ?? 'application/octet-stream');
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, 500, describe(err)));
  });
  const io = new Server<UiClientEvents, UiServerEvents>(server, {
    transports: ['websocket'],
    serveClient: false,
    maxHttpBufferSize: 1e6,
    allowRequest: (req, cb) => cb(null, allowedHosts.has(req.headers.host ?? '')),
  });
  io.use((socket, next) => {
    const session = (socket.handshake.auth as { session?: unknown } | null)?.session;
    if (typeof session === 'string' && sessions.has(session)) return next();
    next(
      new Error(
        'unauthorized: this page has no valid session; open the newest link `fedunify join --ui` printed',
      ),
    );
  });
  io.on('connection', (socket) => {
    socket.on('bridge:call', (msg, ack) => {
      if (typeof ack !== 'function') return;
      const method = (msg as { method?: unknown } | null)?.method;
      const args = (msg as { args?: unknown } | null)?.args;
      if (typeof method !== 'string' || !Array.isArray(args)) {
        ack({ ok: false, error: 'bad call: expected { method, args[] }' });
        return;
      }
      dispatch(engine, method as RemoteMethod, args).then(
        (value) => ack({ ok: true, value: value ?? null } satisfies CallResult),
        (err: unknown) => ack({ ok: false, error: describe(err) } satisfies CallResult),
      );
    });
  });
  const unsubscribe = engine.subscribe((event) => io.emit('bridge:event', event));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const url = `http://127.0.0.1:${port}/?token=${oneTimeToken}`;
  if (!options.quiet) {
    process.stderr.write(`Participant UI: open ${url}\n(the link works once; keep it private)\n`);
  }
  return {
    url,
    close: async () => {
      unsubscribe();
      io.disconnectSockets(true);
      server.closeAllConnections();
      // io.close also closes the HTTP server it is attached to.
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
