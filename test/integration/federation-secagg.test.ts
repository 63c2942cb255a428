/**
 * Secure aggregation through the real stack: a hub and three `fedunify join` processes run a
 * SecAgg+ job; the hub keeps only masked vectors' hashes (no weights in hub.db, masked-update
 * audit entries), a plain round:update is refused, and a participant killed after the share phase
 * is survived (its pairwise masks are removed from the sum with its Shamir shares).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHub, type Hub } from '../../hub/index.ts';
import { HubClient } from '../../cli/simulate/hub-client.ts';
import { killAll, logTail, type ChildParticipant } from '../../cli/simulate/children.ts';
import { childParticipant, jobDone, smallJob, tempDir, until } from './federation-helpers.ts';

describe('federation: secure aggregation', () => {
  const dir = tempDir('fedunify-it-secagg-');
  let hub: Hub | null = null;
  const children: ChildParticipant[] = [];
  afterAll(async () => {
    await killAll(children);
    await hub?.close();
    dir.remove();
  });

  it('unifies masked updates only, and survives a participant lost after sharing its keys', async () => {
    hub = await startHub({ dataDir: join(dir.path, 'hub'), port: 0, host: '127.0.0.1', quiet: true });
    const client = new HubClient(hub.url, hub.fingerprint);
    await client.login(hub.operator.username, hub.operator.password ?? '');
    const job = await client.createJob(
      smallJob({
        rounds: 2,
        minParticipants: 3,
        secureAggregation: true,
        secAggThreshold: 2,
        compareMethods: ['avg'],
        hubEvaluation: { data: 'fashion-mnist', partition: { env: 'iid', seed: 1, owners: 3 }, limit: 200 },
      }),
    );
    for (const i of [0, 1, 2]) {
      const { invite } = await client.createInvite(`P${i + 1}`, job.id);
      children.push(childParticipant(invite, i, dir.path, { env: 'iid', owners: 3, limit: 150 }));
    }
    // Round 1 completes with all three; in round 2, P3 is killed while it trains (after the key
    // and share phases, before its masked input): the round must finish with P1 and P2.
    await until(
      'round 1 to complete',
      async () => (await client.rounds(job.id)).find((r) => r.round === 1 && r.completedAt),
      240_000,
    );
    await until(
      'P3 to train in round 2',
      async () => {
        const p3 = (await client.participants(job.id)).find((p) => p.name === 'P3');
        return p3?.state === 'training' && p3.round === 2;
      },
      240_000,
    );
    children[2].proc.kill('SIGKILL');

    const done = await jobDone(client, job.id, 240_000);
    expect(done.status, `${done.statusDetail}\n${logTail(children[0].logPath)}`).toBe('completed');
    const rounds = await client.rounds(job.id);
    expect(rounds[0]!.participants.map((p) => p.name).sort()).toEqual(['P1', 'P2', 'P3']);
    expect(rounds[1]!.participants.map((p) => p.name).sort()).toEqual(['P1', 'P2']);
    for (const r of rounds) expect(r.hubAccuracy ?? r.methods[0]?.hubAccuracy).toBeGreaterThan(0.1);

    const db = new Database(join(dir.path, 'hub', 'hub.db'), { readonly: true });
    try {
      const stored = db.prepare('SELECT COUNT(*) AS n FROM updates WHERE weights IS NOT NULL').get() as {
        n: number;
      };
      expect(stored.n).toBe(0);
      const masked = db.prepare("SELECT detail FROM audit WHERE action = 'masked-update'").all() as {
        detail: string;
      }[];
      expect(masked).toHaveLength(5);
      for (const m of masked)
        expect(JSON.parse(m.detail)).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    } finally {
      db.close();
    }
  }, 600_000);
});
