import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../core/train/backend.ts';
import { planFromModel } from '../../../../core/train/fast-step.ts';
import { addProximalGradients, proximalLoss } from '../../../../core/train/proximal.ts';
import { trainLocal } from '../../../../core/train/train-loop.ts';
import { bands, tinyModel } from './fixtures/tiny-cnn.ts';

const snapshot = (m: LayersModel) => m.getWeights().map((w) => w.dataSync().slice() as Float32Array);
const restore = (m: LayersModel, ws: Float32Array[]) =>
  m.setWeights(ws.map((w, i) => tf.tensor(w, m.getWeights()[i].shape)));

/** A model the hand-written step does not cover (tanh), so training takes the autodiff path. */
function genericModel(): LayersModel {
  const m = tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [9, 9, 1] }),
      tfl.layers.dense({ units: 4, activation: 'tanh', kernelInitializer: 'glorotUniform' }),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  return m;
}

/** w after `steps` SGD steps from w0 on the same batches, with FedProx μ. */
async function sgd(model: LayersModel, w0: Float32Array[], steps: number, proximalMu?: number) {
  restore(model, w0);
  await trainLocal({
    model,
    data: bands(64, 3),
    steps,
    batchSize: 16,
    learningRate: 0.1,
    optimizer: 'sgd',
    seed: 5,
    ...(proximalMu !== undefined ? { proximalMu } : {}),
  });
  return snapshot(model);
}

describe('FedProx proximal term (Li et al. 2020)', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('adds μ(w − w_global) to the gradient: hand-computed and by finite differences of μ/2‖w − w_global‖²', () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'prox-w');
    const anchor = tf.tensor1d([0.5, 3]);
    const mu = 0.2;
    // μ/2·(0.5² + 1²) = 0.125; gradient μ(w − a) = (0.1, −0.2).
    expect(proximalLoss([w], [anchor], mu).dataSync()[0]).toBeCloseTo(0.125, 6);
    const out = addProximalGradients({ 'prox-w': tf.tensor1d([1, 1]) }, [w], [anchor], mu);
    const g = out['prox-w'].dataSync();
    expect(g[0]).toBeCloseTo(1.1, 6);
    expect(g[1]).toBeCloseTo(0.8, 6);
    const eps = 1e-2;
    for (const i of [0, 1]) {
      const at = (d: number) => {
        const shifted = tf.tensor1d([1, 2].map((v, j) => (j === i ? v + d : v)));
        const value = proximalLoss([shifted], [anchor], mu).dataSync()[0];
        shifted.dispose();
        return value;
      };
      expect((at(eps) - at(-eps)) / (2 * eps)).toBeCloseTo(g[i] - 1, 4);
    }
    tf.dispose([w, anchor, out['prox-w']]);
  });

  it('μ = 0 trains exactly as without the option', async () => {
    const model = tinyModel();
    const w0 = snapshot(model);
    const plain = await sgd(model, w0, 3);
    const zero = await sgd(model, w0, 3, 0);
    expect(zero).toEqual(plain);
    model.dispose();
  });

  for (const [path, make] of [
    ['hand-written step', tinyModel],
    ['autodiff (generic) step', genericModel],
  ] as const) {
    it(`${path}: the second SGD step moves by an extra −lr·μ·(w₁ − w₀)`, async () => {
      const model = make();
      expect(planFromModel(model) === null).toBe(path.startsWith('autodiff'));
      const w0 = snapshot(model);
      const mu = 0.5;
      // Step 1 is the same with and without μ (w = w₀ there), so w₁ is shared.
      const w1 = await sgd(model, w0, 1);
      const w2 = await sgd(model, w0, 2);
      const w2prox = await sgd(model, w0, 2, mu);
      let moved = 0;
      for (let t = 0; t < w0.length; t++) {
        for (let i = 0; i < w0[t].length; i++) {
          const expected = w2[t][i] - 0.1 * mu * (w1[t][i] - w0[t][i]);
          expect(Math.abs(w2prox[t][i] - expected)).toBeLessThan(1e-6);
          moved = Math.max(moved, Math.abs(w2prox[t][i] - w2[t][i]));
        }
      }
      expect(moved).toBeGreaterThan(1e-5);
      model.dispose();
    });
  }

  it('refuses a negative or non-finite μ', async () => {
    const model = tinyModel();
    const opts = {
      model,
      data: bands(16, 1),
      steps: 1,
      batchSize: 8,
      learningRate: 0.1,
      optimizer: 'sgd' as const,
      seed: 1,
    };
    await expect(trainLocal({ ...opts, proximalMu: -1 })).rejects.toThrow(/proximalMu must be a number ≥ 0/);
    await expect(trainLocal({ ...opts, proximalMu: NaN })).rejects.toThrow(/proximalMu/);
    model.dispose();
  });
});
