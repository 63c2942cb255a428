/**
 * Data-parallel training inside one process: the main thread and `threads − 1` worker threads each
 * compute the gradient of their slice of a batch with the hand-written step; the slice gradients,
 * weighted by slice size, average to the full batch's gradient of the mean loss.
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { fastStep, type StepPlan } from './fast-step.ts';
import { describePlan, type PlanMessage, type StepMessage, type WorkerReply } from './parallel-protocol.ts';

type Grads = { grads: Float32Array[]; loss: number; correct: number; bytes?: number };

/** Worker threads for data-parallel training; whoever creates one closes it. */
export interface TrainPool {
  /** Total threads, the main thread included. */
  readonly threads: number;
  /** Sends a model to every worker (before its first step). */
  setPlan(plan: StepPlan, vars: tf.Variable[], numClasses: number): void;
  /** Runs a step request on worker `i`. */
  request(i: number, msg: Omit<StepMessage, 'type' | 'id'>): Promise<Grads>;
  /** Terminates the workers; pending requests fail. */
  close(): Promise<void>;
}

interface Pending {
  resolve: (g: Grads) => void;
  reject: (e: Error) => void;
}

/** The device line of a backend that trains with `threads` data-parallel threads. */
export function threadedDevice(device: string, threads: number): string {
  return threads > 1 ? device.replace(', 1 thread', `, ${threads} data-parallel threads`) : device;
}

/** Starts `threads − 1` workers on `backend` (the active one by default) and waits until they are ready. */
export async function createTrainPool(threads: number, backend = tf.getBackend()): Promise<TrainPool> {
  if (!(Number.isInteger(threads) && threads >= 1)) {
    throw new Error(`training threads must be a positive integer, got ${threads}`);
  }
  if (backend === 'tensorflow' && threads > 1) {
    throw new Error(
      'data-parallel threads are for the wasm/cpu backends: tensorflow manages its own threads (use threads 1)',
    );
  }
  const workers: Worker[] = [];
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: Error | null = null;
  let closing = false;
  const failAll = (err: Error): void => {
    failure ??= err;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  const ready = Array.from({ length: threads - 1 }, (_, i) => {
    const worker = new Worker(new URL('./train-worker-boot.js', import.meta.url), {
      workerData: { backend },
    });
    workers.push(worker);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') return resolve();
        const p = msg.id === null ? undefined : pending.get(msg.id);
        if (msg.type === 'error') {
          const err = new Error(`training worker ${i + 1} failed: ${msg.message}`);
          reject(err);
          if (p === undefined) failAll(err);
        }
        if (p === undefined) return;
        pending.delete(msg.id as number);
        if (msg.type === 'grads') p.resolve(msg);
        else p.reject(new Error(`training worker ${i + 1} failed: ${msg.message}`));
      });
      worker.on('error', (err) => {
        const e = new Error(`training worker ${i + 1} crashed: ${err.message}`);
        reject(e);
        failAll(e);
      });
      worker.on('exit', (code) => {
        if (closing) return;
        const e = new Error(`training worker ${i + 1} exited unexpectedly (code ${code})`);
        reject(e);
        failAll(e);
      });
    });
  });
  const close = async (): Promise<void> => {
    closing = true;
    failAll(new Error('training pool closed'));
    await Promise.all(workers.map((w) => w.terminate()));
  };
  try {
    await Promise.all(ready);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    threads,
    setPlan(plan, vars, numClasses) {
      const msg: PlanMessage = {
        type: 'plan',
        ops: describePlan(plan, vars),
        shapes: vars.map((v) => v.shape),
        numClasses,
      };
      for (const w of workers) w.postMessage(msg);
    },
    request(i, msg) {
      if (failure !== null) return Promise.reject(failure);
      const id = nextId++;
      return new Promise<Grads>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        workers[i].postMessage({ ...msg, type: 'step', id } satisfies StepMessage);
      });
    },
    close,
  };
}

/** Splits `n` into `parts` near-equal sizes (larger ones first). */
export function sliceSizes(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

/** The combined step: mean loss, hits and the full batch's gradient per variable name (caller disposes). */
export interface ParallelStepOutput {
  loss: number;
  correct: number;
  grads: Record<string, tf.Tensor>;
}

/**
 * Gradient of the mean loss over a batch, computed in slices: slice 0 on this thread with `vars`,
 * the others on the pool's workers after sending them the current weights when `sendWeights`.
 */
export async function parallelGradients(
  pool: TrainPool,
  plan: StepPlan,
  vars: tf.Variable[],
  batch: { images: Float32Array; labels: Int32Array; shape: [number, number, number] },
  numClasses: number,
  seed: number,
  sendWeights: boolean,
): Promise<ParallelStepOutput> {
  const n = batch.labels.length;
  const per = batch.shape[0] * batch.shape[1] * batch.shape[2];
  const sizes = sliceSizes(n, pool.threads).filter((s) => s > 0);
  // Structured clone copies these for each worker: the backing stores stay with the variables.
  const weights = sendWeights ? vars.map((v) => v.dataSync() as Float32Array) : null;
  const requests: Promise<Grads>[] = [];
  let from = sizes[0];
  for (let w = 1; w < sizes.length; w++) {
    const to = from + sizes[w];
    requests.push(
      pool.request(w - 1, {
        weights,
        images: batch.images.subarray(from * per, to * per),
        labels: batch.labels.subarray(from, to),
        shape: [to - from, ...batch.shape],
        seed: seed + w,
      }),
    );
    from = to;
  }
  // This thread's slice runs while the workers compute theirs.
  const xs = tf.tensor4d(batch.images.subarray(0, sizes[0] * per), [sizes[0], ...batch.shape]);
  const ys = tf.tensor1d(batch.labels.subarray(0, sizes[0]), 'int32');
  const own = fastStep(plan, xs, ys, numClasses, seed);
  tf.dispose([xs, ys]);
  let rest: Grads[];
  try {
    rest = await Promise.all(requests);
  } catch (err) {
    tf.dispose([own.loss, own.correct, ...Object.values(own.grads)]);
    throw err;
  }
  let loss = own.loss.dataSync()[0] * sizes[0];
  let correct = own.correct.dataSync()[0];
  rest.forEach((r, w) => {
    loss += r.loss * sizes[w + 1];
    correct += r.correct;
  });
  const grads: Record<string, tf.Tensor> = {};
  tf.tidy(() => {
    vars.forEach((v, i) => {
      // Each slice's gradient is of its own mean loss: weight by slice size for the full batch's mean.
      let g = tf.mul(own.grads[v.name], sizes[0] / n);
      rest.forEach((r, w) => {
        g = tf.add(g, tf.mul(tf.tensor(r.grads[i], v.shape), sizes[w + 1] / n));
      });
      grads[v.name] = tf.keep(g);
    });
  });
  tf.dispose([own.loss, own.correct, ...Object.values(own.grads)]);
  return { loss: loss / n, correct, grads };
}
