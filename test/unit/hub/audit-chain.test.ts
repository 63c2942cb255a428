import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../hub/db/store.ts';
import { canonicalJson, verifyChain, type AuditRow } from '../../../hub/db/audit-chain.ts';
import { AUDIT_HEAD_FILE, readHeadFile } from '../../../hub/db/audit-log.ts';

const dirs: string[] = [];
function filled(n = 5): string {
  const dir = mkdtempSync(join(tmpdir(), 'fedunify-audit-'));
  dirs.push(dir);
  const s = new Store(dir);
  for (let i = 1; i <= n; i++)
    s.audit(i % 2 ? 'job-1' : null, `actor-${i}`, 'act', { i, nested: { b: 2, a: 1 } });
  s.close();
  return dir;
}
function rows(dir: string): AuditRow[] {
  const db = new Database(join(dir, 'hub.db'), { readonly: true });
  const r = db.prepare('SELECT * FROM audit ORDER BY id').all() as AuditRow[];
  db.close();
  return r;
}
function sql(dir: string, statement: string): void {
  const db = new Database(join(dir, 'hub.db'));
  db.exec(statement);
  db.close();
}
const check = (dir: string) => verifyChain(rows(dir), readHeadFile(join(dir, AUDIT_HEAD_FILE)));

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('audit chain', () => {
  it('verifies an intact log against its head file', () => {
    const dir = filled();
    const r = check(dir);
    expect(r).toMatchObject({ ok: true, entries: 5, head: { id: 5 } });
    expect(readHeadFile(join(dir, AUDIT_HEAD_FILE))?.id).toBe(5);
  });

  it('writes JSON with sorted keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":0,"z":1}]},"b":1}',
    );
  });

  it.each([
    ['an edited actor', "UPDATE audit SET actor = 'mallory' WHERE id = 3", 3],
    ['an edited detail (one byte)', "UPDATE audit SET detail = detail || ' ' WHERE id = 2", 2],
    ['an edited timestamp', "UPDATE audit SET ts = '2000-01-01T00:00:00.000Z' WHERE id = 4", 4],
    ['a deleted middle entry', 'DELETE FROM audit WHERE id = 3', 4],
    ['a deleted first entry', 'DELETE FROM audit WHERE id = 1', 2],
    ['a deleted last entry', 'DELETE FROM audit WHERE id = 5', 5],
    [
      'an inserted entry',
      "INSERT INTO audit (id, ts, job_id, actor, action, detail, prev_hash, hash) SELECT 6, ts, job_id, 'x', 'act', '{}', hash, hash FROM audit WHERE id = 5",
      6,
    ],
    [
      'swapped contents (reorder)',
      'UPDATE audit SET id = CASE id WHEN 2 THEN 102 WHEN 3 THEN 2 END WHERE id IN (2, 3); UPDATE audit SET id = 3 WHERE id = 102',
      2,
    ],
  ])('names the first bad entry after %s', (_what, statement, badId) => {
    const dir = filled();
    sql(dir, statement);
    const r = check(dir);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.badId).toBe(badId);
  });

  it('catches a row rewritten with a recomputed hash through the next link', () => {
    const dir = filled();
    const r3 = rows(dir)[2];
    // A rewrite that fixes its own hash still breaks entry 4's link to it.
    sql(dir, `UPDATE audit SET actor = 'mallory', hash = '${'f'.repeat(64)}' WHERE id = ${r3.id}`);
    const r = check(dir);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.badId).toBe(3);
  });

  it('records at the next start that the head file and the log disagree, and verify keeps failing', () => {
    const dir = filled();
    sql(dir, 'DELETE FROM audit WHERE id = 5');
    const s = new Store(dir);
    s.audit(null, 'hub', 'hub-started', {});
    s.close();
    const r = verifyChain(rows(dir));
    expect(r.ok).toBe(false);
  });

  it("keeps a deleted job's entries, which still verify", () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedunify-audit-'));
    dirs.push(dir);
    const s = new Store(dir);
    const job = s.createJob({ name: 'j' } as never);
    s.audit(job.id, 'op', 'job-created', {});
    s.deleteJob(job.id);
    s.audit(null, 'op', 'job-deleted', { jobId: job.id });
    s.close();
    expect(rows(dir).filter((r) => r.job_id === job.id)).toHaveLength(1);
    expect(check(dir).ok).toBe(true);
  });
});
