import { afterAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { decodeWeights, encodeWeights } from '../../core/wire/weights-codec.ts';
import type { JobRecord, RoundStart, RoundUnified } from '../../core/wire/protocol.ts';
import { startHub } from '../../hub/index.ts';
import { OperatorClient } from '../../cli/operator-client.ts';
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

describe('hub: restart', () => {
  const tmp = tempDir();
  const sockets: Socket[] = [];
  afterAll(() => teardown(sockets, null, tmp));

  it('resumes a running job at its round with the stored update and the current global weights', async () => {
    const first = await startTestHub(tmp.dir);
    const password = first.hub.operator.password as string;
    const { job, token } = await jobWithInvite(first.op, tinyJob({ rounds: 3 }));
    const a = await readyParticipant(first.hub, token, 'keep-a');
    const startA = next<RoundStart>(a, 'round:start');
    const tokenB = await inviteToken(first.op, job.id, 'Org B');
    const b = await readyParticipant(first.hub, tokenB, 'keep-b');
    sockets.push(a, b);
    const r1 = { jobId: job.id, round: 1, samples: 10, metrics: UPDATE_METRICS };
    await startA;
    const unified1 = next<RoundUnified>(b, 'round:unified');
    await ask(a, 'round:update', { ...r1, weights: encodeWeights(TINY_MANIFEST, filled(1)) });
    await ask(b, 'round:update', { ...r1, weights: encodeWeights(TINY_MANIFEST, filled(3)) });
    await unified1;
    const start2 = next<RoundStart>(a, 'round:start');
    await ask(a, 'round:eval', { jobId: job.id, round: 1, accuracy: 0.5, loss: 1, samples: 6 });
    await ask(b, 'round:eval', { jobId: job.id, round: 1, accuracy: 0.5, loss: 1, samples: 6 });
    expect((await start2).round).toBe(2);
    await ask(a, 'round:update', { ...r1, round: 2, weights: encodeWeights(TINY_MANIFEST, filled(5)) });
    a.disconnect();
    b.disconnect();
    await first.hub.close();

    const hub = await startHub({ dataDir: tmp.dir, port: 0, quiet: true });
    try {
      expect(hub.operator.password).toBeUndefined();
      expect(hub.fingerprint).toBe(first.hub.fingerprint);
      const op = await OperatorClient.connect({
        url: hub.url,
        fingerprint: hub.fingerprint,
        username: 'admin',
        password,
      });
      expect((await op.request<JobRecord>('GET', `/api/jobs/${job.id}`)).currentRound).toBe(2);
      const b2 = await readyParticipant(hub, tokenB, 'keep-b');
      sockets.push(b2);
      const restart = await next<RoundStart>(b2, 'round:start');
      expect(restart.round).toBe(2);
      // The global model after round 1 was the average of 1 and 3.
      expect(decodeWeights(new Uint8Array(restart.weights), TINY_MANIFEST)[0][0]).toBe(2);
      const unified2 = next<RoundUnified>(b2, 'round:unified');
      await ask(b2, 'round:update', { ...r1, round: 2, weights: encodeWeights(TINY_MANIFEST, filled(7)) });
      const w = decodeWeights(new Uint8Array((await unified2).weights), TINY_MANIFEST);
      expect(w[1][0]).toBe(6);
    } finally {
      await hub.close();
    }
  });
});
