/**
 * Local training and evaluation of a tfjs model on a Dataset, one batch at a time, yielding to the
 * event loop between batches so socket.io heartbeats and acknowledgements keep flowing.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/types.ts';
import { shuffledIndices } from '../data/partition.ts';
import type { EvalResult, TrainOptions, TrainResult } from './types.ts';

const EVAL_BATCH = 500;

function batchTensors(ds: Dataset, idx: ArrayLike<number>): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const [h, w, c] = ds.shape;
  const size = h * w * c;
  const images = new Float32Array(idx.length * size);
  const labels = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    images.set(ds.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = ds.labels[j];
  }
  return tf.tidy(() => ({
    x: tf.tensor4d(images, [idx.length, h, w, c]),
    y: tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), ds.numClasses), 'float32') as tf.Tensor2D,
  }));
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Trains for the job's epochs (or steps), reporting progress; the optimizer is fresh each round. */
export async function trainModel(model: tfl.LayersModel, opts: TrainOptions): Promise<TrainResult> {
  const n = opts.data.labels.length;
  const batchesPerEpoch = Math.ceil(n / opts.batchSize);
  const totalBatches = opts.steps ?? Math.max(1, Math.round(opts.epochs * batchesPerEpoch));
  const epochs = Math.ceil(totalBatches / batchesPerEpoch);
  const optimizer =
    opts.optimizer === 'sgd' ? tf.train.sgd(opts.learningRate) : tf.train.adam(opts.learningRate);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const started = performance.now();
  let done = 0;
  let lossSum = 0;
  let accSum = 0;
  let counted = 0;
  let order = shuffledIndices(n, opts.seed);
  for (let b = 0; b < totalBatches; b++) {
    if (opts.signal.aborted) throw new DOMException('aborted', 'AbortError');
    const epoch = Math.floor(b / batchesPerEpoch);
    const inEpoch = b % batchesPerEpoch;
    if (inEpoch === 0 && b > 0) order = shuffledIndices(n, opts.seed * 7919 + epoch);
    const idx = order.subarray(inEpoch * opts.batchSize, Math.min(n, (inEpoch + 1) * opts.batchSize));
    const { x, y } = batchTensors(opts.data, idx);
    const res = (await model.trainOnBatch(x, y)) as number[];
    tf.dispose([x, y]);
    done += idx.length;
    // The last epoch's running metrics are the round's local accuracy (what Keras prints).
    if (epoch === epochs - 1 || b >= totalBatches - batchesPerEpoch) {
      lossSum += res[0] * idx.length;
      accSum += res[1] * idx.length;
      counted += idx.length;
    }
    const secs = (performance.now() - started) / 1000;
    const rate = done / Math.max(secs, 1e-6);
    const total = totalBatches * opts.batchSize;
    opts.onProgress({
      epoch: epoch + 1,
      epochs,
      samplesDone: done,
      samplesTotal: Math.min(total, n * epochs),
      loss: res[0],
      accuracy: res[1],
      samplesPerSec: rate,
      etaSec: (Math.min(total, n * epochs) - done) / rate,
    });
    await yieldToLoop();
  }
  optimizer.dispose();
  const durationMs = performance.now() - started;
  return {
    loss: lossSum / Math.max(counted, 1),
    accuracy: accSum / Math.max(counted, 1),
    samples: n,
    samplesPerSec: done / Math.max(durationMs / 1000, 1e-6),
    durationMs,
  };
}

/** Accuracy and mean cross-entropy of the model on a dataset, in batches. */
export async function evaluateModel(model: tfl.LayersModel, data: Dataset): Promise<EvalResult> {
  const n = data.labels.length;
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < n; start += EVAL_BATCH) {
    const idx = Int32Array.from({ length: Math.min(EVAL_BATCH, n - start) }, (_, i) => start + i);
    const { x, y } = batchTensors(data, idx);
    const [c, l] = tf.tidy(() => {
      const p = model.predict(x) as tf.Tensor2D;
      const hits = tf.sum(tf.equal(tf.argMax(p, 1), tf.argMax(y, 1)));
      const loss = tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, 1e-7, 1)))));
      return [hits.dataSync()[0], loss.dataSync()[0]];
    });
    tf.dispose([x, y]);
    correct += c;
    lossSum += l;
    await yieldToLoop();
  }
  return { accuracy: n ? correct / n : 0, loss: n ? lossSum / n : 0, samples: n };
}
