/**
 * Serves the built operator console (dist/renderer/console) with index.html for unknown paths,
 * or a short page saying how to build it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

const NOT_BUILT = `<!doctype html><html><head><meta charset="utf-8"><title>FedUnify hub</title></head>
<body><h1>FedUnify hub</h1><p>The operator console is not built. Run <code>npm run build:renderer</code>
and reload this page. The REST API is at <code>/api</code> (see <code>/api/hub</code>).</p></body></html>`;

/** The console folder relative to this file: repoRoot/dist/renderer/console. */
export function defaultConsoleDir(): string {
  return new URL('../../dist/renderer/console', import.meta.url).pathname;
}

/** Answers a GET for a console file; unknown paths get index.html (client-side routing). */
export function serveConsole(dir: string, req: IncomingMessage, res: ServerResponse): void {
  const security = {
    'x-content-type-options': 'nosniff',
    'content-security-policy':
      "default-src 'self'; connect-src 'self' wss: ws:; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
  };
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...security });
    res.end(NOT_BUILT);
    return;
  }
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const file = normalize(join(dir, path));
  const inside = file.startsWith(normalize(dir) + sep);
  const target = inside && existsSync(file) && statSync(file).isFile() ? file : index;
  res.writeHead(200, {
    'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
    'cache-control': target === index ? 'no-cache' : 'public, max-age=3600',
    ...security,
  });
  res.end(readFileSync(target));
}
