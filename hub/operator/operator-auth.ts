/**
 * Operator credentials: a random password created on first start, stored as an scrypt hash and,
 * for the CLI on the same host, in dataDir/operator.json (mode 0600). Logins get bearer tokens.
 */
import { randomBytes, scrypt, timingSafeEqual, createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../db/store.ts';

const SCRYPT_N = 16384;
const KEY_LEN = 32;
const TOKEN_TTL_MS = 12 * 3600 * 1000;

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LEN, { N: SCRYPT_N, r: 8, p: 1 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hashes a password as `scrypt$N$salt$hash` (hex). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return `scrypt$${SCRYPT_N}$${salt.toString('hex')}$${key.toString('hex')}`;
}

/** Compares a password with a stored hash in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, , saltHex, keyHex] = stored.split('$');
  if (kind !== 'scrypt' || !saltHex || !keyHex) return false;
  const key = await scryptAsync(password, Buffer.from(saltHex, 'hex'));
  const expected = Buffer.from(keyHex, 'hex');
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** SHA-256 hex of an enrollment token: what the invites table stores. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new random secret (enrollment token, password, session token), base64url. */
export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** What dataDir/operator.json holds so the CLI on the same host can reach the hub. */
export interface OperatorFile {
  url: string;
  fingerprint: string | null;
  username: string;
  password: string;
}

/** Writes dataDir/operator.json readable by its owner only. */
export function writeOperatorFile(dataDir: string, file: OperatorFile): void {
  const path = operatorFilePath(dataDir);
  writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Path of dataDir/operator.json. */
export function operatorFilePath(dataDir: string): string {
  return join(dataDir, 'operator.json');
}

/** dataDir/operator.json, or null when it is missing or unreadable. */
export function readOperatorFile(dataDir: string): OperatorFile | null {
  try {
    const parsed = JSON.parse(readFileSync(operatorFilePath(dataDir), 'utf8')) as Partial<OperatorFile>;
    if (typeof parsed.username !== 'string' || typeof parsed.password !== 'string') return null;
    return {
      url: String(parsed.url ?? ''),
      fingerprint: typeof parsed.fingerprint === 'string' ? parsed.fingerprint : null,
      username: parsed.username,
      password: parsed.password,
    };
  } catch {
    return null;
  }
}

/** Updates the URL and fingerprint in an existing operator.json (a restart may change both). */
export function refreshOperatorFile(dataDir: string, hub: { url: string; fingerprint: string | null }): void {
  const file = readOperatorFile(dataDir);
  if (!file || (file.url === hub.url && file.fingerprint === hub.fingerprint)) return;
  writeOperatorFile(dataDir, { ...file, ...hub });
}

/** Creates the first operator account when none exists; returns its password only then. */
export async function ensureOperator(
  store: Store,
  username = 'admin',
): Promise<{ username: string; password?: string }> {
  if (store.hasOperators()) return { username };
  const password = randomSecret(18);
  store.addOperator(username, await hashPassword(password));
  return { username, password };
}

/** In-memory bearer sessions of logged-in operators (a restarted hub asks them to log in again). */
export class OperatorSessions {
  private readonly sessions = new Map<string, { username: string; expires: number }>();
  private readonly endListeners = new Set<(token: string) => void>();

  constructor(private readonly store: Store) {}

  /** Checks credentials; returns a bearer token, or null when they are wrong. */
  async login(username: string, password: string): Promise<string | null> {
    const stored = this.store.operatorHash(username);
    // Hash anyway when the user is unknown, so timing does not reveal which usernames exist.
    const ok = await verifyPassword(password, stored ?? 'scrypt$16384$00$00');
    if (!stored || !ok) return null;
    const token = randomSecret(32);
    this.sessions.set(token, { username, expires: Date.now() + TOKEN_TTL_MS });
    return token;
  }

  /** Ends the session of a bearer token (sign-out); false when there was none. */
  logout(token: string | undefined): boolean {
    if (!token || !this.sessions.delete(token)) return false;
    for (const listener of this.endListeners) listener(token);
    return true;
  }

  /** Calls `listener` with the token of every session that is signed out; returns the unsubscribe. */
  onEnd(listener: (token: string) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** The operator a bearer token belongs to, or null when unknown or expired. */
  check(token: string | undefined): string | null {
    if (!token) return null;
    const s = this.sessions.get(token);
    if (!s) return null;
    if (s.expires < Date.now()) {
      this.sessions.delete(token);
      return null;
    }
    return s.username;
  }
}
