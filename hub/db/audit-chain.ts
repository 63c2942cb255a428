/**
 * The audit log as a hash chain: each entry's hash is SHA-256 over the canonical JSON of all its
 * fields and the previous entry's hash, so editing, deleting, inserting or reordering any entry
 * breaks every later link. What a chain alone cannot show is the loss of its newest entries; the
 * head is therefore also kept in a file beside hub.db and sent to participants with every
 * `round:unified`, and `verify` checks against either.
 */
import { createHash } from 'node:crypto';
import { verifyUpdate } from '../../core/crypto/identity.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** One audit row as stored (detail as its stored JSON text). */
export interface AuditRow {
  id: number;
  ts: string;
  job_id: string | null;
  actor: string;
  action: string;
  detail: string;
  prev_hash: string | null;
  hash: string | null;
}

/** JSON with object keys sorted at every level: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hash of an entry: every field, the detail exactly as stored, and the previous hash. */
export function entryHash(row: Omit<AuditRow, 'hash'>): string {
  const body = canonicalJson({
    v: 1,
    id: row.id,
    ts: row.ts,
    jobId: row.job_id,
    actor: row.actor,
    action: row.action,
    detail: row.detail,
    prevHash: row.prev_hash,
  });
  return createHash('sha256').update(body).digest('hex');
}

/** What verify found. */
export type ChainReport =
  | { ok: true; entries: number; head: { id: number; hash: string } | null; signatures: number }
  | { ok: false; entries: number; badId: number | null; problem: string };

/** Checks a signed update entry's signature against the key it names; null when fine or not an update. */
function signatureProblem(row: AuditRow): string | null {
  if (row.action !== 'update' || row.job_id === null) return null;
  let d: Record<string, unknown>;
  try {
    d = JSON.parse(row.detail) as Record<string, unknown>;
  } catch {
    return 'its detail is not JSON';
  }
  if (typeof d.signature !== 'string' || typeof d.publicKey !== 'string') return null;
  const ok = verifyUpdate(
    Buffer.from(d.publicKey, 'base64'),
    {
      jobId: row.job_id,
      round: Number(d.round),
      weightsSha256: String(d.sha256),
      samples: Number(d.claimedSamples ?? d.samples),
    },
    Buffer.from(d.signature, 'base64'),
  );
  return ok ? null : "the participant's signature does not match the round, hash and samples recorded";
}

/**
 * Walks the rows in id order and reports the first bad entry. `expectedHead` (from the head file or
 * a participant) catches entries removed from, or appended to, the end.
 */
export function verifyChain(
  rows: AuditRow[],
  expectedHead?: { id: number; hash: string } | null,
): ChainReport {
  let prev = GENESIS_HASH;
  let prevId = 0;
  let signatures = 0;
  for (const row of rows) {
    const bad = (problem: string): ChainReport => ({
      ok: false,
      entries: rows.length,
      badId: row.id,
      problem,
    });
    if (!row.hash || !row.prev_hash) return bad('it has no hash: it was not written by the hub');
    if (row.prev_hash !== prev) {
      return bad(
        prevId === 0
          ? 'it does not start the chain: earlier entries were deleted, or it was inserted'
          : `it does not follow entry #${prevId}: an entry between them was deleted or inserted, or entries were reordered`,
      );
    }
    if (entryHash(row) !== row.hash) return bad('its content does not match its hash: it was edited');
    const sig = signatureProblem(row);
    if (sig) return bad(sig);
    if (row.action === 'update' && row.detail.includes('"signature"')) signatures++;
    if (row.action === 'audit-head-mismatch') {
      return bad(
        'the hub recorded here that, at start, its head file disagreed with the log: entries were removed or added outside the hub',
      );
    }
    prev = row.hash;
    prevId = row.id;
  }
  const last = rows.length ? rows[rows.length - 1] : null;
  if (expectedHead) {
    const atHead = rows.find((r) => r.id === expectedHead.id);
    if (!atHead) {
      return {
        ok: false,
        entries: rows.length,
        badId: expectedHead.id,
        problem: `the expected head entry #${expectedHead.id} is missing: the newest entries were deleted`,
      };
    }
    if (atHead.hash !== expectedHead.hash) {
      return {
        ok: false,
        entries: rows.length,
        badId: atHead.id,
        problem: 'it is not the entry the expected head names: it was rewritten',
      };
    }
  }
  return {
    ok: true,
    entries: rows.length,
    head: last ? { id: last.id, hash: last.hash as string } : null,
    signatures,
  };
}
