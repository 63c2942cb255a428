/**
 * The kernels training the paper CNN needs on a browser backend (forward, both conv gradients,
 * max-pool gradient, ReLU's step, matMul, softmax cross-entropy, Adam's update ops), which of them
 * a backend lacks, and replacements built from forward ops where the project has them (the conv
 * gradients of conv-grad.ts, as for wasm). tfjs 4.22's webgpu and webgl backends have them all;
 * the check stays so that a backend version that drops one says so instead of failing mid-round.
 * Browser-safe (tfjs only).
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dFilterGrad, conv2dInputGrad } from './conv-grad.ts';
import { attr, input, replaceKernel } from './kernel-utils.ts';
import type { FAULT_KERNELS } from '../wire/gpu-engine.ts';

/** Every kernel one training step (fast-step.ts) and one Adam update run. */
export const TRAINING_KERNELS = [
  // forward
  'FusedConv2D',
  'MaxPool',
  'Reshape',
  'BatchMatMul',
  'Add',
  'Softmax',
  // loss, accuracy
  'OneHot',
  'ClipByValue',
  'Log',
  'Multiply',
  'Sum',
  'Mean',
  'Neg',
  'ArgMax',
  'Equal',
  'Cast',
  'Sub',
  'RealDiv',
  // backward
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'MaxPoolGrad',
  'Step',
  'Transpose',
  // Adam
  'Square',
  'Sqrt',
] as const;

/** Kernels of TRAINING_KERNELS that `backend` does not register. */
export function missingKernels(backend: string): string[] {
  return TRAINING_KERNELS.filter((k) => tf.getKernel(k, backend) === undefined);
}

type Pad = Parameters<typeof conv2dFilterGrad>[4];
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/**
 * Registers forward-op replacements for the missing kernels the project can build, and returns
 * their names; whatever is still missing after that makes the caller refuse the backend.
 */
export function registerMissingGradients(backend: string): string[] {
  const registered: string[] = [];
  const missing = missingKernels(backend);
  if (missing.includes('Conv2DBackpropFilter')) {
    replaceKernel('Conv2DBackpropFilter', backend, (args) =>
      conv2dFilterGrad(
        input(args, 'x') as tf.Tensor4D,
        input(args, 'dy') as tf.Tensor4D,
        attr<[number, number, number, number]>(args, 'filterShape') as [number, number, number, number],
        attr<[number, number]>(args, 'strides') ?? 1,
        attr<Pad>(args, 'pad') ?? 'valid',
        attr<Rounding>(args, 'dimRoundingMode'),
      ),
    );
    registered.push('Conv2DBackpropFilter');
  }
  if (missing.includes('Conv2DBackpropInput')) {
    replaceKernel('Conv2DBackpropInput', backend, (args) => {
      const dx = conv2dInputGrad(
        attr<[number, number, number, number]>(args, 'inputShape') as [number, number, number, number],
        input(args, 'dy') as tf.Tensor4D,
        input(args, 'filter') as tf.Tensor4D,
        attr<[number, number]>(args, 'strides') ?? 1,
        attr<Pad>(args, 'pad') ?? 'valid',
        attr<Rounding>(args, 'dimRoundingMode'),
      );
      if (dx === null) throw new Error(`Conv2DBackpropInput: this case is not supported on ${backend}`);
      return dx;
    });
    registered.push('Conv2DBackpropInput');
  }
  return registered;
}

/**
 * Replaces `kernel` on `backend` with one that returns wrong values (zeros of the right shape), to
 * prove that the self-test refuses a backend whose results are wrong. Tests only.
 */
export function injectKernelFault(kernel: (typeof FAULT_KERNELS)[number], backend: string): void {
  replaceKernel(kernel, backend, (args) => {
    switch (kernel) {
      case 'Conv2DBackpropFilter':
        return tf.zeros(attr<number[]>(args, 'filterShape') as number[]);
      case 'Conv2DBackpropInput':
        return tf.zeros(attr<number[]>(args, 'inputShape') as number[]);
      case 'MaxPoolGrad':
        return tf.zerosLike(input(args, 'input'));
    }
  });
}
