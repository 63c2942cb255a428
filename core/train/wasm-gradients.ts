/**
 * Gradient kernels for the wasm backend, built from its fast forward ops (see DESIGN.md, "Facts of
 * this build environment"): it has no Conv2DBackpropFilter, and its Conv2DBackpropInput, MaxPoolGrad
 * and transposed matMul are slow. Kernels are implemented with tfjs ops; ops run inside a kernel are
 * not recorded on the gradient tape, and the engine accepts a Tensor as a kernel's output.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { conv2dFilterGrad, conv2dInputGrad } from './conv-grad.ts';
import { attr, input, replaceKernel, type KernelArgs } from './kernel-utils.ts';
import { maxPoolGradHeap, type HeapBackend } from './pool-grad.ts';

type Pad = Parameters<typeof conv2dFilterGrad>[4];
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/** A project kernel: MaxPoolGrad followed by the gradient of the ReLU that produced the pool's input. */
export const MAX_POOL_RELU_GRAD = 'FedunifyMaxPoolReluGrad';

/** The kernels this module registers on the wasm backend. */
export const WASM_GRADIENT_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'MaxPoolGrad',
  'BatchMatMul',
  'Sum',
  MAX_POOL_RELU_GRAD,
] as const;

const BACKEND = 'wasm';
let registered = false;

function requireNhwc(args: KernelArgs, kernel: string): void {
  const format = attr<string>(args, 'dataFormat');
  if (format !== undefined && format !== 'NHWC' && format !== 'channelsLast') {
    throw new Error(`${kernel} on wasm supports only NHWC data, got dataFormat '${format}'`);
  }
}

function callOriginal(original: KernelConfig | undefined, args: KernelArgs, kernel: string): TensorInfo {
  if (original === undefined) throw new Error(`${kernel}: this case is not supported on the wasm backend`);
  return original.kernelFunc(args as Parameters<KernelConfig['kernelFunc']>[0]) as TensorInfo;
}

/** Swaps the last two axes explicitly (matMul with transpose flags is ~15x slower on wasm). */
function swapLastTwo(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return tf.transpose(t, perm);
}

/** True when `axis` lists exactly the leading rank-1 axes (a bias gradient: sum over N, H, W). */
function isLeadingAxes(axis: number | number[] | undefined, rank: number): boolean {
  if (axis === undefined || rank < 2) return false;
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  return axes.length === rank - 1 && axes.every((a, i) => a === i);
}

/** Registers the project's gradient kernels on the wasm backend (idempotent). Call after importing tfjs-backend-wasm. */
export function registerWasmGradients(): void {
  if (registered) return;
  if (tf.getKernel('Conv2D', BACKEND) === undefined) {
    throw new Error(
      'registerWasmGradients: import @tensorflow/tfjs-backend-wasm before registering its gradients',
    );
  }
  registered = true;

  replaceKernel('Conv2DBackpropFilter', BACKEND, (args) => {
    requireNhwc(args, 'Conv2DBackpropFilter');
    const filterShape = attr<[number, number, number, number]>(args, 'filterShape');
    if (filterShape === undefined) throw new Error('Conv2DBackpropFilter: missing filterShape');
    return conv2dFilterGrad(
      input(args, 'x') as tf.Tensor4D,
      input(args, 'dy') as tf.Tensor4D,
      filterShape,
      attr<[number, number]>(args, 'strides') ?? 1,
      attr<Pad>(args, 'pad') ?? 'valid',
      attr<Rounding>(args, 'dimRoundingMode'),
    );
  });

  const inputOriginal = tf.getKernel('Conv2DBackpropInput', BACKEND);
  replaceKernel('Conv2DBackpropInput', BACKEND, (args) => {
    requireNhwc(args, 'Conv2DBackpropInput');
    const inputShape = attr<[number, number, number, number]>(args, 'inputShape');
    if (inputShape === undefined) throw new Error('Conv2DBackpropInput: missing inputShape');
    const dx = conv2dInputGrad(
      inputShape,
      input(args, 'dy') as tf.Tensor4D,
      input(args, 'filter') as tf.Tensor4D,
      attr<[number, number]>(args, 'strides') ?? 1,
      attr<Pad>(args, 'pad') ?? 'valid',
      attr<Rounding>(args, 'dimRoundingMode'),
    );
    return dx ?? callOriginal(inputOriginal, args, 'Conv2DBackpropInput');
  });

  const poolGrad = (args: KernelArgs, reluBefore: boolean): TensorInfo =>
    maxPoolGradHeap(
      args.backend as HeapBackend,
      input(args, 'dy'),
      input(args, 'input'),
      attr<[number, number]>(args, 'filterSize') ?? 1,
      attr<[number, number]>(args, 'strides') ?? 1,
      attr<Pad>(args, 'pad') ?? 'valid',
      attr<Rounding>(args, 'dimRoundingMode'),
      reluBefore,
    );
  replaceKernel('MaxPoolGrad', BACKEND, (args) => poolGrad(args, false));
  replaceKernel(MAX_POOL_RELU_GRAD, BACKEND, (args) => poolGrad(args, true));

  const matMulOriginal = tf.getKernel('BatchMatMul', BACKEND);
  replaceKernel('BatchMatMul', BACKEND, (args) => {
    const transposeA = attr<boolean>(args, 'transposeA') ?? false;
    const transposeB = attr<boolean>(args, 'transposeB') ?? false;
    if (!transposeA && !transposeB) return callOriginal(matMulOriginal, args, 'BatchMatMul');
    return tf.tidy(() => {
      const a = transposeA ? swapLastTwo(input(args, 'a')) : input(args, 'a');
      const b = transposeB ? swapLastTwo(input(args, 'b')) : input(args, 'b');
      // Runs this kernel again with both flags off, i.e. the original one.
      return tf.matMul(a, b);
    });
  });

  const sumOriginal = tf.getKernel('Sum', BACKEND);
  replaceKernel('Sum', BACKEND, (args) => {
    const x = input(args, 'x');
    const axis = attr<number | number[]>(args, 'axis');
    if (x.dtype !== 'float32' || !isLeadingAxes(axis, x.rank)) return callOriginal(sumOriginal, args, 'Sum');
    // Summing N, H, W of an NHWC tensor: one matMul with a row of ones instead of a 4-D transpose.
    return tf.tidy(() => {
      const channels = x.shape[x.rank - 1];
      const rows = x.size / channels;
      const total = tf.matMul(tf.ones([1, rows]), tf.reshape(x, [rows, channels]));
      const keepDims = attr<boolean>(args, 'keepDims') ?? false;
      return tf.reshape(total, keepDims ? [...x.shape.slice(0, -1).map(() => 1), channels] : [channels]);
    });
  });
}
