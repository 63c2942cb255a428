import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import type { RoundUnified } from '../../core/wire/protocol.ts';
import type { Hub } from '../../hub/index.ts';
import { next, roundOneStarted, sendUpdate, teardown, tempDir } from './hub-helpers.ts';

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Loads a model.json from disk the way a loader does: its weights file resolved beside it. */
async function loadFromDisk(dir: string, modelFile: string) {
  const modelJson = JSON.parse(readFileSync(join(dir, modelFile), 'utf8')) as ModelJson;
  const [group] = modelJson.weightsManifest;
  const bin = readFileSync(join(dir, group.paths[0]));
  return loadLayersModel({
    load: async () => ({
      modelTopology: modelJson.modelTopology,
      weightSpecs: group.weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  });
}

describe('hub: model downloads load from disk as downloaded', () => {
  let hub: Hub | null = null;
  const sockets: Socket[] = [];
  const tmp = tempDir();
  const out = mkdtempSync(join(tmpdir(), 'fedunify-dl-'));
  afterEach(async () => {
    await teardown(sockets, hub, tmp);
    rmSync(out, { recursive: true, force: true });
  });

  it('names the weights file in model.json as it is served and saved, for the final model and a round', async () => {
    await tf.setBackend('cpu');
    const started = await roundOneStarted(tmp.dir, { rounds: 1 });
    hub = started.hub;
    const { job, a, b } = started;
    sockets.push(a, b);
    const unified = next<RoundUnified>(a, 'round:unified');
    for (const s of [a, b]) expect((await sendUpdate(s, job.id, 1, 0.5)).ok).toBe(true);
    await unified;

    const base = `/api/jobs/${job.id}/model`;
    // As the console saves them: model.json + weights.bin, and round-1-model.json + round-1-weights.bin.
    const finalJson = await started.op.request<ModelJson>('GET', `${base}/model.json`);
    const roundJson = await started.op.request<ModelJson>('GET', `${base}/model.json?round=1`);
    expect(finalJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(roundJson.weightsManifest[0].paths).toEqual(['round-1-weights.bin']);
    writeFileSync(join(out, 'model.json'), JSON.stringify(finalJson));
    writeFileSync(join(out, 'weights.bin'), await started.op.getBytes(`${base}/weights.bin`));
    writeFileSync(join(out, 'round-1-model.json'), JSON.stringify(roundJson));
    const byRoute = await started.op.getBytes(`${base}/round-1-weights.bin`);
    expect(
      Buffer.from(byRoute).equals(Buffer.from(await started.op.getBytes(`${base}/weights.bin?round=1`))),
    ).toBe(true);
    writeFileSync(join(out, 'round-1-weights.bin'), byRoute);

    for (const file of ['model.json', 'round-1-model.json']) {
      const model = await loadFromDisk(out, file);
      const kernel = model.getWeights()[0].dataSync();
      expect(Array.from(kernel).every((v) => Math.abs(v - 0.5) < 1e-6)).toBe(true);
      model.dispose();
    }
  });
});
