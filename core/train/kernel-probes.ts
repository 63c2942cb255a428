/**
 * Deterministic checks of every kernel training the paper CNN needs, run on the active backend: the
 * GPU engine page runs them on WebGPU/WebGL and the test compares each with the cpu backend's output.
 * Inputs are seeded random values in [-1, 1), so max-pool windows have no ties and no value sits at
 * ReLU's kink. Browser-safe (tfjs only).
 */
import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, mulberry32 } from '../model/random.ts';
import type { KernelProbe } from '../wire/gpu-engine.ts';

function rand(shape: number[], stream: number): tf.Tensor {
  const next = mulberry32(deriveSeed(4242, stream));
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => next() * 2 - 1),
    shape,
    'float32',
  );
}

const X: [number, number, number, number] = [2, 8, 8, 3];
const FILTER: [number, number, number, number] = [3, 3, 3, 5];
const CONV = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
const POOL = { filterSize: [2, 2], strides: [2, 2], pad: 'valid' };

function probeTensors(probe: KernelProbe): tf.Tensor[] {
  const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor =>
    tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
  switch (probe) {
    case 'conv2d-fused-relu':
      return [
        tf.fused.conv2d({
          x: rand(X, 1) as tf.Tensor4D,
          filter: rand(FILTER, 2) as tf.Tensor4D,
          strides: 1,
          pad: 'same',
          bias: rand([5], 3),
          activation: 'relu',
        }),
      ];
    case 'conv2d-backprop-filter':
      return [
        run(
          'Conv2DBackpropFilter',
          { x: rand(X, 1), dy: rand([2, 8, 8, 5], 4) },
          { ...CONV, filterShape: FILTER },
        ),
      ];
    case 'conv2d-backprop-input':
      return [
        run(
          'Conv2DBackpropInput',
          { dy: rand([2, 8, 8, 5], 4), filter: rand(FILTER, 2) },
          { ...CONV, inputShape: X },
        ),
      ];
    case 'max-pool':
      return [tf.maxPool(rand(X, 1) as tf.Tensor4D, 2, 2, 'valid')];
    case 'max-pool-grad': {
      const x = rand(X, 1) as tf.Tensor4D;
      return [
        run(
          'MaxPoolGrad',
          { dy: rand([2, 4, 4, 3], 5), input: x, output: tf.maxPool(x, 2, 2, 'valid') },
          POOL,
        ),
      ];
    }
    case 'relu-step': {
      const x = rand([4, 33], 6);
      return [tf.relu(x), tf.step(x)];
    }
    case 'mat-mul-transposed': {
      const a = rand([24, 10], 7);
      const b = rand([24, 6], 8);
      return [
        tf.matMul(a, b, true, false),
        tf.matMul(tf.transpose(a), b),
        tf.matMul(b, rand([10, 6], 9), false, true),
      ];
    }
    case 'softmax-cross-entropy-grad': {
      // Autodiff through softmax, log, clip and the one-hot mean: the registered gradients, not the hand-written ones.
      const labels = tf.oneHot(tf.tensor1d([0, 3, 9, 4, 1], 'int32'), 10);
      const loss = (z: tf.Tensor): tf.Scalar =>
        tf.neg(
          tf.mean(tf.sum(tf.mul(labels, tf.log(tf.clipByValue(tf.softmax(z), 1e-7, 1 - 1e-7))), 1)),
        ) as tf.Scalar;
      const logits = tf.mul(rand([5, 10], 10), 3);
      return [loss(logits), tf.grad(loss)(logits)];
    }
    case 'adam-update': {
      const v = tf.variable(rand([40], 11));
      const adam = tf.train.adam(0.01);
      for (let i = 0; i < 3; i++)
        adam.applyGradients({ [v.name]: rand([40], 12 + i) } as unknown as Record<string, tf.Variable>);
      const out = tf.clone(v);
      adam.dispose();
      v.dispose();
      return [out];
    }
  }
}

/** The probe's outputs on the active backend, read asynchronously (GPU backends). */
export async function runKernelProbe(probe: KernelProbe): Promise<Float32Array[]> {
  const outputs = tf.tidy(() => probeTensors(probe));
  try {
    return await Promise.all(outputs.map(async (t) => new Float32Array(await t.data())));
  } finally {
    tf.dispose(outputs);
  }
}
