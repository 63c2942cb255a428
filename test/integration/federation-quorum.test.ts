/** Three participant processes, quorum 2: one is killed while it trains in a round, which completes with the other two. */
import { afterAll, describe, expect, it } from 'vitest';
import { startHub, type Hub } from '../../hub/index.ts';
import { HubClient } from '../../cli/simulate/hub-client.ts';
import { killAll, logTail, type ChildParticipant } from '../../cli/simulate/children.ts';
import { childParticipant, jobDone, smallJob, tempDir, until } from './federation-helpers.ts';

describe('federation: quorum', () => {
  const dir = tempDir('fedunify-it-quorum-');
  let hub: Hub | null = null;
  const children: ChildParticipant[] = [];
  afterAll(async () => {
    await killAll(children);
    await hub?.close();
    dir.remove();
  });

  it('completes every round with 2 of 3 participants after one is killed mid-round', async () => {
    hub = await startHub({ dataDir: `${dir.path}/hub`, port: 0, host: '127.0.0.1', quiet: true });
    const client = new HubClient(hub.url, hub.fingerprint);
    await client.login(hub.operator.username, hub.operator.password ?? '');
    const job = await client.createJob(
      smallJob({
        rounds: 3,
        minParticipants: 2,
        hubEvaluation: { data: 'fashion-mnist', partition: { env: 'iid', seed: 1, owners: 3 }, limit: 200 },
      }),
    );
    for (const i of [0, 1, 2]) {
      const { invite } = await client.createInvite(`P${i + 1}`, job.id);
      children.push(childParticipant(invite, i, dir.path, { env: 'iid', owners: 3, limit: 200 }));
    }
    // The hub starts round 1 once the first 2 are ready; kill P3 as soon as it trains in any round.
    await until(
      'P3 to train',
      async () => {
        const p3 = (await client.participants(job.id)).find((p) => p.name === 'P3');
        return p3?.state === 'training';
      },
      150_000,
    );
    children[2].proc.kill('SIGKILL');

    const done = await jobDone(client, job.id, 180_000);
    expect(done.status, `${done.statusDetail}\n${logTail(children[0].logPath)}`).toBe('completed');
    const rounds = await client.rounds(job.id);
    expect(rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    for (const r of rounds.slice(1)) {
      expect(r.completedAt).not.toBeNull();
      expect(r.participants.map((p) => p.name).sort()).toEqual(['P1', 'P2']);
    }
    expect(await children[0].exited).toBe(0);
    expect(await children[1].exited).toBe(0);
  }, 300_000);
});
