/** Evaluation of a model on a labelled dataset: accuracy, loss, per-class accuracy, confusion matrix. */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/types.ts';
import { checkDataset, gatherBatch, sparseCrossEntropy } from './batches.ts';

/** The metrics of one evaluation; confusion[trueClass][predictedClass] counts samples. */
export interface EvalMetrics {
  accuracy: number;
  loss: number;
  perClassAccuracy: number[];
  confusion: number[][];
}

/** Evaluates `model` on all of `data` in batches (inference mode: no dropout). Empty data gives NaN metrics. */
export async function evaluate(model: LayersModel, data: Dataset, batchSize = 256): Promise<EvalMetrics> {
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new Error(`evaluate: batchSize must be a positive integer, got ${batchSize}`);
  const n = checkDataset(data);
  const k = data.numClasses;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let lossSum = 0;
  for (let from = 0; from < n; from += batchSize) {
    const to = Math.min(from + batchSize, n);
    const { xs, ys } = gatherBatch(data, null, from, to);
    const [loss, predicted] = tf.tidy(() => {
      const probs = model.predict(xs) as tf.Tensor;
      return [sparseCrossEntropy(probs, ys, k), tf.argMax(probs, 1)];
    });
    lossSum += (await loss.data())[0] * (to - from);
    const pred = await predicted.data();
    tf.dispose([xs, ys, loss, predicted]);
    for (let i = 0; i < to - from; i++) {
      const truth = data.labels[from + i];
      if (truth < 0 || truth >= k)
        throw new Error(`evaluate: label ${truth} at sample ${from + i} is outside 0..${k - 1}`);
      confusion[truth][pred[i]]++;
    }
    // Keep the event loop responsive between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const correct = confusion.reduce((s, row, i) => s + row[i], 0);
  const perClassAccuracy = confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? NaN : row[i] / total;
  });
  return { accuracy: correct / n, loss: lossSum / n, perClassAccuracy, confusion };
}
