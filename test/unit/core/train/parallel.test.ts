import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../core/train/backend.ts';
import { evaluate } from '../../../../core/train/evaluate.ts';
import { fastStep, planFromModel } from '../../../../core/train/fast-step.ts';
import {
  createTrainPool,
  parallelGradients,
  sliceSizes,
  type TrainPool,
} from '../../../../core/train/parallel.ts';
import { trainLocal } from '../../../../core/train/train-loop.ts';
import { bands, tinyModel } from './fixtures/tiny-cnn.ts';

describe('data-parallel training on wasm', () => {
  let pool: TrainPool;
  beforeAll(async () => {
    await selectBackend('wasm');
    pool = await createTrainPool(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  it('splits a batch into near-equal slices that add up', () => {
    expect(sliceSizes(64, 2)).toEqual([32, 32]);
    expect(sliceSizes(7, 3)).toEqual([3, 2, 2]);
    expect(sliceSizes(1, 2)).toEqual([1, 0]);
  });

  it("a worker's memory stays the same from step to step when every step sends new weights", async () => {
    const model = tinyModel(3);
    const plan = planFromModel(model)!;
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    pool.setPlan(plan, vars, 3);
    const data = bands(8, 9);
    const bytes: number[] = [];
    for (let step = 0; step < 6; step++) {
      const weights = vars.map((v) =>
        Float32Array.from(v.dataSync() as Float32Array, (x) => x + step * 1e-3),
      );
      const out = await pool.request(0, {
        weights,
        images: data.images,
        labels: data.labels,
        shape: [8, 9, 9, 1],
        seed: step,
      });
      bytes.push(out.bytes ?? -1);
    }
    expect(bytes[1]).toBeGreaterThan(0);
    expect(bytes.slice(2)).toEqual(Array(4).fill(bytes[1]));
  });

  it('the size-weighted average of 2 slice gradients equals the full-batch gradient', async () => {
    const model = tinyModel(3);
    const plan = planFromModel(model)!;
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    // An odd batch: slices of 7 and 6 must be weighted by size, not averaged equally.
    const data = bands(13, 9);
    pool.setPlan(plan, vars, 3);
    const par = await parallelGradients(
      pool,
      plan,
      vars,
      { images: data.images, labels: data.labels, shape: [9, 9, 1] },
      3,
      1,
      true,
    );
    const xs = tf.tensor4d(data.images, [13, 9, 9, 1]);
    const ys = tf.tensor1d(data.labels, 'int32');
    const full = fastStep(plan, xs, ys, 3, 1);
    expect(par.loss).toBeCloseTo(full.loss.dataSync()[0], 5);
    expect(par.correct).toBe(full.correct.dataSync()[0]);
    for (const v of vars) {
      const scale = tf.max(tf.abs(full.grads[v.name])).dataSync()[0];
      const diff = tf.max(tf.abs(tf.sub(par.grads[v.name], full.grads[v.name]))).dataSync()[0];
      expect(scale, v.name).toBeGreaterThan(0);
      expect(diff, v.name).toBeLessThan(1e-5 + 1e-4 * scale);
    }
    tf.dispose([xs, ys, full.loss, full.correct, ...Object.values(full.grads), ...Object.values(par.grads)]);
    model.dispose();
  });

  it('a 2-thread run lowers the loss on a few hundred samples, with its own workers', async () => {
    const model = tinyModel();
    const data = bands(300, 3);
    const before = await evaluate(model, data);
    const result = await trainLocal({
      model,
      data,
      epochs: 3,
      batchSize: 32,
      learningRate: 0.01,
      optimizer: 'adam',
      seed: 1,
      threads: 2,
    });
    const after = await evaluate(model, data);
    expect(after.loss).toBeLessThan(before.loss * 0.5);
    expect(after.accuracy).toBeGreaterThan(0.9);
    expect(result.samples).toBe(900);
    model.dispose();
  });

  it('matches single-threaded SGD training up to float rounding', async () => {
    const weights: Float32Array[][] = [];
    for (const threads of [1, 2]) {
      const model = tinyModel(5);
      const opts = { data: bands(96, 4), steps: 4, batchSize: 24, learningRate: 0.05, seed: 2 };
      await trainLocal({ ...opts, model, optimizer: 'sgd', threads });
      weights.push(model.getWeights().map((w) => w.dataSync() as Float32Array));
      model.dispose();
    }
    weights[0].forEach((w, i) => {
      const maxDiff = w.reduce((m, x, j) => Math.max(m, Math.abs(x - weights[1][i][j])), 0);
      expect(maxDiff).toBeLessThan(1e-4);
    });
  });

  it('a worker that cannot start is a clear error', async () => {
    await expect(createTrainPool(2, 'no-such-backend')).rejects.toThrow(
      /training worker 1 failed: unknown backend 'no-such-backend'/,
    );
  });

  it('rejects bad thread counts', async () => {
    await expect(createTrainPool(0)).rejects.toThrow(/positive integer/);
    const model = tinyModel();
    await expect(
      trainLocal({
        model,
        data: bands(8, 1),
        steps: 1,
        batchSize: 4,
        learningRate: 0.01,
        optimizer: 'sgd',
        seed: 1,
        threads: 1.5,
      }),
    ).rejects.toThrow(/threads must be a positive integer/);
    model.dispose();
  });

  it('leaves no worker running: a process that trained with 2 threads exits on its own', () => {
    const script = fileURLToPath(new URL('./fixtures/parallel-exit.ts', import.meta.url));
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(child.error, 'the process did not exit within 20 s: a worker kept it alive').toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toContain('samples 24');
  });
});
