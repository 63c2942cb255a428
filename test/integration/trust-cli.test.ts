/**
 * Identity and evidence through the real programs: `fedunify hub` and `fedunify join` as child
 * processes. A second join with the same invite and another state folder is refused (the invite
 * belongs to the first one's key) while the first keeps its place; a hub killed and restarted
 * records the unclean stop; `fedunify audit verify` exits 0 on the intact log and 1, naming the
 * entry, after any single row is changed, deleted, inserted or reordered with sqlite.
 */
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEDUNIFY_BIN, killAll, logTail, type ChildParticipant } from '../../cli/simulate/children.ts';
import {
  childParticipant,
  operatorOf,
  smallJob,
  startHubProcess,
  tempDir,
  until,
  type HubProcess,
} from './federation-helpers.ts';

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [FEDUNIFY_BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('trust: real hub and join processes', () => {
  const dir = tempDir('fedunify-trust-');
  const dataDir = join(dir.path, 'hub');
  const children: ChildParticipant[] = [];
  let hub: HubProcess | null = null;
  afterAll(async () => {
    await killAll(children);
    await hub?.kill();
    dir.remove();
  });

  it('refuses a second join with the same invite and another key; the first keeps its place', async () => {
    hub = await startHubProcess(dataDir);
    const client = await operatorOf(dataDir, hub.url, hub.fingerprint);
    // Two participants needed: the job waits, so nobody trains.
    const job = await client.createJob(smallJob({ name: 'one invite one key', minParticipants: 2 }));
    const { invite } = await client.createInvite('Org A', job.id);
    const first = childParticipant(invite, 0, dir.path, { limit: 100 });
    children.push(first);
    await until('the first participant to connect', async () => {
      const ps = await client.participants(job.id);
      return ps.length === 1 && ps[0].connected;
    });
    const second = childParticipant(invite, 1, dir.path, { limit: 100 });
    children.push(second);
    const code = await second.exited;
    expect(code, logTail(second.logPath)).not.toBe(0);
    expect(readFileSync(second.logPath, 'utf8')).toMatch(/belongs to another key/);
    const ps = await client.participants(job.id);
    expect(ps).toHaveLength(1);
    expect(ps[0].connected).toBe(true);
    expect(first.proc.exitCode).toBeNull();
    await killAll([first]);
  }, 120_000);

  it('records a start after an unclean stop', async () => {
    await hub?.kill();
    hub = await startHubProcess(dataDir);
    await hub.kill();
    hub = null;
    const db = new Database(join(dataDir, 'hub.db'), { readonly: true });
    const starts = db.prepare("SELECT detail FROM audit WHERE action = 'hub-started' ORDER BY id").all() as {
      detail: string;
    }[];
    db.close();
    expect(starts.length).toBe(2);
    expect(JSON.parse(starts[1].detail)).toMatchObject({ uncleanStop: true });
  }, 60_000);

  it('verifies the intact audit log and exports it as JSON lines', () => {
    const ok = cli('audit', 'verify', '--data-dir', dataDir);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/audit intact: \d+ entries/);
    const exp = cli('audit', 'export', '--data-dir', dataDir);
    const lines = exp.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; hash: string });
    expect(lines.some((l) => l.action === 'enrolled')).toBe(true);
    expect(lines.every((l) => /^[0-9a-f]{64}$/.test(l.hash))).toBe(true);
  });

  it.each([
    ['an edited actor', "UPDATE audit SET actor = 'mallory' WHERE id = 2"],
    ['an edited detail', "UPDATE audit SET detail = '{}' WHERE id = 3"],
    ['a deleted entry', 'DELETE FROM audit WHERE id = 2'],
    ['the deleted last entry', 'DELETE FROM audit WHERE id = (SELECT MAX(id) FROM audit)'],
    [
      'an inserted entry',
      "INSERT INTO audit (id, ts, job_id, actor, action, detail, prev_hash, hash) VALUES ((SELECT MAX(id) FROM audit) + 1, 'x', NULL, 'x', 'x', '{}', 'x', 'x')",
    ],
    [
      'swapped entries',
      'UPDATE audit SET id = -2 WHERE id = 2; UPDATE audit SET id = 2 WHERE id = 3; UPDATE audit SET id = 3 WHERE id = -2',
    ],
  ])('exits 1 naming the first bad entry after %s', (what, statement) => {
    const copy = join(dir.path, `tampered-${what.replace(/\W+/g, '-')}`);
    cpSync(dataDir, copy, { recursive: true });
    const db = new Database(join(copy, 'hub.db'));
    db.exec(statement);
    db.close();
    const r = cli('audit', 'verify', '--data-dir', copy);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/audit BROKEN at entry #\d+: /);
  });
});
