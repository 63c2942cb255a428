/**
 * The CLI's client of the hub's operator API: finds the hub and credentials (the data folder's
 * operator.json, flags or FEDUNIFY_* variables), pins the hub certificate, logs in, and calls REST.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { pinnedTlsOptions, type PinnedTlsOptions } from '../core/net/pinned-tls.ts';

/** Where the hub is and who logs in. */
export interface OperatorConnection {
  url: string;
  fingerprint: string | null;
  username: string;
  password: string;
}

const operatorFileSchema = z.object({
  url: z.string().url(),
  fingerprint: z.string().nullable(),
  username: z.string().min(1),
  password: z.string().min(1),
});

/** Options the commands accept for reaching a hub. */
export interface ConnectionFlags {
  dataDir?: string;
  hub?: string;
  fingerprint?: string;
  user?: string;
  password?: string;
}

/** Resolves flags, then environment (FEDUNIFY_HUB, _FINGERPRINT, _USER, _PASSWORD, _DATA_DIR), then operator.json. */
export function resolveOperatorConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): OperatorConnection {
  const dataDir = flags.dataDir ?? env.FEDUNIFY_DATA_DIR;
  let fromFile: OperatorConnection | null = null;
  if (dataDir) {
    const path = join(dataDir, 'operator.json');
    let raw: string;
    try {
      raw = readFileSync(path, 'utf8');
    } catch {
      throw new Error(
        `No ${path}: start the hub once with --data-dir ${dataDir}, or give --hub, --fingerprint, --user and --password.`,
      );
    }
    const parsed = operatorFileSchema.safeParse(JSON.parse(raw));
    if (!parsed.success)
      throw new Error(`${path} is damaged; delete it and give --hub, --user and --password instead.`);
    fromFile = parsed.data;
  }
  const url = flags.hub ?? env.FEDUNIFY_HUB ?? fromFile?.url;
  const username = flags.user ?? env.FEDUNIFY_USER ?? fromFile?.username ?? 'admin';
  const password = flags.password ?? env.FEDUNIFY_PASSWORD ?? fromFile?.password;
  const fingerprint = flags.fingerprint ?? env.FEDUNIFY_FINGERPRINT ?? fromFile?.fingerprint ?? null;
  if (!url)
    throw new Error(
      'Which hub? Give --data-dir DIR (on the hub machine) or --hub https://HOST:PORT --fingerprint FP.',
    );
  if (!password)
    throw new Error(
      'No operator password: give --password (or FEDUNIFY_PASSWORD), or --data-dir of the hub.',
    );
  if (url.startsWith('https:') && !fingerprint) {
    throw new Error(
      "Give the hub certificate's --fingerprint (printed when the hub starts) so the connection can be verified.",
    );
  }
  return { url: url.replace(/\/+$/, ''), fingerprint, username, password };
}

/** An error answer of the API, with its status and issues. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** A logged-in operator session against one hub. */
export class OperatorClient {
  private token = '';

  private constructor(
    readonly conn: OperatorConnection,
    private readonly tls: PinnedTlsOptions | null,
  ) {}

  /** Pins the hub certificate (https) and logs in. */
  static async connect(conn: OperatorConnection): Promise<OperatorClient> {
    const tls =
      conn.url.startsWith('https:') && conn.fingerprint
        ? await pinnedTlsOptions(conn.url, conn.fingerprint)
        : null;
    const client = new OperatorClient(conn, tls);
    const res = await client.request<{ token: string }>('POST', '/api/login', {
      username: conn.username,
      password: conn.password,
    });
    client.token = res.token;
    return client;
  }

  /** The raw bytes of a GET (model downloads). */
  async getBytes(path: string): Promise<Buffer> {
    const { status, body } = await this.send('GET', path);
    if (status >= 400) throw this.errorOf(status, body, path);
    return body;
  }

  /** Calls the API: a JSON body (object) or text with its content type; parses the JSON answer. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const { status, body: raw } = await this.send(method, path, payload, contentType);
    if (status >= 400) throw this.errorOf(status, raw, path);
    return JSON.parse(raw.toString('utf8')) as T;
  }

  private errorOf(status: number, raw: Buffer, path: string): ApiError {
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      // not JSON: the message below falls back to the status
    }
    const msg = (parsed as { error?: unknown } | null)?.error;
    return new ApiError(
      status,
      typeof msg === 'string' ? msg : `The hub answered ${status} to ${path}.`,
      parsed,
    );
  }

  private send(
    method: string,
    path: string,
    payload?: string,
    contentType?: string,
  ): Promise<{ status: number; body: Buffer }> {
    const url = new URL(path, this.conn.url + '/');
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (payload !== undefined) {
      headers['content-type'] = contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { method, headers, ...(this.tls ?? {}), timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('timeout', () =>
        req.destroy(new Error(`The hub at ${this.conn.url} did not answer within 60 s.`)),
      );
      req.on('error', (err) =>
        reject(new Error(`Could not reach the hub at ${this.conn.url}: ${err.message}`)),
      );
      req.end(payload);
    });
  }
}

/** Flags of every operator command, plus its own. */
export type FlagsWithConnection = ConnectionFlags;

/** Adds --data-dir / --hub / --fingerprint / --user / --password to an operator command. */
export function addConnectionFlags(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', "the hub's data folder (on the hub machine: reads operator.json)")
    .option('--hub <url>', 'hub URL (or FEDUNIFY_HUB)')
    .option('--fingerprint <sha256>', 'hub certificate fingerprint (or FEDUNIFY_FINGERPRINT)')
    .option('--user <name>', 'operator user (or FEDUNIFY_USER; default admin)')
    .option('--password <password>', 'operator password (or FEDUNIFY_PASSWORD)');
}

/** Resolves the connection flags, pins the hub certificate and logs in. */
export async function connectFromFlags(flags: ConnectionFlags): Promise<OperatorClient> {
  return await OperatorClient.connect(resolveOperatorConnection(flags));
}
