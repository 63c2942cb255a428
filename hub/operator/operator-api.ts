/**
 * The operator's REST API over the hub's HTTPS server: POST /api/login for a bearer token, then
 * jobs, invites and results (route modules under hub/routes). GET /api/hub needs no token;
 * GET /api/federation/job takes an invite's token instead of an operator's.
 * Everything else that is not /api is the operator console.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { PROTOCOL_VERSION } from '../../core/wire/protocol.ts';
import { HttpError, readJson, sendJson, type Route } from '../http-util.ts';
import type { OperatorSessions } from './operator-auth.ts';
import { LoginThrottle } from './login-throttle.ts';
import type { ApiDeps } from './routes/api-context.ts';
import { jobRoutes } from './routes/job-routes.ts';
import { inviteRoutes } from './routes/invite-routes.ts';
import { resultRoutes } from './routes/result-routes.ts';
import { federationJobRoute } from './routes/federation-job-route.ts';
import { serveConsole } from './static-console.ts';

const loginSchema = z.object({ username: z.string().min(1).max(200), password: z.string().min(1).max(500) });

/** The hub's version, read once from package.json. */
export const HUB_VERSION: string =
  (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string })
    .version ?? '0.0.0';

/** The 429 of an address that must wait before signing in again. */
function tooManyTries(waitMs: number): HttpError {
  const retryAfterSec = Math.ceil(waitMs / 1000);
  return new HttpError(
    429,
    `Too many failed sign-ins from your address: wait ${retryAfterSec} s before trying again.`,
    { retryAfterSec },
  );
}

/** A request's URL, or a 400 when it is malformed (unparseable, or bad percent-encoding in the path). */
export function parseRequestUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw, 'https://hub.invalid');
    decodeURIComponent(url.pathname);
  } catch {
    throw new HttpError(
      400,
      `The URL ${safePath(raw)} is malformed (for example a % not followed by two hex digits); check the link.`,
    );
  }
  return url;
}

/** A URL as it may appear in a message or log line: bounded, control characters removed. */
function safePath(raw: string | undefined): string {
  return JSON.stringify((raw ?? '').slice(0, 200)).slice(1, -1);
}

/** The bearer token of a request (Authorization header). */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/** Builds the request handler of the HTTPS server (socket.io attaches its own path first). */
export function createOperatorApi(
  deps: ApiDeps & {
    sessions: OperatorSessions;
    consoleDir: string;
    /** Where the operator's credentials are on the hub machine (named after a failed sign-in). */
    operatorFile: string;
    dataDir: string;
    throttle?: LoginThrottle;
  },
): (req: IncomingMessage, res: ServerResponse) => void {
  const throttle = deps.throttle ?? new LoginThrottle();
  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/api\/hub$/,
      auth: false,
      handle: ({ res }) =>
        sendJson(res, 200, { version: HUB_VERSION, protocolVersion: PROTOCOL_VERSION, ...deps.hubInfo() }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/login$/,
      auth: false,
      handle: async ({ req, res }) => {
        const address = req.socket.remoteAddress ?? 'unknown';
        const wait = throttle.waitMs(address);
        if (wait > 0) throw tooManyTries(wait);
        const parsed = loginSchema.safeParse(await readJson(req, 16 * 1024));
        if (!parsed.success)
          throw new HttpError(400, 'Log in with a JSON body { "username": "...", "password": "..." }.');
        const token = await deps.sessions.login(parsed.data.username, parsed.data.password);
        if (!token) {
          const { failures, waitMs } = throttle.fail(address);
          const who = JSON.stringify(parsed.data.username.slice(0, 60));
          deps.log.warn(
            'operator',
            `failed sign-in for ${who} from ${address} (${failures} in a row${waitMs > 0 ? `; further tries from there wait ${Math.ceil(waitMs / 1000)} s` : ''})`,
          );
          throw new HttpError(
            401,
            `Wrong username or password. The hub printed them on its first start and keeps them in ${deps.operatorFile} on the hub machine; lost? run \`fedunify hub reset-password --data-dir ${deps.dataDir}\` there.`,
          );
        }
        throttle.succeed(address);
        sendJson(res, 200, { token, username: parsed.data.username });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/logout$/,
      auth: true,
      handle: ({ req, res, operator }) => {
        deps.sessions.logout(bearerToken(req));
        deps.log.info('operator', `${operator} signed out`);
        sendJson(res, 200, { ok: true });
      },
    },
    ...jobRoutes(deps),
    ...inviteRoutes(deps),
    ...resultRoutes(deps),
    federationJobRoute(deps, { hubVersion: HUB_VERSION, tokenOf: bearerToken }),
  ];

  const dispatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = parseRequestUrl(req.url ?? '/');
    if (!url.pathname.startsWith('/api/') && url.pathname !== '/api') {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        throw new HttpError(405, `${req.method} is not allowed here.`);
      serveConsole(deps.consoleDir, req, res);
      return;
    }
    const matches = routes.filter((r) => r.pattern.test(url.pathname));
    if (matches.length === 0) throw new HttpError(404, `No API route ${url.pathname}.`);
    const route = matches.find((r) => r.method === req.method);
    if (!route)
      throw new HttpError(
        405,
        `${req.method} ${url.pathname} is not allowed; use ${matches.map((r) => r.method).join(' or ')}.`,
      );
    let operator = '';
    if (route.auth) {
      const who = deps.sessions.check(bearerToken(req));
      if (!who)
        throw new HttpError(401, 'Log in first: POST /api/login, then send "Authorization: Bearer <token>".');
      operator = who;
    }
    const params = (route.pattern.exec(url.pathname)?.groups ?? {}) as Record<string, string>;
    await route.handle({ req, res, params, query: url.searchParams, operator });
  };

  return (req, res) => {
    dispatch(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) {
        if (err.status === 429) res.setHeader('retry-after', String(err.extra.retryAfterSec));
        sendJson(res, err.status, { error: err.message, ...err.extra });
      } else {
        deps.log.failure('operator', `${req.method} ${safePath(req.url)} failed`, err);
        sendJson(res, 500, { error: 'The hub failed to handle this request; see its log.' });
      }
    });
  };
}
