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
  };
}

/** The hub database. Synchronous (better-sqlite3): every call is short and transactional. */
export class Store {
  readonly db: Database.Database;
  readonly rounds: RoundStore;
  readonly optimizer: OptimizerStore;

  /** Opens (creating and migrating) dataDir/hub.db; ':memory:' as dataDir opens a throwaway one. */
  constructor(dataDir: string) {
    this.db = new Database(dataDir === ':memory:' ? ':memory:' : join(dataDir, 'hub.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('synchronous = NORMAL');
    migrate(this.db);
    this.rounds = new RoundStore(this.db, dataDir === ':memory:' ? null : dataDir);
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
      .run(id, name, jobId, tokenHash, now());
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

  /** Marks an invite revoked; returns false if there is no such invite. */
  revokeInvite(id: string): boolean {
    return this.db.prepare('UPDATE invites SET revoked = 1 WHERE id = ?').run(id).changes > 0;
  }

  // ---- participants ----

  /** The participant of a job with this installation id, created if new. */
  upsertParticipant(p: {
    jobId: string;
    inviteId: string;
    instanceId: string;
    name: string;
  }): StoredParticipant {
    const existing = this.db
      .prepare('SELECT * FROM participants WHERE job_id = ? AND instance_id = ?')
      .get(p.jobId, p.instanceId) as ParticipantRow | undefined;
    if (existing) {
      this.db
        .prepare('UPDATE participants SET invite_id = ?, last_seen = ? WHERE id = ?')
        .run(p.inviteId, now(), existing.id);
      return this.getParticipant(existing.id) as StoredParticipant;
    }
    const taken = new Set(this.listParticipants(p.jobId).map((q) => q.name));
    let name = p.name;
    for (let i = 2; taken.has(name); i++) name = `${p.name} (${i})`;
    const id = newId('p');
    this.db
      .prepare(
        `INSERT INTO participants (id, job_id, invite_id, instance_id, name, last_seen)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(id, p.jobId, p.inviteId, p.instanceId, name, now());
    return this.getParticipant(id) as StoredParticipant;
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

  /** Appends an audit entry (joins, submissions with size and hash, unifications, operator actions). */
  audit(jobId: string | null, actor: string, action: string, detail: Record<string, unknown>): void {
    this.db
      .prepare('INSERT INTO audit (ts, job_id, actor, action, detail) VALUES (?, ?, ?, ?, ?)')
      .run(now(), jobId, actor, action, JSON.stringify(detail));
  }

  /** A job's audit entries (or the hub's, for null), oldest first. */
  auditEntries(jobId: string | null, limit = 1000): AuditEntry[] {
    const rows = this.db
      .prepare(`SELECT * FROM (SELECT * FROM audit WHERE job_id IS ? ORDER BY id DESC LIMIT ?) ORDER BY id`)
      .all(jobId, limit) as {
      id: number;
      ts: string;
      job_id: string | null;
      actor: string;
      action: string;
      detail: string;
    }[];
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
      .prepare('INSERT INTO logs (ts, level, source, message, job_id) VALUES (?, ?, ?, ?, ?)')
      .run(entry.ts, entry.level, entry.source, entry.message, entry.jobId ?? null);
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
    }[];
    return rows.map((r) => ({
      ts: r.ts,
      level: r.level,
      source: r.source,
      message: r.message,
      jobId: r.job_id,
    }));
  }
}
