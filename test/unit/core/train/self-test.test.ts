import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { injectKernelFault } from '../../../../core/train/gpu-gradients.ts';
import { compareSelfTest, runSelfTest, type SelfTestRun } from '../../../../core/train/self-test.ts';

describe('backend self-test', () => {
  let reference: SelfTestRun;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    reference = await runSelfTest();
  });

  it('is deterministic: a second run on the same backend passes', async () => {
    const verdict = compareSelfTest(reference, await runSelfTest());
    expect(verdict).toMatchObject({ ok: true, detail: expect.stringMatching(/self-test passed: 3 steps/) });
  });

  it('refuses a run whose final weights drifted beyond the tolerance, naming the tensor', () => {
    const drifted = { ...reference, weights: reference.weights.map((w) => w.map((v) => v + 0.01)) };
    expect(compareSelfTest(reference, drifted)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/weight tensor 0 value 0 .* > 0.002/),
    });
  });

  it('refuses a backend with a deliberately broken max-pool gradient', async () => {
    // Last in this file: the broken kernel stays registered on this process's cpu backend.
    injectKernelFault('MaxPoolGrad', 'cpu');
    const verdict = compareSelfTest(reference, await runSelfTest());
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(/self-test mismatch/) });
  });
});
