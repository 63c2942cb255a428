import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { JobEnd, JobRecord, RoundStart } from '../../core/wire/protocol.ts';
import type { Hub } from '../../hub/index.ts';
import { ask, next, roundOneStarted, sendUpdate, teardown, tempDir } from './hub-helpers.ts';

/** Sends both updates of `round` and then each participant's eval of the unified model. */
async function playRound(jobId: string, round: number, sockets: Socket[], evals: number[]): Promise<void> {
  const unified = sockets.map((s) => next(s, 'round:unified'));
  for (const s of sockets) expect((await sendUpdate(s, jobId, round, round)).ok).toBe(true);
  await Promise.all(unified);
  await Promise.all(
    sockets.map((s, i) => ask(s, 'round:eval', { jobId, round, accuracy: evals[i], loss: 0.5, samples: 6 })),
  );
}

describe('hub: stop criterion (paper step 5)', () => {
  let hub: Hub | null = null;
  const sockets: Socket[] = [];
  const tmp = tempDir();
  afterEach(() => teardown(sockets, hub, tmp));

  it('goes on while one participant is below the target and stops once every participant reaches it', async () => {
    const started = await roundOneStarted(tmp.dir, { rounds: 5, targetAccuracy: 0.75 });
    hub = started.hub;
    const { job, a, b } = started;
    sockets.push(a, b);

    const start2 = next<RoundStart>(a, 'round:start');
    await playRound(job.id, 1, [a, b], [0.7, 0.8]);
    expect((await start2).round).toBe(2);

    const end = next<JobEnd>(a, 'job:end');
    await playRound(job.id, 2, [a, b], [0.8, 0.9]);
    const ended = await end;
    expect(ended.reason).toBe('target-reached');
    expect(ended.finalRound).toBe(2);
    const after = await started.op.request<JobRecord>('GET', `/api/jobs/${job.id}`);
    expect(after.status).toBe('completed');
    expect(after.statusDetail).toContain('target accuracy 0.75 reached');
  });
});
