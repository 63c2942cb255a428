/**
 * trainLocal's loop with the step on a GPU engine page: the same seeded batches, progress,
 * cancellation and divergence check, but each batch goes to the page and only its loss and hit
 * count come back; the weights go in once before and come out once after.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/types.ts';
import { getWeights, setWeights } from '../model/build.ts';
import { deriveSeed, seededPermutation } from '../model/random.ts';
import type { ModelSpec } from '../model/spec.ts';
import { checkDataset, gatherArrays } from './batches.ts';
import type { GpuEngineClient } from './gpu-client.ts';
import {
  batchPlan,
  TrainingAbortedError,
  type TrainLocalOptions,
  type TrainLocalResult,
} from './train-loop.ts';

/** What trainRemote needs: trainLocal's options (no threads or schedule) plus the page and the spec. */
export type TrainRemoteOptions = Omit<
  TrainLocalOptions,
  'threads' | 'pool' | 'lrSchedule' | 'scheduleSpan'
> & {
  client: GpuEngineClient;
  spec: ModelSpec;
};

/** Trains `model` (its weights are copied in and out) on the engine page; same result shape as trainLocal. */
export async function trainRemote(opts: TrainRemoteOptions): Promise<TrainLocalResult> {
  const data: Dataset = opts.data;
  const n = checkDataset(data);
  if (n === 0) throw new Error(`trainRemote: dataset '${data.source}' is empty`);
  const epochs = opts.epochs ?? 1;
  const samplesTotal = opts.steps !== undefined ? opts.steps * opts.batchSize : epochs * n;
  const epochsTotal = opts.steps !== undefined ? Math.ceil(samplesTotal / n) : epochs;
  await opts.client.request({
    type: 'load',
    spec: opts.spec,
    weights: getWeights(opts.model as LayersModel),
    optimizer: opts.optimizer,
    learningRate: opts.learningRate,
  });
  let perm: Int32Array | null = null;
  let permEpoch = -1;
  let samplesDone = 0;
  let lossSum = 0;
  let correct = 0;
  const start = performance.now();
  for (const [epoch, from, to] of batchPlan(n, opts.batchSize, epochs, opts.steps)) {
    if (opts.signal?.aborted) throw new TrainingAbortedError(samplesDone);
    if (epoch !== permEpoch) {
      perm = seededPermutation(n, deriveSeed(opts.seed, epoch));
      permEpoch = epoch;
    }
    const { images, labels } = gatherArrays(data, perm, from, to);
    const seed = deriveSeed(opts.seed, 1_000_000 + samplesDone);
    const r = await opts.client.request({
      type: 'train',
      images,
      labels,
      learningRate: opts.learningRate,
      seed,
    });
    if (!Number.isFinite(r.loss))
      throw new Error(
        `training diverged: loss is ${r.loss} at sample ${samplesDone}; lower the learning rate`,
      );
    const b = to - from;
    samplesDone += b;
    lossSum += r.loss * b;
    correct += r.correct;
    const samplesPerSec = samplesDone / Math.max((performance.now() - start) / 1000, 1e-9);
    opts.onProgress?.({
      epoch: epoch + 1,
      epochs: epochsTotal,
      samplesDone,
      samplesTotal,
      loss: lossSum / samplesDone,
      accuracy: correct / samplesDone,
      samplesPerSec,
      etaSec: Math.max(samplesTotal - samplesDone, 0) / samplesPerSec,
    });
  }
  const { weights } = await opts.client.request({ type: 'weights' });
  setWeights(opts.model, weights);
  const durationMs = performance.now() - start;
  return {
    loss: lossSum / samplesDone,
    accuracy: correct / samplesDone,
    samples: samplesDone,
    samplesPerSec: samplesDone / (durationMs / 1000),
    durationMs,
  };
}
