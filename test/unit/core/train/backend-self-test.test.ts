import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../core/train/backend.ts';
import { injectKernelFault } from '../../../../core/train/gpu-gradients.ts';
import { registerWasmGradients } from '../../../../core/train/wasm-gradients.ts';

describe('selectBackend runs the self-test before choosing', () => {
  it('passes wasm when its kernels are right', async () => {
    const info = await selectBackend('wasm');
    expect(info.backend).toBe('wasm');
  });

  it('auto refuses wasm with a deliberately broken conv gradient and says why', async () => {
    // The project's kernels first (idempotent), then the broken one on top: it stays for this file.
    registerWasmGradients();
    injectKernelFault('Conv2DBackpropInput', 'wasm');
    const info = await selectBackend('auto');
    expect(info.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.notes.join('\n')).toMatch(/^wasm: self-test mismatch: .*cpu gives/m);
    await expect(selectBackend('wasm')).rejects.toThrow(
      /backend 'wasm' is not available: wasm: self-test mismatch/,
    );
  });
});
