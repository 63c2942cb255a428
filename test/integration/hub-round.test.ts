import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { decodeWeights, encodeWeights } from '../../core/wire/weights-codec.ts';
import { weightManifest } from '../../core/model/manifest.ts';
import type { RoundStart, RoundUnified, JobRecord, RoundRecord } from '../../core/wire/protocol.ts';
import type { Hub } from '../../hub/index.ts';
import {
  TINY_MODEL,
  ask,
  jobWithInvite,
  next,
  readyParticipant,
  startTestHub,
  tempDir,
  tinyJob,
} from './hub-helpers.ts';

const manifest = weightManifest(TINY_MODEL);
const filled = (v: number) =>
  manifest.map((t) => new Float32Array(t.shape.reduce((a, b) => a * b, 1)).fill(v));
const metrics = {
  loss: 1,
  accuracy: 0.5,
  testLoss: null,
  testAccuracy: null,
  samplesPerSec: 100,
  durationMs: 10,
};

describe('hub: one full round', () => {
  let hub: Hub | null = null;
  const sockets: Socket[] = [];
  const tmp = tempDir();
  afterEach(async () => {
    sockets.forEach((s) => s.disconnect());
    await hub?.close();
    tmp.cleanup();
  });

  it('unifies two honest updates by average and sends the result to both', async () => {
    const started = await startTestHub(tmp.dir);
    hub = started.hub;
    const { job, token } = await jobWithInvite(started.op, tinyJob({ rounds: 1, method: 'avg' }));
    const a = await readyParticipant(hub, token, 'inst-a');
    const startA = next<RoundStart>(a, 'round:start');
    const b = await readyParticipant(hub, token, 'inst-b');
    sockets.push(a, b);
    const startB = next<RoundStart>(b, 'round:start');
    const [sa, sb] = await Promise.all([startA, startB]);
    expect(sa.round).toBe(1);
    expect(decodeWeights(new Uint8Array(sb.weights), manifest)).toHaveLength(2);

    const unifiedA = next<RoundUnified>(a, 'round:unified');
    const ackA = await ask<{ ok: boolean; bytes: number }>(a, 'round:update', {
      jobId: job.id,
      round: 1,
      samples: 10,
      metrics,
      weights: encodeWeights(manifest, filled(1)),
    });
    const ackB = await ask<{ ok: boolean }>(b, 'round:update', {
      jobId: job.id,
      round: 1,
      samples: 30,
      metrics,
      weights: encodeWeights(manifest, filled(3)),
    });
    expect(ackA.ok && ackB.ok).toBe(true);
    const unified = await unifiedA;
    const weights = decodeWeights(new Uint8Array(unified.weights), manifest);
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
});
