/**
 * `fedunify bench train`: training throughput (samples/s) of the paper CNN on each backend, after
 * warm-up. Uses real Fashion-MNIST batches when the files are there, random data otherwise (and says so).
 */
import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import { loadFashionMnist } from '../../core/data/fashion-mnist.ts';
import type { Dataset } from '../../core/data/types.ts';
import { mulberry32 } from '../../core/model/random.ts';
import { buildModel, setWeights } from '../../core/model/build.ts';
import { initialWeights } from '../../core/model/init.ts';
import { PAPER_CNN } from '../../core/model/spec.ts';
import { selectBackend, type BackendPreference } from '../../core/train/backend.ts';
import { createTrainPool, threadedDevice } from '../../core/train/parallel.ts';
import { trainLocal } from '../../core/train/train-loop.ts';
import { positiveInt } from '../options.ts';
import { benchBrowser } from './bench-train-browser.ts';

interface BenchFlags {
  backend: BackendPreference | 'all' | 'webgpu' | 'webgl';
  batchSize: number;
  steps: number;
  threads?: number;
  json: boolean;
}

/** One row of the table. */
export interface BenchResult {
  backend: string;
  device: string;
  /** Data-parallel threads used (tensorflow manages its own: 1 here). */
  threads: number;
  samplesPerSec: number | null;
  error?: string;
}

async function benchData(samples: number): Promise<{ data: Dataset; real: boolean }> {
  try {
    const { train } = await loadFashionMnist();
    const per = 28 * 28;
    const n = Math.min(samples, train.labels.length);
    return {
      data: { ...train, images: train.images.subarray(0, n * per), labels: train.labels.subarray(0, n) },
      real: true,
    };
  } catch {
    const rand = mulberry32(1);
    const images = Float32Array.from({ length: samples * 784 }, () => rand());
    const labels = Int32Array.from({ length: samples }, (_, i) => i % 10);
    return { data: { images, labels, shape: [28, 28, 1], numClasses: 10, source: 'random' }, real: false };
  }
}

/** Threads for a backend: wasm defaults to every core, cpu to 1; tensorflow threads itself. */
function threadsFor(backend: string, requested: number | undefined): number {
  if (backend === 'tensorflow') return 1;
  return requested ?? (backend === 'wasm' ? availableParallelism() : 1);
}

async function benchOne(pref: BackendPreference, data: Dataset, flags: BenchFlags): Promise<BenchResult> {
  const info = await selectBackend(pref);
  const threads = threadsFor(info.backend, flags.threads);
  if (info.backend === 'tensorflow' && flags.threads !== undefined) {
    console.error('--threads ignored on the tensorflow backend: libtensorflow manages its own threads');
  }
  const model = buildModel(PAPER_CNN);
  setWeights(model, initialWeights(PAPER_CNN, 1));
  // One pool for warm-up and measurement, so the measured steps run on warmed-up workers.
  const pool = threads > 1 ? await createTrainPool(threads) : undefined;
  try {
    const common = {
      model,
      data,
      batchSize: flags.batchSize,
      learningRate: 0.001,
      optimizer: 'adam' as const,
      seed: 1,
      pool,
    };
    // Warm-up: first calls compile kernels and allocate memory (one step on the slow cpu backend).
    await trainLocal({ ...common, steps: pref === 'cpu' ? 1 : 2 });
    const result = await trainLocal({ ...common, steps: flags.steps });
    // The backend's own description counts one wasm thread; say how many run here.
    const device = threadedDevice(info.device, threads);
    return { backend: info.backend, device, threads, samplesPerSec: result.samplesPerSec };
  } finally {
    model.dispose();
    await pool?.close();
  }
}

/** The browser backends: one engine page in headless Chromium, its adapter printed (software said so). */
async function runBrowserBench(
  backend: 'webgpu' | 'webgl',
  flags: BenchFlags,
  chosen: { batchSize: boolean; steps: boolean },
): Promise<void> {
  const { data, real } = await benchData(Math.max(flags.batchSize * 8, 512));
  console.error(real ? `data: real Fashion-MNIST batches` : `data: random images (Fashion-MNIST not found)`);
  const r = await benchBrowser(backend, data, {
    batchSize: chosen.batchSize ? flags.batchSize : undefined,
    steps: chosen.steps ? flags.steps : undefined,
    defaults: { batchSize: flags.batchSize, steps: flags.steps },
  });
  for (const note of r.notes) console.error(`note: ${note}`);
  const kind = r.software ? 'software renderer, not a GPU: correctness only, not speed' : 'GPU';
  console.log(`paper CNN training throughput, batch ${r.batchSize}, ${r.steps} steps after warm-up`);
  console.log(`${backend} in headless Chromium: ${r.samplesPerSec.toFixed(2)} samples/s`);
  console.log(`adapter: ${r.adapter} (${kind})`);
  if (flags.json) {
    console.log(
      JSON.stringify({
        backend,
        adapter: r.adapter,
        software: r.software,
        samplesPerSec: r.samplesPerSec,
        batchSize: r.batchSize,
        steps: r.steps,
        data: real ? 'fashion-mnist' : 'random',
        notes: r.notes,
      }),
    );
  }
}

async function runBench(flags: BenchFlags, chosen: { batchSize: boolean; steps: boolean }): Promise<void> {
  if (flags.backend === 'webgpu' || flags.backend === 'webgl') {
    await runBrowserBench(flags.backend, flags, chosen);
    return;
  }
  const { data, real } = await benchData(Math.max(flags.batchSize * 8, 512));
  console.error(real ? `data: real Fashion-MNIST batches` : `data: random images (Fashion-MNIST not found)`);
  const prefs: BackendPreference[] =
    flags.backend === 'all' ? ['tensorflow', 'wasm', 'cpu'] : [flags.backend];
  const results: BenchResult[] = [];
  for (const pref of prefs) {
    try {
      // The plain-JS cpu backend is 100+ times slower: one small batch keeps `all` usable.
      const small = pref === 'cpu' && flags.backend === 'all';
      const sub = small ? { ...flags, steps: 1, batchSize: Math.min(flags.batchSize, 4) } : flags;
      const r = await benchOne(pref, data, sub);
      results.push(small ? { ...r, device: `${r.device}; measured on 1 batch of ${sub.batchSize}` } : r);
    } catch (err) {
      if (flags.backend !== 'all') throw err;
      results.push({
        backend: pref,
        device: '',
        threads: 1,
        samplesPerSec: null,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  console.log(`paper CNN training throughput, batch ${flags.batchSize}, ${flags.steps} steps after warm-up`);
  console.log(`${'backend'.padEnd(12)}${'threads'.padStart(8)}${'samples/s'.padStart(10)}  device / why not`);
  for (const r of results) {
    const sps = r.samplesPerSec === null ? '—' : r.samplesPerSec.toFixed(1);
    const threads = r.samplesPerSec === null ? '—' : String(r.threads);
    console.log(`${r.backend.padEnd(12)}${threads.padStart(8)}${sps.padStart(10)}  ${r.error ?? r.device}`);
  }
  if (flags.json) {
    const best = results
      .filter((r) => r.samplesPerSec !== null)
      .sort((a, b) => (b.samplesPerSec ?? 0) - (a.samplesPerSec ?? 0))[0];
    console.log(
      JSON.stringify({
        backend: best?.backend ?? null,
        threads: best?.threads ?? null,
        samplesPerSec: best?.samplesPerSec ?? null,
        batchSize: flags.batchSize,
        steps: flags.steps,
        data: real ? 'fashion-mnist' : 'random',
        results,
      }),
    );
  }
}

/** Registers `fedunify bench train` on the `bench` command. */
export function registerBenchTrain(bench: Command): void {
  bench
    .command('train')
    .description('Training throughput of the paper CNN (samples/s) per backend, after warm-up.')
    .addOption(
      new Option(
        '--backend <name>',
        'backend to measure, or all; webgpu and webgl run the GPU engine page in headless Chromium (CHROMIUM_PATH or /usr/bin/chromium)',
      )
        .choices(['auto', 'tensorflow', 'wasm', 'cpu', 'all', 'webgpu', 'webgl'])
        .default('auto'),
    )
    .option('--batch-size <n>', 'samples per batch', positiveInt('--batch-size'), 64)
    .option('--steps <n>', 'measured steps (batches)', positiveInt('--steps'), 10)
    .option(
      '--threads <n>',
      'data-parallel training threads in this process (default: all cores on wasm, 1 on cpu; ignored on tensorflow, which threads itself)',
      positiveInt('--threads'),
    )
    .option('--json', 'print one JSON object with the results as the last line of stdout', false)
    .action(async (flags: BenchFlags, cmd: Command) =>
      runBench(flags, {
        batchSize: cmd.getOptionValueSource('batchSize') !== 'default',
        steps: cmd.getOptionValueSource('steps') !== 'default',
      }),
    );
}
