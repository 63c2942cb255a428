/**
 * Appends to and reads the hash-chained audit table (audit-chain.ts), keeping the chain head in
 * memory and in `audit-head.json` beside hub.db. At open it compares the two; a disagreement means
 * entries were removed or added outside the hub, and is itself recorded in the chain.
 */
import type Database from 'better-sqlite3';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, entryHash, GENESIS_HASH, type AuditRow } from './audit-chain.ts';

export const AUDIT_HEAD_FILE = 'audit-head.json';

/** The newest entry: its id and hash. */
export interface AuditHead {
  id: number;
  hash: string;
}

/** Reads a head file; null when absent or unreadable. */
export function readHeadFile(path: string): AuditHead | null {
  if (!existsSync(path)) return null;
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<AuditHead>;
    return typeof v.id === 'number' && typeof v.hash === 'string' ? { id: v.id, hash: v.hash } : null;
  } catch {
    return null;
  }
}

/** The chained audit table of one database. */
export class AuditLog {
  private head: AuditHead | null;
  private readonly headPath: string | null;

  constructor(
    private readonly db: Database.Database,
    dataDir: string | null,
    private readonly now: () => string,
  ) {
    this.headPath = dataDir ? join(dataDir, AUDIT_HEAD_FILE) : null;
    this.sealLegacy();
    this.head = this.lastRow();
    const filed = this.headPath ? readHeadFile(this.headPath) : null;
    if (this.headPath && filed && (filed.id !== this.head?.id || filed.hash !== this.head?.hash)) {
      this.append(null, 'hub', 'audit-head-mismatch', { headFile: filed, log: this.head });
    } else if (this.head) {
      this.writeHead();
    }
  }

  /** The current chain head (null for an empty log). */
  current(): AuditHead | null {
    return this.head;
  }

  /** Appends one entry chained to the head; returns the new head. */
  append(jobId: string | null, actor: string, action: string, detail: Record<string, unknown>): AuditHead {
    const maxId = (this.db.prepare('SELECT MAX(id) AS m FROM audit').get() as { m: number | null }).m ?? 0;
    const row = {
      // Chained onto what the hub last wrote, not what the table holds now: a row removed meanwhile stays visible.
      id: Math.max(maxId, this.head?.id ?? 0) + 1,
      ts: this.now(),
      job_id: jobId,
      actor,
      action,
      detail: canonicalJson(detail),
      prev_hash: this.head?.hash ?? GENESIS_HASH,
    };
    const hash = entryHash(row);
    this.db
      .prepare(
        'INSERT INTO audit (id, ts, job_id, actor, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(row.id, row.ts, row.job_id, row.actor, row.action, row.detail, row.prev_hash, hash);
    this.head = { id: row.id, hash };
    this.writeHead();
    return this.head;
  }

  /** All rows in id order (for verify and export). */
  rows(): AuditRow[] {
    return this.db.prepare('SELECT * FROM audit ORDER BY id').all() as AuditRow[];
  }

  private lastRow(): AuditHead | null {
    const r = this.db.prepare('SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1').get() as
      { id: number; hash: string | null } | undefined;
    return r ? { id: r.id, hash: r.hash ?? '' } : null;
  }

  /** Chains the entries of a data folder written before the chain existed (only when nothing is chained yet). */
  private sealLegacy(): void {
    const chained = this.db.prepare('SELECT 1 FROM audit WHERE hash IS NOT NULL LIMIT 1').get();
    if (chained || (this.headPath && existsSync(this.headPath))) return;
    const rows = this.db.prepare('SELECT * FROM audit ORDER BY id').all() as AuditRow[];
    let prev = GENESIS_HASH;
    const put = this.db.prepare('UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const r of rows) {
        const hash = entryHash({ ...r, prev_hash: prev });
        put.run(prev, hash, r.id);
        prev = hash;
      }
    })();
  }

  private writeHead(): void {
    if (!this.headPath || !this.head) return;
    const tmp = `${this.headPath}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(this.head) + '\n');
      renameSync(tmp, this.headPath);
    } catch {
      // The entry is in the database; a stale head file only makes `audit verify` report the gap.
      // Failing the hub because its data folder vanished or filled up would lose more.
    }
  }
}
