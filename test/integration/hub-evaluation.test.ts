import { afterAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { encodeWeights } from '../../core/wire/weights-codec.ts';
import { weightManifest } from '../../core/model/manifest.ts';
import type { RoundRecord, RoundStart, RoundUnified } from '../../core/wire/protocol.ts';
import type { Hub } from '../../hub/index.ts';
import {
  UPDATE_METRICS,
  ask,
  jobWithInvite,
  next,
  startTestHub,
  teardown,
  tempDir,
  connectRaw,
  outcome,
  inviteToken,
} from './hub-helpers.ts';

// Softmax regression on Fashion-MNIST: small enough to evaluate quickly in the hub's worker.
const MODEL = {
  name: 'softmax',
  inputShape: [28, 28, 1] as [number, number, number],
  numClasses: 10,
  layers: [
    { type: 'flatten' as const },
    { type: 'dense' as const, units: 10, activation: 'softmax' as const },
  ],
};
const manifest = weightManifest(MODEL);
const ready = {
  dataset: { inputShape: [28, 28, 1], numClasses: 10, classCounts: [], trainSamples: 10, testSamples: 0 },
  backend: { backend: 'cpu', device: 'test', notes: [] },
};

/** Weights whose kernel favours class `k` for every image, so their accuracies differ by method. */
function favouring(k: number): Float32Array[] {
  const [kernel, bias] = manifest.map((t) => new Float32Array(t.shape.reduce((a, b) => a * b, 1)));
  for (let i = 0; i < 784; i++) kernel[i * 10 + k] = 0.01 * ((i % 7) - 3);
  bias[k] = 1;
  return [kernel, bias];
}

describe('hub: evaluation on its own test set', () => {
  const tmp = tempDir();
  let hub: Hub | null = null;
  const sockets: Socket[] = [];
  afterAll(() => teardown(sockets, hub, tmp));

  it('scores the job method and each comparison method in a worker thread', async () => {
    const started = await startTestHub(tmp.dir);
    hub = started.hub;
    const { job, token } = await jobWithInvite(started.op, {
      name: 'eval',
      model: MODEL,
      rounds: 1,
      compareMethods: ['avg', 'max', 'absmax'],
      hubEvaluation: { data: 'fashion-mnist', limit: 300 },
    });
    const clients: Socket[] = [];
    for (const id of ['e-a', 'e-b']) {
      const t = id === 'e-a' ? token : await inviteToken(started.op, job.id, 'Org B');
      const s = await connectRaw(hub, { token: t, instanceId: id });
      sockets.push(s);
      await outcome(s);
      clients.push(s);
    }
    const starts = clients.map((s) => next<RoundStart>(s, 'round:start'));
    for (const s of clients) expect((await ask(s, 'participant:ready', ready)).ok).toBe(true);
    await Promise.all(starts);
    const unified = next<RoundUnified>(clients[0], 'round:unified', 90_000);
    for (const [i, s] of clients.entries()) {
      await ask(s, 'round:update', {
        jobId: job.id,
        round: 1,
        samples: 10,
        metrics: UPDATE_METRICS,
        weights: encodeWeights(manifest, favouring(i)),
      });
    }
    const result = await unified;
    // The weights go out at once; the hub scores them in the background (round record, later).
    expect(result.hubAccuracy).toBeNull();
    let round: RoundRecord | undefined;
    for (let i = 0; i < 900 && !(round?.evalMs !== null && round?.evalMs !== undefined); i++) {
      [round] = await started.op.request<RoundRecord[]>('GET', `/api/jobs/${job.id}/rounds`);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!round) throw new Error('no round record');
    expect(round.hubAccuracy).toBeGreaterThan(0);
    expect(round.hubAccuracy).toBeLessThan(1);
    expect(round.methods.map((m) => m.method)).toEqual(['avg', 'max', 'absmax']);
    expect(round.methods.every((m) => typeof m.hubAccuracy === 'number')).toBe(true);
    console.log(
      'hub accuracy by method:',
      round.methods.map((m) => `${m.method} ${m.hubAccuracy}`).join(', '),
    );
  });
});
