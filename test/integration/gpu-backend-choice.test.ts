/**
 * The participant runtime's backend choice with the GPU engine page in headless Chromium: an
 * explicit webgl trains through the page and matches in-process cpu training; `auto` refuses a
 * software adapter and says so in the notes, in the order the backends were tried.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initialWeights } from '../../core/model/init.ts';
import { mulberry32 } from '../../core/model/random.ts';
import { createDefaultRuntime } from '../../core/participant/default-runtime.ts';
import type { TrainOptions } from '../../core/participant/types.ts';
import { chromiumMissingReason, chromiumOpener, findChromium } from '../../core/train/chromium-engine.ts';
import { SELF_TEST_SPEC } from '../../core/train/self-test.ts';

const chromium = findChromium();
if (chromium === null) console.log(`gpu-backend-choice tests skipped: ${chromiumMissingReason()}`);

const spec = SELF_TEST_SPEC;
function options(): TrainOptions {
  const rand = mulberry32(99);
  const n = 24;
  return {
    data: {
      images: Float32Array.from({ length: n * 144 }, () => rand()),
      labels: Int32Array.from({ length: n }, (_, i) => i % 4),
      shape: [12, 12, 1],
      numClasses: 4,
      source: 'random',
    },
    epochs: 1,
    steps: 3,
    batchSize: 8,
    learningRate: 0.05,
    optimizer: 'sgd',
    seed: 5,
    signal: new AbortController().signal,
    onProgress: () => undefined,
  };
}

describe.skipIf(chromium === null)('training backend choice with the GPU engine page', () => {
  it('an explicit webgl trains on the page like the cpu backend in this process', async () => {
    const onPage = createDefaultRuntime();
    const info = await onPage.selectBackend('webgl');
    expect(info.backend).toBe('webgl');
    expect(info.device).toMatch(
      new RegExp(
        `^WebGL2: .*\\(software renderer, not a GPU\\) in headless Chromium; evaluation on ${tf.getBackend()}$`,
      ),
    );
    const pageModel = await onPage.createModel(spec);
    pageModel.setWeights(initialWeights(spec, 2));
    const pageResult = await pageModel.train(options());
    const pageWeights = pageModel.getWeights();
    await onPage.selectBackend('cpu'); // closes the page

    const local = createDefaultRuntime({ browser: null });
    await local.selectBackend('cpu');
    const cpuModel = await local.createModel(spec);
    cpuModel.setWeights(initialWeights(spec, 2));
    const cpuResult = await cpuModel.train(options());
    expect(pageResult.samples).toBe(24);
    expect(Math.abs(pageResult.loss - cpuResult.loss) / cpuResult.loss).toBeLessThan(1e-3);
    let worst = 0;
    pageWeights.forEach((w, i) =>
      w.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - cpuModel.getWeights()[i][j])))),
    );
    expect(worst).toBeLessThan(1e-4);
  });

  it('auto refuses the software adapters and says why, after the CUDA note and before tfjs-node', async () => {
    const runtime = createDefaultRuntime({
      browser: chromiumOpener({ ...process.env, FEDUNIFY_BROWSER_GPU: 'on' }),
    });
    const info = await runtime.selectBackend('auto');
    expect(['wasm', 'tensorflow']).toContain(info.backend);
    const webgpu = info.notes.findIndex((n) =>
      /^webgpu: only a software adapter \(.*swiftshader.*\), slower than/i.test(n),
    );
    const webgl = info.notes.findIndex((n) =>
      /^webgl: only a software adapter \(.*SwiftShader.*\), slower than/.test(n),
    );
    expect(webgpu).toBeGreaterThan(0);
    expect(webgl).toBe(webgpu + 1);
    expect(info.notes[0]).toMatch(/tfjs-node-gpu/);
    // Where tfjs-node is absent or broken its note follows the browser ones (the order tried).
    const cpuNode = info.notes.findIndex((n) => /^@tensorflow\/tfjs-node[: ]/.test(n));
    if (info.backend !== 'tensorflow') expect(cpuNode).toBeGreaterThan(webgl);
  });

  it('with FEDUNIFY_BROWSER_GPU=off, auto never launches a browser and says so', async () => {
    const runtime = createDefaultRuntime({
      browser: chromiumOpener({ ...process.env, FEDUNIFY_BROWSER_GPU: 'off' }),
    });
    const info = await runtime.selectBackend('auto');
    expect(info.notes).toContain('webgpu: not tried: FEDUNIFY_BROWSER_GPU=off');
    expect(info.notes).toContain('webgl: not tried: FEDUNIFY_BROWSER_GPU=off');
  });
});
