/**
 * The local server behind `fedunify join --ui`: serves the participant UI (dist/renderer/participant)
 * on 127.0.0.1 over HTTP and implements the ParticipantBridge over socket.io by delegating to the
 * engine. Access needs the one-time token printed in the URL; the page trades it once for a
 * session, so a copied or replayed link is refused.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server } from 'socket.io';
import { ENGINE_METHODS, type EngineMethod, type ServedEngine } from '../core/wire/bridge-methods.ts';
import { parseParticipantArgs } from '../core/wire/bridge-schemas.ts';
import { GPU_PAGE_CSP } from '../core/train/chromium-engine.ts';
import { gpuPageFiles } from '../core/train/gpu-page-bundle.ts';
import { TAB_ENGINE_PAGE, TAB_ENGINE_SOCKET_PATH } from '../core/wire/gpu-engine.ts';
import type { TabEngines } from './tab-engine.ts';
import {
  SESSION_PATH,
  type CallResult,
  type SessionResponse,
  type UiClientEvents,
  type UiServerEvents,
} from '../core/wire/bridge-socket.ts';

/** What the UI server needs of the participant engine (ParticipantEngine satisfies it). */
export type UiEngine = ServedEngine;

export interface ParticipantUiOptions {
  /** 0 or absent: any free port. */
  port?: number;
  /** Folder of the built participant UI (default: dist/renderer/participant of this checkout). */
  staticDir?: string;
  /** Do not print the URL (tests). */
  quiet?: boolean;
  /**
   * Serve the GPU engine page to the UI's own tab (a hidden frame at TAB_ENGINE_PAGE that connects
   * back on TAB_ENGINE_SOCKET_PATH with the page's session) and hand its connections to these.
   */
  tabEngines?: TabEngines;
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

function secretEquals(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const REMOTE = new Set<string>(ENGINE_METHODS);

// Runs one bridge method with arguments checked at runtime (the browser is not trusted to type them).
async function dispatch(engine: UiEngine, method: string, args: unknown[]): Promise<unknown> {
  if (!REMOTE.has(method)) throw new Error(`unknown bridge method "${method.slice(0, 64)}"`);
  const parsed = parseParticipantArgs(method as EngineMethod, args);
  if (!parsed.ok) throw new Error(parsed.error);
  const fn = engine[method as EngineMethod] as (...a: unknown[]) => unknown;
  return fn.apply(engine, parsed.args);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** The engine page may be framed by the participant UI of this same origin, and by nothing else. */
const TAB_ENGINE_HEADERS = {
  ...SECURITY_HEADERS,
  'X-Frame-Options': 'SAMEORIGIN',
  'Content-Security-Policy': GPU_PAGE_CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'"),
};

/** Batches and weights are far above the UI bridge's 1 MB: the engine frame's socket takes up to this. */
const TAB_ENGINE_MAX_MESSAGE = 512 * 1024 * 1024;

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
  let allowedOrigins = new Set<string>();
  // Host: no DNS-rebound name. Origin (browsers always send it on WebSockets): no page of another
  // site, which may open a WebSocket to 127.0.0.1 freely, gets as far as the session check.
  const localRequest = (req: IncomingMessage): boolean =>
    allowedHosts.has(req.headers.host ?? '') &&
    (req.headers.origin === undefined || allowedOrigins.has(req.headers.origin));

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
      options.tabEngines?.sessionStarted();
      const answer: SessionResponse = { session, gpuTab: options.tabEngines !== undefined };
      return send(res, 200, JSON.stringify(answer), 'application/json');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'GET only.');
    if (options.tabEngines && url.pathname.startsWith(TAB_ENGINE_PAGE)) {
      const files = await gpuPageFiles();
      const rest = url.pathname.slice(TAB_ENGINE_PAGE.length);
      const body = rest === '' ? files.html : rest === 'gpu-engine.js' ? files.script : null;
      if (body === null) return sendError(res, 404, 'Not found.');
      res.writeHead(200, {
        'Content-Type': rest === '' ? MIME['.html'] : MIME['.js'],
        'Cache-Control': 'no-store',
        ...TAB_ENGINE_HEADERS,
      });
      return void res.end(body);
    }
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
    allowRequest: (req, cb) => cb(null, localRequest(req)),
  });
  // The UI page sends its session as `session`; the engine page (shared with headless Chromium) as `token`.
  const hasSession = (socket: { handshake: { auth: unknown } }, field: 'session' | 'token'): boolean => {
    const value = (socket.handshake.auth as Record<string, unknown> | null)?.[field];
    return typeof value === 'string' && sessions.has(value);
  };
  const unauthorized = () =>
    new Error(
      'unauthorized: this page has no valid session; open the newest link `fedunify join --ui` printed',
    );
  // The engine frame's own socket.io server: larger messages, so the session is checked on the
  // HTTP upgrade itself (the frame also puts it in the query): nobody without one gets to send any.
  const frameSession = (req: IncomingMessage): boolean => {
    const token = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('token');
    return token !== null && sessions.has(token);
  };
  const tabIo = options.tabEngines
    ? new Server(server, {
        path: TAB_ENGINE_SOCKET_PATH,
        transports: ['websocket'],
        serveClient: false,
        maxHttpBufferSize: TAB_ENGINE_MAX_MESSAGE,
        destroyUpgrade: false,
        allowRequest: (req, cb) => cb(null, localRequest(req) && frameSession(req)),
      })
    : null;
  if (tabIo && options.tabEngines) {
    const tabEngines = options.tabEngines;
    tabIo.use((socket, next) => next(hasSession(socket, 'token') ? undefined : unauthorized()));
    tabIo.on('connection', (socket) => tabEngines.attach(socket));
  }
  io.use((socket, next) => next(hasSession(socket, 'session') ? undefined : unauthorized()));
  io.on('connection', (socket) => {
    socket.on('bridge:call', (msg, ack) => {
      if (typeof ack !== 'function') return;
      const method = (msg as { method?: unknown } | null)?.method;
      const args = (msg as { args?: unknown } | null)?.args;
      if (typeof method !== 'string' || !Array.isArray(args)) {
        ack({ ok: false, error: 'bad call: expected { method, args[] }' });
        return;
      }
      dispatch(engine, method, args).then(
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
  allowedOrigins = new Set([...allowedHosts].map((h) => `http://${h}`));
  const url = `http://127.0.0.1:${port}/?token=${oneTimeToken}`;
  if (!options.quiet) {
    process.stderr.write(`Participant UI: open ${url}\n(the link works once; keep it private)\n`);
  }
  return {
    url,
    close: async () => {
      unsubscribe();
      io.disconnectSockets(true);
      tabIo?.disconnectSockets(true);
      server.closeAllConnections();
      // io.close also closes the HTTP server it is attached to.
      if (tabIo) await new Promise<void>((resolve) => void tabIo.close(() => resolve()));
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
