import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { decodeWeights, encodeWeights } from '../../core/wire/weights-codec.ts';
import type { RoundStart, RoundUnified, JobRecord, RoundRecord } from '../../core/wire/protocol.ts';
import type { Hub } from '../../hub/index.ts';
import {
  TINY_MANIFEST,
  UPDATE_METRICS,
  ask,
  jobWithInvite,
  next,
  readyParticipant,
  startTestHub,
  teardown,
  tempDir,
  tinyJob,
  filled,
  inviteToken,
} from './hub-helpers.ts';

describe('hub: one full round', () => {
  let hub: Hub | null = null;
  const sockets: Socket[] = [];
  const tmp = tempDir();
  afterEach(() => teardown(sockets, hub, tmp));

  it('unifies two honest updates by average and sends the result to both', async () => {
    const started = await startTestHub(tmp.dir);
    hub = started.hub;
    const { job, token } = await jobWithInvite(started.op, tinyJob({ rounds: 1, method: 'avg' }));
    const a = await readyParticipant(hub, token, 'inst-a');
    const startA = next<RoundStart>(a, 'round:start');
    const b = await readyParticipant(hub, await inviteToken(started.op, job.id, 'Org B'), 'inst-b');
    sockets.push(a, b);
    const startB = next<RoundStart>(b, 'round:start');
    const [sa, sb] = await Promise.all([startA, startB]);
    expect(sa.round).toBe(1);
    expect(decodeWeights(new Uint8Array(sb.weights), TINY_MANIFEST)).toHaveLength(2);

    const unifiedA = next<RoundUnified>(a, 'round:unified');
    const ackA = await ask<{ ok: boolean; bytes: number }>(a, 'round:update', {
      jobId: job.id,
      round: 1,
      samples: 10,
      metrics: UPDATE_METRICS,
      weights: encodeWeights(TINY_MANIFEST, filled(1)),
    });
    const ackB = await ask<{ ok: boolean }>(b, 'round:update', {
      jobId: job.id,
      round: 1,
      samples: 30,
      metrics: UPDATE_METRICS,
      weights: encodeWeights(TINY_MANIFEST, filled(3)),
    });
    expect(ackA.ok && ackB.ok).toBe(true);
    const unified = await unifiedA;
    const weights = decodeWeights(new Uint8Array(unified.weights), TINY_MANIFEST);
    expect(unified.method).toBe('avg');
    expect(weights.every((t) => t.every((v) => v === 2))).toBe(true);

    const end = next<{ reason: string }>(a, 'job:end');
    await ask(a, 'round:eval', { jobId: job.id, round: 1, accuracy: 0.7, loss: 0.5, samples: 6 });
    await ask(b, 'round:eval', { jobId: job.id, round: 1, accuracy: 0.8, loss: 0.4, samples: 6 });
    expect((await end).reason).toBe('round-limit');
    const after = await started.op.request<JobRecord>('GET', `/api/jobs/${job.id}`);
    expect(after.status).toBe('completed');
    const rounds = await started.op.request<RoundRecord[]>('GET', `/api/jobs/${job.id}/rounds`);
    expect(rounds[0].participants.map((p) => p.unifiedLocalAccuracy).sort()).toEqual([0.7, 0.8]);
  });

  it('waits for the quorum when a participant drops mid-round and takes it back into that round', async () => {
    const started = await startTestHub(tmp.dir);
    hub = started.hub;
    const { job, token } = await jobWithInvite(started.op, tinyJob({ rounds: 1 }));
    const a = await readyParticipant(hub, token, 'q-a');
    const startA = next<RoundStart>(a, 'round:start');
    const tokenB = await inviteToken(started.op, job.id, 'Org B');
    const b = await readyParticipant(hub, tokenB, 'q-b');
    sockets.push(a, b);
    await startA;
    b.disconnect();
    await new Promise((r) => setTimeout(r, 200));
    const waiting = await started.op.request<JobRecord>('GET', `/api/jobs/${job.id}`);
    expect(waiting.statusDetail).toMatch(/round 1 waits: 2 participants needed/);
    const b2 = await readyParticipant(hub, tokenB, 'q-b');
    sockets.push(b2);
    const rejoin = await next<RoundStart>(b2, 'round:start');
    expect(rejoin.round).toBe(1);
    const unified = next<RoundUnified>(a, 'round:unified');
    for (const s of [a, b2]) {
      await ask(s, 'round:update', {
        jobId: job.id,
        round: 1,
        samples: 5,
        metrics: UPDATE_METRICS,
        weights: encodeWeights(TINY_MANIFEST, filled(1)),
      });
    }
    expect((await unified).round).toBe(1);
  });

  it('closes a round at its deadline with the quorum met, without the slow participant', async () => {
    const started = await startTestHub(tmp.dir);
    hub = started.hub;
    const spec = tinyJob({ rounds: 2, minParticipants: 1, roundDeadlineSec: 1 });
    const { job, token } = await jobWithInvite(started.op, spec);
    const a = await readyParticipant(hub, token, 'd-a');
    sockets.push(a);
    await next<RoundStart>(a, 'round:start');
    const slow = await readyParticipant(hub, await inviteToken(started.op, job.id, 'Org Slow'), 'd-slow');
    sockets.push(slow);
    const update = (round: number) => ({
      jobId: job.id,
      round,
      samples: 5,
      metrics: UPDATE_METRICS,
      weights: encodeWeights(TINY_MANIFEST, filled(3)),
    });
    const unified1 = next<RoundUnified>(a, 'round:unified');
    await ask(a, 'round:update', update(1));
    await unified1;
    // Round 2 includes the slow participant, which never answers: the deadline closes it.
    const start2 = next<RoundStart>(slow, 'round:start');
    await ask(a, 'round:eval', { jobId: job.id, round: 1, accuracy: 0.1, loss: 2, samples: 6 });
    expect((await start2).round).toBe(2);
    const unified2 = next<RoundUnified>(a, 'round:unified');
    await ask(a, 'round:update', update(2));
    expect((await unified2).round).toBe(2);
    const rounds = await started.op.request<RoundRecord[]>('GET', `/api/jobs/${job.id}/rounds`);
    expect(rounds[1].participants.map((p) => p.participantId)).toHaveLength(1);
  });
});
