/** The hub is killed mid-job and restarted on the same data folder and port: it resumes, participants reconnect, the job completes. */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, logTail, type ChildParticipant } from '../../cli/simulate/children.ts';
import {
  childParticipant,
  jobDone,
  operatorOf,
  smallJob,
  startHubProcess,
  tempDir,
  until,
  type HubProcess,
} from './federation-helpers.ts';

describe('federation: hub restart', () => {
  const dir = tempDir('fedunify-it-restart-');
  const hubs: HubProcess[] = [];
  const children: ChildParticipant[] = [];
  afterAll(async () => {
    await killAll(children);
    for (const h of hubs) await h.kill();
    dir.remove();
  });

  it('resumes the job after a restart and the participants reconnect', async () => {
    const dataDir = `${dir.path}/hub`;
    const first = await startHubProcess(dataDir, 0);
    hubs.push(first);
    const port = Number(new URL(first.url).port);
    let client = await operatorOf(dataDir, first.url, first.fingerprint);
    const job = await client.createJob(smallJob({ rounds: 3, hubEvaluation: undefined }));
    for (const i of [0, 1]) {
      const { invite } = await client.createInvite(`P${i + 1}`, job.id);
      children.push(childParticipant(invite, i, dir.path, { limit: 200 }));
    }
    await until(
      'round 1 to complete',
      async () => (await client.rounds(job.id)).some((r) => r.completedAt),
      150_000,
    );
    await first.kill();

    await until('both participants to notice', () =>
      children.every((c) => /hub unreachable .*retrying in \d+ s/.test(readFileSync(c.logPath, 'utf8'))),
    );
    const second = await startHubProcess(dataDir, port);
    hubs.push(second);
    expect(second.fingerprint).toBe(first.fingerprint);
    client = await operatorOf(dataDir, second.url, second.fingerprint);

    const done = await jobDone(client, job.id, 180_000);
    expect(done.status, `${done.statusDetail}\n${children.map((c) => logTail(c.logPath)).join('\n')}`).toBe(
      'completed',
    );
    const rounds = await client.rounds(job.id);
    expect(rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    expect(rounds.every((r) => r.completedAt !== null && r.participants.length === 2)).toBe(true);
    for (const c of children) {
      expect(await c.exited, logTail(c.logPath)).toBe(0);
      expect(readFileSync(c.logPath, 'utf8').match(/Connected to the hub/g)?.length).toBeGreaterThanOrEqual(
        2,
      );
    }
  }, 300_000);
});
