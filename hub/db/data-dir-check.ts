/**
 * Start-up checks of a hub's data folder: a database that was lost (empty or missing beside the
 * hub's certificate and operator file), damaged or written by a newer FedUnify is refused with
 * its path and what to do, never replaced silently by a fresh hub; the database is created
 * readable by its owner only.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { Store } from './store.ts';

/** What a data folder holds before the hub opens it. */
export interface DataDirState {
  dbPath: string;
  /** hub.db exists with at least one byte. */
  dbHasData: boolean;
  certFile: string;
  keyFile: string;
  certExists: boolean;
  keyExists: boolean;
  operatorFile: string;
  /** The fingerprint operator.json pins, when it exists and names one. */
  pinnedFingerprint: string | null;
  operatorExists: boolean;
}

/** A data folder the hub refuses to start on; the message says why and what to do. */
export class DataDirError extends Error {}

const RESTORE = (dbPath: string): string =>
  `Stop the hub and restore ${dbPath} from a backup (remove ${dbPath}-wal and ${dbPath}-shm beside it), ` +
  `or move the whole data folder away to start a new hub (every participant then needs a new invite).`;

function pinnedFingerprint(operatorFile: string): string | null {
  try {
    const parsed = JSON.parse(readFileSync(operatorFile, 'utf8')) as { fingerprint?: unknown };
    return typeof parsed.fingerprint === 'string' ? parsed.fingerprint : null;
  } catch {
    return null;
  }
}

/** Creates the data folder (owner only) if needed and reports what it holds. */
export function inspectDataDir(dataDir: string): DataDirState {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const dbPath = join(dataDir, 'hub.db');
  const certFile = join(dataDir, 'hub-cert.pem');
  const keyFile = join(dataDir, 'hub-key.pem');
  const operatorFile = join(dataDir, 'operator.json');
  const operatorExists = existsSync(operatorFile);
  return {
    dbPath,
    dbHasData: existsSync(dbPath) && statSync(dbPath).size > 0,
    certFile,
    keyFile,
    certExists: existsSync(certFile),
    keyExists: existsSync(keyFile),
    operatorFile,
    pinnedFingerprint: operatorExists ? pinnedFingerprint(operatorFile) : null,
    operatorExists,
  };
}

/** Refuses a database that is empty or missing while the hub's identity files say it existed. */
export function checkNotLost(state: DataDirState): void {
  if (state.dbHasData) return;
  const beside = [
    state.certExists ? state.certFile : null,
    state.keyExists ? state.keyFile : null,
    state.operatorExists ? state.operatorFile : null,
  ].filter((f): f is string => f !== null);
  if (beside.length === 0) return;
  throw new DataDirError(
    `${state.dbPath} is ${existsSync(state.dbPath) ? 'empty' : 'missing'}, but this data folder belongs to an existing hub ` +
      `(${beside.join(', ')}): its jobs, invites and operator account were lost, so the hub will not start a fresh one over them. ` +
      RESTORE(state.dbPath),
  );
}

/** Creates hub.db readable and writable by its owner only (an existing one is tightened too). */
export function secureDbFile(dbPath: string): void {
  if (!existsSync(dbPath)) closeSync(openSync(dbPath, 'a', 0o600));
  try {
    chmodSync(dbPath, 0o600);
  } catch {
    // Not ours to change (another owner, read-only mount): SQLite reports what matters on open.
  }
}

/** Explains an error from opening or migrating hub.db: path, cause, what to do. */
export function databaseError(dbPath: string, err: unknown): DataDirError {
  const message = err instanceof Error ? err.message : String(err);
  if (/newer FedUnify/.test(message)) {
    return new DataDirError(
      `${dbPath}: ${message} Run the FedUnify version that wrote it, or restore a backup made before the upgrade.`,
    );
  }
  return new DataDirError(`${dbPath} is damaged and cannot be used (${message}). ${RESTORE(dbPath)}`);
}

/** Runs SQLite's quick integrity check; throws a DataDirError naming the first problem. */
export function checkIntegrity(db: Database.Database, dbPath: string): void {
  let result: unknown;
  try {
    result = db.pragma('quick_check', { simple: true });
  } catch (err) {
    throw databaseError(dbPath, err);
  }
  if (result !== 'ok') throw databaseError(dbPath, new Error(`integrity check: ${String(result)}`));
}

/** Opens dataDir/hub.db after the checks above; refuses a lost, damaged or too new database. */
export function openHubStore(dataDir: string): { store: Store; state: DataDirState } {
  const state = inspectDataDir(dataDir);
  checkNotLost(state);
  secureDbFile(state.dbPath);
  let store: Store;
  try {
    store = new Store(dataDir);
  } catch (err) {
    throw databaseError(state.dbPath, err);
  }
  try {
    checkIntegrity(store.db, state.dbPath);
  } catch (err) {
    store.close();
    throw err;
  }
  return { store, state };
}
