/** The local training loop: seeded shuffling, one optimizer step per batch, progress and cancellation. */
import * as tf from '@tensorflow/tfjs-core';
// The Node build of tfjs-core registers no gradients; tfjs-layers' Node build registers them all.
import '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/types.ts';
import { deriveSeed, seededPermutation } from '../model/random.ts';
import { checkDataset, gatherArrays, gatherBatch, sparseCrossEntropy } from './batches.ts';
import { fastStep, planFromModel } from './fast-step.ts';
import { createTrainPool, parallelGradients, type TrainPool } from './parallel.ts';
import { LR_SCHEDULES, scheduledLearningRate, type LrSchedule } from './lr-schedule.ts';
import { addProximalGradients } from './proximal.ts';

/** Reported after every batch. */
export interface TrainProgress {
  epoch: number;
  epochs: number;
  samplesDone: number;
  samplesTotal: number;
  /** Running mean over this call so far. */
  loss: number;
  accuracy: number;
  samplesPerSec: number;
  etaSec: number;
}

/** What trainLocal needs. `steps` (batches) wins over `epochs` when both are given. */
export interface TrainLocalOptions {
  model: LayersModel;
  data: Dataset;
  epochs?: number;
  steps?: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'adam' | 'sgd';
  seed: number;
  /** How the rate moves over the steps; `learningRate` is the peak. Default 'constant' (the paper's). */
  lrSchedule?: LrSchedule;
  /**
   * Where this call sits in a longer scheduled run split over several calls (e.g. one call per epoch):
   * its first step's index and the run's total steps. Default: this call is the whole run.
   */
  scheduleSpan?: { startStep: number; totalSteps: number };
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
  /**
   * Data-parallel threads in this process (this one included): each computes the gradient of its
   * slice of every batch. Default 1. Participants sharing a machine should keep 1.
   */
  threads?: number;
  /** Workers to reuse across calls (from createTrainPool; the caller closes it); overrides `threads`. */
  pool?: TrainPool;
  /**
   * FedProx μ: adds μ/2‖w − w₀‖² to the loss, w₀ being the weights this call starts from (the
   * round's global model). 0 or absent: plain training, bit for bit. The reported loss is the data loss.
   */
  proximalMu?: number;
}

/** The outcome: mean loss and accuracy over every sample trained on. */
export interface TrainLocalResult {
  loss: number;
  accuracy: number;
  samples: number;
  samplesPerSec: number;
  durationMs: number;
}

/** Thrown when the signal aborts training; `name` is 'AbortError' like DOM aborts. */
export class TrainingAbortedError extends Error {
  constructor(samplesDone: number) {
    super(`training cancelled after ${samplesDone} samples`);
    this.name = 'AbortError';
  }
}

function validate(opts: TrainLocalOptions): void {
  const positiveInt = (v: number | undefined, what: string): void => {
    if (v !== undefined && !(Number.isInteger(v) && v > 0))
      throw new Error(`trainLocal: ${what} must be a positive integer, got ${v}`);
  };
  positiveInt(opts.batchSize, 'batchSize');
  positiveInt(opts.epochs, 'epochs');
  positiveInt(opts.steps, 'steps');
  positiveInt(opts.threads, 'threads');
  if (!(opts.learningRate > 0 && Number.isFinite(opts.learningRate))) {
    throw new Error(`trainLocal: learningRate must be a positive number, got ${opts.learningRate}`);
  }
  if (opts.optimizer !== 'adam' && opts.optimizer !== 'sgd') {
    throw new Error(`trainLocal: optimizer must be 'adam' or 'sgd', got '${String(opts.optimizer)}'`);
  }
  if (opts.lrSchedule !== undefined && !LR_SCHEDULES.includes(opts.lrSchedule)) {
    throw new Error(
      `trainLocal: lrSchedule must be one of ${LR_SCHEDULES.join(', ')}, got '${String(opts.lrSchedule)}'`,
    );
  }
  const span = opts.scheduleSpan;
  if (
    span !== undefined &&
    !(
      Number.isInteger(span.startStep) &&
      span.startStep >= 0 &&
      Number.isInteger(span.totalSteps) &&
      span.totalSteps > 0
    )
  ) {
    throw new Error(
      `trainLocal: scheduleSpan needs an integer startStep ≥ 0 and totalSteps ≥ 1, got ${JSON.stringify(span)}`,
    );
  }
  const mu = opts.proximalMu;
  if (mu !== undefined && !(mu >= 0 && Number.isFinite(mu))) {
    throw new Error(`trainLocal: proximalMu must be a number ≥ 0, got ${mu}`);
  }
  const [h, w, c] = opts.data.shape;
  const input = opts.model.inputs[0].shape;
  if (input[1] !== h || input[2] !== w || input[3] !== c) {
    throw new Error(
      `trainLocal: the model takes [${input.slice(1)}] images but the data has [${opts.data.shape}]`,
    );
  }
}

/** The batches to run: [epoch, from, to] over per-epoch seeded permutations (also used by remote-train.ts). */
export function* batchPlan(
  n: number,
  batchSize: number,
  epochs: number,
  steps: number | undefined,
): Generator<[number, number, number]> {
  let done = 0;
  for (let epoch = 0; steps !== undefined || epoch < epochs; epoch++) {
    for (let from = 0; from < n; from += batchSize) {
      if (steps !== undefined && done === steps) return;
      yield [epoch, from, Math.min(from + batchSize, n)];
      done++;
    }
  }
}

/** Trains `model` in place on `data` and returns mean loss/accuracy and throughput. */
export async function trainLocal(opts: TrainLocalOptions): Promise<TrainLocalResult> {
  validate(opts);
  const n = checkDataset(opts.data);
  if (n === 0) throw new Error(`trainLocal: dataset '${opts.data.source}' is empty`);
  const epochs = opts.epochs ?? 1;
  const samplesTotal = opts.steps !== undefined ? opts.steps * opts.batchSize : epochs * n;
  const epochsTotal = opts.steps !== undefined ? Math.ceil(samplesTotal / n) : epochs;
  const numClasses = opts.data.numClasses;
  const vars = opts.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const adam = opts.optimizer === 'adam' ? tf.train.adam(opts.learningRate) : null;
  const sgd = adam === null ? tf.train.sgd(opts.learningRate) : null;
  const optimizer = (adam ?? sgd) as tf.Optimizer;
  const schedule = opts.lrSchedule ?? 'constant';
  const callSteps = opts.steps ?? epochs * Math.ceil(n / opts.batchSize);
  const span = opts.scheduleSpan ?? { startStep: 0, totalSteps: callSteps };
  let stepIndex = span.startStep;
  const setRate = (lr: number): void => {
    sgd?.setLearningRate(lr);
    // Adam reads its (protected) learningRate field on every applyGradients, so setting it is enough.
    if (adam !== null) (adam as unknown as { learningRate: number }).learningRate = lr;
  };
  const plan = planFromModel(opts.model);
  const threads = opts.pool?.threads ?? opts.threads ?? 1;
  if (threads > 1 && plan === null) {
    optimizer.dispose();
    throw new Error(
      `trainLocal: ${threads} threads need a model the hand-written step covers (conv/pool/flatten/dense/dropout, softmax last); use threads 1`,
    );
  }
  const mu = opts.proximalMu ?? 0;
  // The round's starting point, for FedProx's proximal term.
  const anchor = mu > 0 ? vars.map((v) => tf.keep(tf.clone(v))) : [];
  const applyStep = (dataGrads: Record<string, tf.Tensor>): void => {
    const grads = mu > 0 ? addProximalGradients(dataGrads, vars, anchor, mu) : dataGrads;
    if (schedule !== 'constant') {
      setRate(scheduledLearningRate(schedule, opts.learningRate, stepIndex, span.totalSteps));
    }
    stepIndex++;
    // Gradients are plain tensors keyed by variable name; the typings insist on Variables.
    optimizer.applyGradients(grads as unknown as Record<string, tf.Variable>);
    tf.dispose(Object.values(grads));
  };
  const parallelStep = async (
    pool: TrainPool,
    from: number,
    to: number,
    seed: number,
  ): Promise<{ loss: number; hit: number }> => {
    const batch = { ...gatherArrays(opts.data, perm, from, to), shape: opts.data.shape };
    const out = await parallelGradients(
      pool,
      plan as NonNullable<typeof plan>,
      vars,
      batch,
      numClasses,
      seed,
      true,
    );
    applyStep(out.grads);
    return { loss: out.loss, hit: out.correct };
  };
  const step = async (
    xs: tf.Tensor4D,
    ys: tf.Tensor1D,
    seed: number,
  ): Promise<{ loss: number; hit: number }> => {
    let out: { loss: tf.Scalar; correct: tf.Scalar; grads: Record<string, tf.Tensor> };
    if (plan !== null) {
      out = fastStep(plan, xs, ys, numClasses, seed);
    } else {
      // Generic path: autodiff through the layers API (any layer tfjs supports).
      const holder: { correct?: tf.Scalar } = {};
      const { value, grads } = tf.variableGrads(() => {
        const probs = opts.model.apply(xs, { training: true }) as tf.Tensor;
        holder.correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), ys), 'int32')) as tf.Scalar);
        return sparseCrossEntropy(probs, ys, numClasses);
      }, vars);
      out = { loss: value, correct: holder.correct as tf.Scalar, grads };
    }
    applyStep(out.grads);
    const [loss, hit] = [(await out.loss.data())[0], (await out.correct.data())[0]];
    tf.dispose([out.loss, out.correct]);
    return { loss, hit };
  };
  let perm: Int32Array | null = null;
  let ownPool: TrainPool | null = null;
  let pool: TrainPool | null = opts.pool ?? null;
  let start = performance.now();
  let permEpoch = -1;
  let samplesDone = 0;
  let lossSum = 0;
  let correct = 0;
  try {
    if (pool === null && threads > 1) pool = ownPool = await createTrainPool(threads);
    if (pool !== null) pool.setPlan(plan as NonNullable<typeof plan>, vars, numClasses);
    // Worker start-up (tsx + backend init, about a second) is not counted in the throughput.
    start = performance.now();
    for (const [epoch, from, to] of batchPlan(n, opts.batchSize, epochs, opts.steps)) {
      // Let timers and sockets run (the wasm backend is synchronous), then honour a cancellation.
      await new Promise((resolve) => setImmediate(resolve));
      if (opts.signal?.aborted) throw new TrainingAbortedError(samplesDone);
      if (epoch !== permEpoch) {
        perm = seededPermutation(n, deriveSeed(opts.seed, epoch));
        permEpoch = epoch;
      }
      const seed = deriveSeed(opts.seed, 1_000_000 + samplesDone);
      let result: { loss: number; hit: number };
      if (pool !== null) {
        result = await parallelStep(pool, from, to, seed);
      } else {
        const { xs, ys } = gatherBatch(opts.data, perm, from, to);
        result = await step(xs, ys, seed);
        tf.dispose([xs, ys]);
      }
      const { loss, hit } = result;
      if (!Number.isFinite(loss))
        throw new Error(
          `training diverged: loss is ${loss} at sample ${samplesDone}; lower the learning rate`,
        );
      const b = to - from;
      samplesDone += b;
      lossSum += loss * b;
      correct += hit;
      const elapsed = (performance.now() - start) / 1000;
      const samplesPerSec = samplesDone / Math.max(elapsed, 1e-9);
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
  } finally {
    optimizer.dispose();
    tf.dispose(anchor);
    await ownPool?.close();
  }
  const durationMs = performance.now() - start;
  return {
    loss: lossSum / samplesDone,
    accuracy: correct / samplesDone,
    samples: samplesDone,
    samplesPerSec: samplesDone / (durationMs / 1000),
    durationMs,
  };
}
