/**
 * A data-parallel training worker: holds a copy of the model's variables, and for each request sets
 * them to the main thread's current weights and returns the gradient of its slice of the batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendPreference } from './backend.ts';
import { fastStep, type StepPlan } from './fast-step.ts';
import {
  planFromDescription,
  type PlanMessage,
  type StepMessage,
  type WorkerReply,
} from './parallel-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('train-worker.ts must run in a worker thread');
const post = (msg: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

let vars: tf.Variable[] = [];
let plan: StepPlan | null = null;
let numClasses = 0;

function onPlan(msg: PlanMessage): void {
  tf.dispose(vars);
  vars = msg.shapes.map((shape) => tf.variable(tf.zeros(shape), true));
  plan = planFromDescription(msg.ops, vars);
  numClasses = msg.numClasses;
}

function onStep(msg: StepMessage): void {
  if (plan === null) throw new Error('step before plan');
  if (msg.weights !== null) {
    const w = msg.weights;
    if (w.length !== vars.length)
      throw new Error(`got ${w.length} weight arrays for ${vars.length} variables`);
    vars.forEach((v, i) => {
      // assign() shares the tensor's storage; the tensor must still be disposed, or every step
      // leaks a copy of the model (a 2-thread run died with "memory access out of bounds" after
      // ~3,200 steps of the paper CNN).
      const t = tf.tensor(w[i], v.shape);
      v.assign(t);
      t.dispose();
    });
  }
  const xs = tf.tensor4d(msg.images, msg.shape);
  const ys = tf.tensor1d(msg.labels, 'int32');
  const out = fastStep(plan, xs, ys, numClasses, msg.seed);
  // Copies: the cpu backend hands out its own storage, which must not be transferred away.
  const grads = vars.map((v) => (out.grads[v.name].dataSync() as Float32Array).slice());
  const loss = out.loss.dataSync()[0];
  const correct = out.correct.dataSync()[0];
  tf.dispose([xs, ys, out.loss, out.correct, ...Object.values(out.grads)]);
  post(
    { type: 'grads', id: msg.id, grads, loss, correct, bytes: tf.memory().numBytes },
    grads.map((g) => g.buffer as ArrayBuffer),
  );
}

port.on('message', (msg: PlanMessage | StepMessage) => {
  try {
    if (msg.type === 'plan') onPlan(msg);
    else onStep(msg);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    post({ type: 'error', id: msg.type === 'step' ? msg.id : null, message });
  }
});

const backend = (workerData as { backend: BackendPreference }).backend;
selectBackend(backend).then(
  () => post({ type: 'ready' }),
  (err: unknown) =>
    post({ type: 'error', id: null, message: err instanceof Error ? err.message : String(err) }),
);
