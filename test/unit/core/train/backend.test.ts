import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../core/train/backend.ts';

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
const hasTfjsNode = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');
if (!hasTfjsNode) {
  console.log(
    'backend.test: @tensorflow/tfjs-node(-gpu) is not installed here: the tensorflow-backend test is skipped',
  );
}

describe('selectBackend', () => {
  it.skipIf(hasTfjsNode)('auto falls back to wasm and says why tfjs-node was not used', async () => {
    const info = await selectBackend('auto');
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.notes).toContain('@tensorflow/tfjs-node-gpu not installed');
    expect(info.notes).toContain('@tensorflow/tfjs-node not installed');
  });

  it.skipIf(hasTfjsNode)('an explicit tensorflow preference fails with what to install', async () => {
    await expect(selectBackend('tensorflow')).rejects.toThrow(
      /install @tensorflow\/tfjs-node.*or use --backend wasm/,
    );
  });

  it.skipIf(!hasTfjsNode)('uses the tensorflow backend when tfjs-node is installed', async () => {
    const info = await selectBackend('tensorflow');
    expect(info.backend).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('selects cpu on request, and rejects unknown names', async () => {
    const info = await selectBackend('cpu');
    expect(info.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    await expect(selectBackend('gpu' as 'cpu')).rejects.toThrow(
      /unknown backend 'gpu': use one of auto, tensorflow, wasm, cpu/,
    );
  });
});
