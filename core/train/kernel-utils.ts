/** Helpers for kernels written with tfjs ops: typed access to a kernel call's inputs and attributes. */
import * as tf from '@tensorflow/tfjs-core';
import type {
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';

/** The argument every kernel function receives. */
export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  attrs?: NamedAttrMap;
  backend: unknown;
}

/** A named input as a Tensor; the engine passes Tensors, so anything else is a programming error. */
export function input(args: KernelArgs, name: string): tf.Tensor {
  const t: TensorInfo | undefined = args.inputs[name];
  if (!(t instanceof tf.Tensor)) throw new Error(`kernel input '${name}' is missing or not a Tensor`);
  return t;
}

/** A named attribute, or undefined. */
export function attr<T>(args: KernelArgs, name: string): T | undefined {
  return args.attrs?.[name] as T | undefined;
}

/** [h, w] from a number or pair attribute. */
export function pair(value: number | number[]): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

/** Replaces a kernel of a backend, keeping its setup function; returns the previous config (if any). */
export function replaceKernel(
  kernelName: string,
  backendName: string,
  kernelFunc: (args: KernelArgs) => TensorInfo,
): KernelConfig | undefined {
  const previous = tf.getKernel(kernelName, backendName);
  if (previous !== undefined) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({
    kernelName,
    backendName,
    setupFunc: previous?.setupFunc,
    disposeFunc: previous?.disposeFunc,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  });
  return previous;
}
