/**
 * One training step of a sequential CNN written directly with tf ops: forward with fused conv+bias+ReLU,
 * backward by hand, on the model's own variables. Compared with autodiff through the layers API it
 * skips the first layer's input gradient (a whole wasted conv) and the tape's bookkeeping.
 * Softmax + cross-entropy backprop uses dL/dz = (p − onehot)/B (exact without Keras' 1e-7 clipping).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { MAX_POOL_RELU_GRAD } from './wasm-gradients.ts';

export type Padding = 'same' | 'valid';
export type Op =
  | {
      kind: 'conv';
      strides: [number, number];
      pad: Padding;
      relu: boolean;
      kernel: tf.Variable;
      bias: tf.Variable;
    }
  | { kind: 'pool'; size: [number, number]; strides: [number, number]; pad: Padding }
  | { kind: 'flatten' }
  | { kind: 'dense'; activation: 'relu' | 'linear' | 'softmax'; kernel: tf.Variable; bias: tf.Variable }
  | { kind: 'dropout'; rate: number };

/** A model as a list of ops the hand-written step understands. */
export interface StepPlan {
  ops: Op[];
}

interface LayerLike {
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  trainableWeights: { read(): tf.Tensor }[];
}

function pair(v: unknown): [number, number] | null {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0], v[1]];
  return null;
}

function weightsOf(layer: LayerLike): [tf.Variable, tf.Variable] | null {
  const w = layer.trainableWeights;
  return w.length === 2 ? [w[0].read() as tf.Variable, w[1].read() as tf.Variable] : null;
}

function planLayer(layer: LayerLike): Op | null {
  const c = layer.getConfig();
  const pad = c.padding === 'same' || c.padding === 'valid' ? c.padding : null;
  switch (layer.getClassName()) {
    case 'Conv2D': {
      const strides = pair(c.strides);
      const dilation = pair(c.dilationRate ?? 1);
      const w = weightsOf(layer);
      const act = c.activation;
      if (!strides || !pad || !w || dilation?.[0] !== 1 || dilation[1] !== 1) return null;
      if (c.dataFormat !== 'channelsLast' || (act !== 'relu' && act !== 'linear')) return null;
      return { kind: 'conv', strides, pad, relu: act === 'relu', kernel: w[0], bias: w[1] };
    }
    case 'MaxPooling2D': {
      const size = pair(c.poolSize);
      const strides = pair(c.strides ?? c.poolSize);
      return size && strides && pad && c.dataFormat === 'channelsLast'
        ? { kind: 'pool', size, strides, pad }
        : null;
    }
    case 'Flatten':
      return { kind: 'flatten' };
    case 'Dense': {
      const w = weightsOf(layer);
      const act = c.activation;
      if (!w || (act !== 'relu' && act !== 'linear' && act !== 'softmax')) return null;
      return { kind: 'dense', activation: act, kernel: w[0], bias: w[1] };
    }
    case 'Dropout':
      return typeof c.rate === 'number' ? { kind: 'dropout', rate: c.rate } : null;
    default:
      return null;
  }
}

/** The plan for a model, or null when it has a layer or option the hand-written step does not cover. */
export function planFromModel(model: LayersModel): StepPlan | null {
  const ops: Op[] = [];
  for (const layer of model.layers as unknown as LayerLike[]) {
    if (layer.getClassName() === 'InputLayer') continue;
    const op = planLayer(layer);
    if (op === null) return null;
    ops.push(op);
  }
  const last = ops[ops.length - 1];
  if (last?.kind !== 'dense' || last.activation !== 'softmax') return null;
  if (ops.some((op, i) => op.kind === 'dense' && op.activation === 'softmax' && i !== ops.length - 1))
    return null;
  return { ops };
}

/** What one step returns; the caller disposes everything. */
export interface StepOutput {
  loss: tf.Scalar;
  correct: tf.Scalar;
  /** Gradient per variable name. */
  grads: Record<string, tf.Tensor>;
}

interface Saved {
  input: tf.Tensor;
  output: tf.Tensor;
  mask?: tf.Tensor;
}

function forward(op: Op, a: tf.Tensor, seed: number): Saved {
  switch (op.kind) {
    case 'conv':
      return {
        input: a,
        output: tf.fused.conv2d({
          x: a as tf.Tensor4D,
          filter: op.kernel as tf.Tensor4D,
          strides: op.strides,
          pad: op.pad,
          bias: op.bias,
          activation: op.relu ? 'relu' : 'linear',
        }),
      };
    case 'pool':
      return { input: a, output: tf.maxPool(a as tf.Tensor4D, op.size, op.strides, op.pad) };
    case 'flatten':
      return { input: a, output: tf.reshape(a, [a.shape[0], -1]) };
    case 'dense': {
      const z = tf.add(tf.matMul(a, op.kernel), op.bias);
      const out = op.activation === 'relu' ? tf.relu(z) : op.activation === 'softmax' ? tf.softmax(z) : z;
      return { input: a, output: out };
    }
    case 'dropout': {
      const keep = tf.cast(
        tf.greaterEqual(tf.randomUniform(a.shape, 0, 1, 'float32', seed), op.rate),
        'float32',
      );
      const mask = tf.mul(keep, 1 / (1 - op.rate));
      return { input: a, output: tf.mul(a, mask), mask };
    }
  }
}

/**
 * dL/d(input) of layer `op` (null for the first layer, whose input gradient nobody needs); adds weight grads.
 * `reluDone`: for a pool, apply the preceding ReLU's gradient too; for a conv, it was already applied.
 */
function backward(
  op: Op,
  s: Saved,
  g: tf.Tensor,
  needInput: boolean,
  grads: Record<string, tf.Tensor>,
  reluDone: boolean,
): tf.Tensor | null {
  switch (op.kind) {
    case 'conv': {
      const dz = op.relu && !reluDone ? tf.mul(g, tf.step(s.output)) : g;
      const x = s.input as tf.Tensor4D;
      const attrs = { strides: op.strides, pad: op.pad, dataFormat: 'NHWC' };
      grads[op.kernel.name] = tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x, dy: dz },
        {
          ...attrs,
          filterShape: op.kernel.shape as number[],
        },
      ) as tf.Tensor;
      grads[op.bias.name] = tf.sum(dz, [0, 1, 2]);
      if (!needInput) return null;
      return tf.engine().runKernel(
        'Conv2DBackpropInput',
        { dy: dz, filter: op.kernel },
        {
          ...attrs,
          inputShape: x.shape as number[],
        },
      ) as tf.Tensor;
    }
    case 'pool':
      return tf
        .engine()
        .runKernel(
          reluDone ? MAX_POOL_RELU_GRAD : 'MaxPoolGrad',
          { dy: g, input: s.input, output: s.output },
          { filterSize: op.size, strides: op.strides, pad: op.pad },
        ) as tf.Tensor;
    case 'flatten':
      return tf.reshape(g, s.input.shape);
    case 'dense': {
      // The softmax layer's g is already dL/dz (set by the caller).
      const dz = op.activation === 'relu' ? tf.mul(g, tf.step(s.output)) : g;
      // Explicit transposes: matMul with transpose flags is much slower on wasm.
      grads[op.kernel.name] = tf.matMul(tf.transpose(s.input), dz);
      grads[op.bias.name] = tf.sum(dz, 0);
      return needInput ? tf.matMul(dz, tf.transpose(op.kernel)) : null;
    }
    case 'dropout':
      return tf.mul(g, s.mask as tf.Tensor);
  }
}

/** Forward + backward for one batch: mean sparse cross-entropy (paper eq. 3), hits, and every weight gradient. */
export function fastStep(
  plan: StepPlan,
  xs: tf.Tensor4D,
  ys: tf.Tensor1D,
  numClasses: number,
  seed: number,
): StepOutput {
  return tf.tidy(() => {
    const saved: Saved[] = [];
    let a: tf.Tensor = xs;
    plan.ops.forEach((op, i) => {
      const s = forward(op, a, seed + i);
      saved.push(s);
      a = s.output;
    });
    const probs = a;
    const batch = xs.shape[0];
    const oneHot = tf.oneHot(ys, numClasses);
    const loss = tf.neg(
      tf.mean(tf.sum(tf.mul(oneHot, tf.log(tf.clipByValue(probs, 1e-7, 1 - 1e-7))), 1)),
    ) as tf.Scalar;
    const correct = tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), ys), 'int32')) as tf.Scalar;
    const grads: Record<string, tf.Tensor> = {};
    let g: tf.Tensor | null = tf.div(tf.sub(probs, oneHot), batch);
    // A pool right after a conv+ReLU applies the ReLU's gradient itself where the backend has that kernel.
    const fusedPool = tf.getKernel(MAX_POOL_RELU_GRAD, tf.getBackend()) !== undefined;
    let reluDone = false;
    for (let i = plan.ops.length - 1; i >= 0 && g !== null; i--) {
      const op = plan.ops[i];
      const prev = plan.ops[i - 1];
      const fuse = fusedPool && op.kind === 'pool' && prev?.kind === 'conv' && prev.relu;
      g = backward(op, saved[i], g, i > 0, grads, fuse || reluDone);
      reluDone = fuse;
    }
    return { loss, correct, grads };
  });
}
