/**
 * The hub's durable state in SQLite (better-sqlite3, WAL) under the data folder: jobs, invites,
 * participants, operators, audit log and logs. Rounds, updates and checkpoints live in
 * round-store.ts. Everything a restarted hub needs to resume a job is here.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { migrate } from './migrations.ts';
import { RoundStore } from './round-store.ts';
import { AuditLog, type AuditHead } from './audit-log.ts';
import type { AuditRow } from './audit-chain.ts';
import { keyFingerprint } from '../../core/crypto/identity.ts';
import { cleanText } from '../../core/wire/clean-text.ts';
import { OptimizerStore } from './optimizer-store.ts';
import type { JobSpec } from '../../core/wire/job-spec.ts';
import type {
  BackendInfo,
  DatasetSummary,
  InviteRecord,
  JobRecord,
  JobStatus,
  LogEntry,
  ParticipantRecord,
} from '../../core/wire/protocol.ts';

/** A new random id with a readable prefix ("job-3f9a1c2b7d"). */
export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

function now(): string {
  return new Date().toISOString();
}

interface JobRow {
  id: string;
  spec: string;
  status: JobStatus;
  current_round: number;
  status_detail: string;
  end_reason: string | null;
  created_at: string;
  updated_at: string;
}

interface InviteRow {
  id: string;
  name: string;
  job_id: string | null;
  token_hash: string;
  created_at: string;
  revoked: number;
  public_key: string | null;
}

interface ParticipantRow {
  id: string;
  job_id: string;
  invite_id: string;
  instance_id: string;
  name: string;
  dataset: string | null;
  backend: string | null;
  state: ParticipantRecord['state'];
  round: number;
  samples_per_sec: number | null;
  last_seen: string;
  key_fingerprint: string | null;
}

/** A participant as stored; `connected` is known only to the live hub. */
export type StoredParticipant = Omit<ParticipantRecord, 'connected'> & { instanceId: string };

/** One audit log line: who did what, with sizes and hashes where weights were involved. */
export interface AuditEntry {
  id: number;
  ts: string;
  jobId: string | null;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

function toJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    spec: JSON.parse(row.spec) as JobSpec,
    status: row.status,
    currentRound: row.current_round,
    statusDetail: row.status_detail,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toInvite(row: InviteRow): InviteRecord {
  return {
    id: row.id,
    name: row.name,
    jobId: row.job_id,
    createdAt: row.created_at,
    revoked: row.revoked === 1,
    keyFingerprint: row.public_key ? keyFingerprint(Buffer.from(row.public_key, 'base64')) : null,
  };
}

function toParticipant(row: ParticipantRow): StoredParticipant {
  return {
    id: row.id,
    jobId: row.job_id,
    inviteId: row.invite_id,
    instanceId: row.instance_id,
    name: row.name,
    state: row.state,
    round: row.round,
    samplesPerSec: row.samples_per_sec,
    dataset: row.dataset ? (JSON.parse(row.dataset) as DatasetSummary) : null,
    backend: row.backend ? (JSON.parse(row.backend) as BackendInfo) : null,
    lastSeen: row.last_seen,
    keyFingerprint: row.key_fingerprint,
  };
}

/** The hub database. Synchronous (better-sqlite3): every call is short and transactional. */
export class Store {
  readonly db: Database.Database;
  readonly rounds: RoundStore;
  readonly auditLog: AuditLog;
  readonly optimizer: OptimizerStore;

  /** Opens (creating and migrating) dataDir/hub.db; ':memory:' as dataDir opens a throwaway one. */
  constructor(dataDir: string) {
    this.db = new Database(dataDir === ':memory:' ? ':memory:' : join(dataDir, 'hub.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('synchronous = NORMAL');
    migrate(this.db);
    this.rounds = new RoundStore(this.db, dataDir === ':memory:' ? null : dataDir);
    this.auditLog = new AuditLog(this.db, dataDir === ':memory:' ? null : dataDir, now);
    this.optimizer = new OptimizerStore(this.db);
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }

  // ---- operators ----

  /** The stored scrypt hash of an operator's password, or null. */
  operatorHash(username: string): string | null {
    const row = this.db.prepare('SELECT password_hash FROM operators WHERE username = ?').get(username) as
      { password_hash: string } | undefined;
    return row?.password_hash ?? null;
  }

  /** Whether any operator account exists (false on first start). */
  hasOperators(): boolean {
    return this.db.prepare('SELECT 1 FROM operators LIMIT 1').get() !== undefined;
  }

  /** Adds an operator account (password already hashed). */
  addOperator(username: string, passwordHash: string): void {
    this.db
      .prepare('INSERT INTO operators (username, password_hash, created_at) VALUES (?, ?, ?)')
      .run(username, passwordHash, now());
  }

  /** Replaces an operator's password hash, creating the account if it does not exist. */
  setOperatorPassword(username: string, passwordHash: string): void {
    this.db
      .prepare(
        `INSERT INTO operators (username, password_hash, created_at) VALUES (?, ?, ?)
         ON CONFLICT(username) DO UPDATE SET password_hash = excluded.password_hash`,
      )
      .run(username, passwordHash, now());
  }

  /** The first operator account's name, or null when there is none. */
  firstOperator(): string | null {
    const row = this.db.prepare('SELECT username FROM operators ORDER BY created_at, rowid LIMIT 1').get() as
      { username: string } | undefined;
    return row?.username ?? null;
  }

  // ---- jobs ----

  /** Stores a new waiting job. */
  createJob(spec: JobSpec): JobRecord {
    const id = newId('job');
    const ts = now();
    this.db
      .prepare(
        `INSERT INTO jobs (id, spec, status, current_round, status_detail, created_at, updated_at)
         VALUES (?, ?, 'waiting', 0, ?, ?, ?)`,
      )
      .run(id, JSON.stringify(spec), `waiting for ${spec.minParticipants} participants`, ts, ts);
    return this.getJob(id) as JobRecord;
  }

  /** One job, or null. */
  getJob(id: string): JobRecord | null {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  /** All jobs, oldest first. */
  listJobs(): JobRecord[] {
    return (this.db.prepare('SELECT * FROM jobs ORDER BY created_at, rowid').all() as JobRow[]).map(toJob);
  }

  /** Changes a job's status, round or detail. */
  updateJob(
    id: string,
    patch: { status?: JobStatus; currentRound?: number; statusDetail?: string },
  ): JobRecord {
    const job = this.getJob(id);
    if (!job) throw new Error(`No job ${id}.`);
    this.db
      .prepare(
        'UPDATE jobs SET status = ?, current_round = ?, status_detail = ?, updated_at = ? WHERE id = ?',
      )
      .run(
        patch.status ?? job.status,
        patch.currentRound ?? job.currentRound,
        patch.statusDetail ?? job.statusDetail,
        now(),
        id,
      );
    return this.getJob(id) as JobRecord;
  }

  /** Deletes a job and everything recorded about it; invites bound to it are revoked. */
  deleteJob(id: string): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE invites SET revoked = 1 WHERE job_id = ?').run(id);
      this.db.prepare('DELETE FROM participants WHERE job_id = ?').run(id);
      this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
    })();
    this.rounds.dropJob(id);
  }

  // ---- invites ----

  /** Stores an invite by the SHA-256 of its token (the token itself is never stored). */
  createInvite(name: string, jobId: string | null, tokenHash: string): InviteRecord {
    const id = newId('inv');
    this.db
      .prepare('INSERT INTO invites (id, name, job_id, token_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, cleanText(name) || 'unnamed organization', jobId, tokenHash, now());
    return this.getInvite(id) as InviteRecord;
  }

  /** One invite, or null. */
  getInvite(id: string): InviteRecord | null {
    const row = this.db.prepare('SELECT * FROM invites WHERE id = ?').get(id) as InviteRow | undefined;
    return row ? toInvite(row) : null;
  }

  /** The invite whose token hashes to `tokenHash`, or null. */
  inviteByTokenHash(tokenHash: string): InviteRecord | null {
    const row = this.db.prepare('SELECT * FROM invites WHERE token_hash = ?').get(tokenHash) as
      InviteRow | undefined;
    return row ? toInvite(row) : null;
  }

  /** All invites, oldest first. */
  listInvites(): InviteRecord[] {
    return (this.db.prepare('SELECT * FROM invites ORDER BY created_at, rowid').all() as InviteRow[]).map(
      toInvite,
    );
  }

  /** The Ed25519 public key (raw) an invite is bound to, or null before enrollment. */
  inviteKey(inviteId: string): Uint8Array | null {
    const row = this.db.prepare('SELECT public_key FROM invites WHERE id = ?').get(inviteId) as
      { public_key: string | null } | undefined;
    return row?.public_key ? new Uint8Array(Buffer.from(row.public_key, 'base64')) : null;
  }

  /** Binds an unbound invite to a key (first enrollment wins); returns the key the invite is bound to now. */
  enrollInvite(inviteId: string, publicKey: Uint8Array): Uint8Array | null {
    this.db
      .prepare('UPDATE invites SET public_key = ?, enrolled_at = ? WHERE id = ? AND public_key IS NULL')
      .run(Buffer.from(publicKey).toString('base64'), now(), inviteId);
    return this.inviteKey(inviteId);
  }

  /** Marks an invite revoked; returns false if there is no such invite. */
  revokeInvite(id: string): boolean {
    return this.db.prepare('UPDATE invites SET revoked = 1 WHERE id = ?').run(id).changes > 0;
  }

  // ---- participants ----

  /**
   * The participant of a job for an invite, created if new. A participant is its invite (bound to
   * one key): never a client-chosen id, so no invite can take over another's record.
   */
  upsertParticipant(p: {
    jobId: string;
    inviteId: string;
    instanceId: string;
    name: string;
    keyFingerprint?: string | null;
  }): StoredParticipant {
    const existing = this.db
      .prepare('SELECT * FROM participants WHERE job_id = ? AND invite_id = ? ORDER BY rowid LIMIT 1')
      .get(p.jobId, p.inviteId) as ParticipantRow | undefined;
    if (existing) {
      this.db
        .prepare(
          'UPDATE participants SET last_seen = ?, key_fingerprint = COALESCE(?, key_fingerprint) WHERE id = ?',
        )
        .run(now(), p.keyFingerprint ?? null, existing.id);
      return this.getParticipant(existing.id) as StoredParticipant;
    }
    const taken = new Set(this.listParticipants(p.jobId).map((q) => q.name));
    let name = p.name;
    for (let i = 2; taken.has(name); i++) name = `${p.name} (${i})`;
    const id = newId('p');
    this.db
      .prepare(
        `INSERT INTO participants (id, job_id, invite_id, instance_id, name, last_seen, key_fingerprint)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      // instance_id (unique per job) holds the invite id: one invite, one participant.
      .run(id, p.jobId, p.inviteId, p.inviteId, name, now(), p.keyFingerprint ?? null);
    return this.getParticipant(id) as StoredParticipant;
  }

  /** Stores the outlier statistics of a round's updates. */
  putUpdateStats(
    jobId: string,
    round: number,
    stats: {
      participantId: string;
      distanceFromGlobal: number;
      distanceFromMedian: number;
      score: number;
      outlier: boolean;
    }[],
  ): void {
    const put = this.db.prepare(
      `INSERT OR REPLACE INTO update_stats (job_id, round, participant_id, distance_global, distance_median, score, outlier)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    // Finite numbers only: SQLite and JSON both lose infinities.
    const f = (x: number) => (Number.isFinite(x) ? x : Number.MAX_VALUE);
    this.db.transaction(() => {
      for (const s of stats) {
        put.run(
          jobId,
          round,
          s.participantId,
          f(s.distanceFromGlobal),
          f(s.distanceFromMedian),
          f(s.score),
          s.outlier ? 1 : 0,
        );
      }
    })();
  }

  /** Records the fingerprint of the key a participant proved. */
  setParticipantKey(id: string, fingerprint: string): void {
    this.db.prepare('UPDATE participants SET key_fingerprint = ? WHERE id = ?').run(fingerprint, id);
  }

  /** One participant, or null. */
  getParticipant(id: string): StoredParticipant | null {
    const row = this.db.prepare('SELECT * FROM participants WHERE id = ?').get(id) as
      ParticipantRow | undefined;
    return row ? toParticipant(row) : null;
  }

  /** A job's participants, in the order they first joined. */
  listParticipants(jobId: string): StoredParticipant[] {
    const rows = this.db.prepare('SELECT * FROM participants WHERE job_id = ? ORDER BY rowid').all(jobId);
    return (rows as ParticipantRow[]).map(toParticipant);
  }

  /** Records what a participant said about itself; `lastSeen` is always refreshed. */
  updateParticipant(
    id: string,
    patch: Partial<Pick<StoredParticipant, 'dataset' | 'backend' | 'state' | 'round' | 'samplesPerSec'>>,
  ): StoredParticipant {
    const p = this.getParticipant(id);
    if (!p) throw new Error(`No participant ${id}.`);
    const next = { ...p, ...patch };
    this.db
      .prepare(
        `UPDATE participants SET dataset = ?, backend = ?, state = ?, round = ?, samples_per_sec = ?, last_seen = ?
         WHERE id = ?`,
      )
      .run(
        next.dataset ? JSON.stringify(next.dataset) : null,
        next.backend ? JSON.stringify(next.backend) : null,
        next.state,
        next.round,
        next.samplesPerSec,
        now(),
        id,
      );
    return this.getParticipant(id) as StoredParticipant;
  }

  // ---- audit and logs ----

  /** Appends a hash-chained audit entry (joins, signed submissions, unifications, refusals, operator actions). */
  audit(jobId: string | null, actor: string, action: string, detail: Record<string, unknown>): AuditHead {
    return this.auditLog.append(jobId, actor, action, detail);
  }

  /** The audit chain head (null while the log is empty). */
  auditHead(): AuditHead | null {
    return this.auditLog.current();
  }

  /** A job's audit entries (or the hub's, for null), oldest first. */
  auditEntries(jobId: string | null, limit = 1000): AuditEntry[] {
    const rows = this.db
      .prepare(`SELECT * FROM (SELECT * FROM audit WHERE job_id IS ? ORDER BY id DESC LIMIT ?) ORDER BY id`)
      .all(jobId, limit) as AuditRow[];
    return rows.map((r) => ({
      id: r.id,
      ts: r.ts,
      jobId: r.job_id,
      actor: r.actor,
      action: r.action,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }

  /** Appends a log entry. */
  log(entry: LogEntry): void {
    this.db
      .prepare('INSERT INTO logs (ts, level, source, message, job_id, details) VALUES (?, ?, ?, ?, ?, ?)')
      .run(entry.ts, entry.level, entry.source, entry.message, entry.jobId ?? null, entry.details ?? null);
  }

  /** The latest log entries of a job, oldest first. */
  logs(jobId: string, limit = 500): LogEntry[] {
    const rows = this.db
      .prepare(`SELECT * FROM (SELECT * FROM logs WHERE job_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id`)
      .all(jobId, limit) as {
      ts: string;
      level: LogEntry['level'];
      source: string;
      message: string;
      job_id: string;
      details: string | null;
    }[];
    return rows.map((r) => ({
      ts: r.ts,
      level: r.level,
      source: r.source,
      message: r.message,
      jobId: r.job_id,
      ...(r.details ? { details: r.details } : {}),
    }));
  }
}
