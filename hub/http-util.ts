/**
 * Small HTTP helpers for the operator API: bounded body reading, JSON answers, and an error type
 * that carries the status code and a message for the operator.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error answered with `status` and `{ error: message, ...extra }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Reads a request body up to `limit` bytes; a larger one is refused with 413. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit)
    throw new HttpError(413, `Request body of ${declared} bytes is over the ${limit}-byte limit.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new HttpError(413, `Request body is over the ${limit}-byte limit.`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON body; malformed JSON is a 400 that quotes the parser. */
export async function readJson(req: IncomingMessage, limit = 1 << 20): Promise<unknown> {
  const text = (await readBody(req, limit)).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, `The request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Answers with a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Answers with bytes of a given type, optionally as a download. */
export function sendBytes(
  res: ServerResponse,
  type: string,
  body: Uint8Array | string,
  filename?: string,
): void {
  const buf =
    typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  res.writeHead(200, {
    'content-type': type,
    'content-length': buf.length,
    'cache-control': 'no-store',
    ...(filename ? { 'content-disposition': `attachment; filename="${filename}"` } : {}),
  });
  res.end(buf);
}

/** A route: method, path pattern with named groups, whether it needs an operator token. */
export interface Route {
  method: string;
  pattern: RegExp;
  auth: boolean;
  handle: (ctx: RouteContext) => Promise<void> | void;
}

/** What a route handler gets. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The logged-in operator ('' on routes without auth). */
  operator: string;
}
