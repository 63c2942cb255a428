import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../core/train/backend.ts';
import { sparseCrossEntropy } from '../../../../core/train/batches.ts';
import { evaluate } from '../../../../core/train/evaluate.ts';
import { fastStep, planFromModel } from '../../../../core/train/fast-step.ts';
import { trainLocal } from '../../../../core/train/train-loop.ts';
import { bands, tinyModel } from './fixtures/tiny-cnn.ts';

describe('training on wasm', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('the hand-written step gives the same loss and gradients as autodiff through the layers API', () => {
    const model = tinyModel();
    const plan = planFromModel(model);
    expect(plan).not.toBeNull();
    const data = bands(12, 2);
    const xs = tf.tensor4d(data.images, [12, 9, 9, 1]);
    const ys = tf.tensor1d(data.labels, 'int32');
    const fast = fastStep(plan!, xs, ys, 3, 1);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const auto = tf.variableGrads(() => sparseCrossEntropy(model.apply(xs) as tf.Tensor, ys, 3), vars);
    expect(fast.loss.dataSync()[0]).toBeCloseTo(auto.value.dataSync()[0], 5);
    for (const v of vars) {
      const diff = tf.max(tf.abs(tf.sub(fast.grads[v.name], auto.grads[v.name]))).dataSync()[0];
      expect(diff, v.name).toBeLessThan(1e-5);
    }
    tf.dispose([
      xs,
      ys,
      fast.loss,
      fast.correct,
      auto.value,
      ...Object.values(fast.grads),
      ...Object.values(auto.grads),
    ]);
    model.dispose();
  });

  it('lowers the loss on a few hundred samples and reports progress', async () => {
    const model = tinyModel();
    const data = bands(300, 3);
    const before = await evaluate(model, data);
    const progress: number[] = [];
    const result = await trainLocal({
      model,
      data,
      epochs: 3,
      batchSize: 32,
      learningRate: 0.01,
      optimizer: 'adam',
      seed: 1,
      onProgress: (p) => progress.push(p.samplesDone),
    });
    const after = await evaluate(model, data);
    expect(after.loss).toBeLessThan(before.loss * 0.5);
    expect(after.accuracy).toBeGreaterThan(0.9);
    expect(result.samples).toBe(900);
    expect(progress[progress.length - 1]).toBe(900);
    model.dispose();
  });

  it('is deterministic for a seed', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const model = tinyModel();
      const r = await trainLocal({
        model,
        data: bands(64, 4),
        steps: 3,
        batchSize: 16,
        learningRate: 0.01,
        optimizer: 'sgd',
        seed: 7,
      });
      runs.push(r.loss);
      model.dispose();
    }
    expect(runs[0]).toBe(runs[1]);
  });

  it('keeps the number of tensors flat across batches', async () => {
    const model = tinyModel();
    const data = bands(64, 5);
    const opts = { model, data, batchSize: 16, learningRate: 0.01, optimizer: 'adam' as const, seed: 1 };
    await trainLocal({ ...opts, steps: 1 });
    const before = tf.memory().numTensors;
    await trainLocal({ ...opts, steps: 8 });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('applies the learning-rate schedule to every optimizer (a last-step rate of ~0 barely moves the weights)', async () => {
    for (const optimizer of ['adam', 'sgd'] as const) {
      const moved: number[] = [];
      for (const lrSchedule of ['constant', 'cosine'] as const) {
        const model = tinyModel();
        const before = model.getWeights().map((w) => w.dataSync().slice());
        await trainLocal({
          model,
          data: bands(32, 9),
          steps: 1,
          batchSize: 16,
          learningRate: 0.05,
          optimizer,
          seed: 1,
          lrSchedule,
          // The last step of a 1000-step cosine run: rate ≈ 0.05 × 2.5e-6.
          scheduleSpan: { startStep: 999, totalSteps: 1000 },
        });
        const after = model.getWeights().map((w) => w.dataSync());
        moved.push(
          Math.max(...after.map((a, i) => Math.max(...a.map((v, j) => Math.abs(v - before[i][j]))))),
        );
        model.dispose();
      }
      expect(moved[0], optimizer).toBeGreaterThan(1e-3);
      expect(moved[1], optimizer).toBeLessThan(moved[0] * 1e-3);
    }
  });

  it('stops with an AbortError when the signal aborts', async () => {
    const model = tinyModel();
    const controller = new AbortController();
    const run = trainLocal({
      model,
      data: bands(300, 6),
      epochs: 5,
      batchSize: 8,
      learningRate: 0.01,
      optimizer: 'adam',
      seed: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.samplesDone >= 16) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({
      name: 'AbortError',
      message: expect.stringMatching(/cancelled after 16 samples/),
    });
    model.dispose();
  });

  it('rejects bad options with a clear message', async () => {
    const model = tinyModel();
    const base = {
      model,
      data: bands(8, 1),
      batchSize: 4,
      learningRate: 0.01,
      optimizer: 'adam' as const,
      seed: 1,
    };
    await expect(trainLocal({ ...base, batchSize: 0 })).rejects.toThrow(
      /batchSize must be a positive integer/,
    );
    await expect(trainLocal({ ...base, learningRate: -1 })).rejects.toThrow(
      /learningRate must be a positive number/,
    );
    await expect(
      trainLocal({ ...base, lrSchedule: 'cosine', scheduleSpan: { startStep: -1, totalSteps: 10 } }),
    ).rejects.toThrow(/scheduleSpan needs an integer startStep ≥ 0 and totalSteps ≥ 1/);
    const wrongShape = { ...bands(8, 1), shape: [3, 27, 1] as [number, number, number] };
    await expect(trainLocal({ ...base, data: wrongShape })).rejects.toThrow(
      /model takes \[9,9,1\] images but the data has \[3,27,1\]/,
    );
    model.dispose();
  });

  it('evaluate returns a confusion matrix consistent with the accuracy', async () => {
    const model = tinyModel();
    const data = bands(50, 8);
    const m = await evaluate(model, data, 16);
    const total = m.confusion.flat().reduce((a, b) => a + b, 0);
    const diagonal = m.confusion.reduce((s, row, i) => s + row[i], 0);
    expect(total).toBe(50);
    expect(m.accuracy).toBeCloseTo(diagonal / 50, 10);
    expect(m.perClassAccuracy).toHaveLength(3);
    model.dispose();
  });
});
