/**
 * `fedunify bench train --backend webgpu|webgl`: the paper CNN's training throughput on the GPU
 * engine page in headless Chromium (CHROMIUM_PATH or /usr/bin/chromium), with the adapter it ran on.
 */
import { gatherArrays } from '../../core/train/batches.ts';
import type { Dataset } from '../../core/data/types.ts';
import { initialWeights } from '../../core/model/init.ts';
import { PAPER_CNN } from '../../core/model/spec.ts';
import { openBrowserBackend } from '../../core/train/chromium-engine.ts';

/** What one browser measurement found. */
export interface BrowserBenchResult {
  backend: 'webgpu' | 'webgl';
  adapter: string;
  software: boolean;
  samplesPerSec: number;
  batchSize: number;
  steps: number;
  notes: string[];
}

/**
 * On a software adapter the defaults (64 × 10) would take many minutes: unless the user chose the
 * batch size or the step count, measure 2 steps of 8 samples there.
 */
export const SOFTWARE_DEFAULTS = { batchSize: 8, steps: 2 } as const;

/** Runs warm-up + measured steps on the engine page and returns samples/s. */
export async function benchBrowser(
  backend: 'webgpu' | 'webgl',
  data: Dataset,
  size: { batchSize?: number; steps?: number; defaults: { batchSize: number; steps: number } },
): Promise<BrowserBenchResult> {
  const opened = await openBrowserBackend(backend, { allowSoftware: true });
  const { engine } = opened;
  try {
    const fallback = opened.software ? SOFTWARE_DEFAULTS : size.defaults;
    const batchSize = size.batchSize ?? fallback.batchSize;
    const steps = size.steps ?? fallback.steps;
    if (opened.software && (size.batchSize === undefined || size.steps === undefined)) {
      opened.notes.push(
        `software adapter: measured ${steps} steps of ${batchSize} samples (pass --batch-size and --steps to change)`,
      );
    }
    await engine.client.request({
      type: 'load',
      spec: PAPER_CNN,
      weights: initialWeights(PAPER_CNN, 1),
      optimizer: 'adam',
      learningRate: 0.001,
    });
    const n = data.labels.length;
    const step = async (i: number): Promise<void> => {
      const from = (i * batchSize) % Math.max(1, n - batchSize);
      const { images, labels } = gatherArrays(data, null, from, Math.min(from + batchSize, n));
      await engine.client.request({ type: 'train', images, labels, learningRate: 0.001, seed: i });
    };
    // Warm-up: the first step compiles every shader program.
    await step(0);
    const start = performance.now();
    for (let i = 1; i <= steps; i++) await step(i);
    const seconds = (performance.now() - start) / 1000;
    return {
      backend,
      adapter: opened.adapter,
      software: opened.software,
      samplesPerSec: (steps * batchSize) / seconds,
      batchSize,
      steps,
      notes: opened.notes,
    };
  } finally {
    await engine.close();
  }
}
