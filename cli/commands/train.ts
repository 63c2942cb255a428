/**
 * `fedunify train`: the centralized baseline — the paper CNN trained on Fashion-MNIST in one place,
 * with test accuracy on the 10,000 test images after every epoch.
 */
import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import { loadFashionMnist } from '../../core/data/fashion-mnist.ts';
import type { Dataset } from '../../core/data/types.ts';
import type { BackendInfo } from '../../core/wire/protocol.ts';
import { buildModel, setWeights } from '../../core/model/build.ts';
import { initialWeights } from '../../core/model/init.ts';
import { PAPER_CNN } from '../../core/model/spec.ts';
import { BACKEND_PREFERENCES, selectBackend, type BackendPreference } from '../../core/train/backend.ts';
import { evaluate } from '../../core/train/evaluate.ts';
import { LR_SCHEDULES, type LrSchedule } from '../../core/train/lr-schedule.ts';
import { createTrainPool, threadedDevice, type TrainPool } from '../../core/train/parallel.ts';
import { trainLocal } from '../../core/train/train-loop.ts';
import { integer, positiveInt, positiveReal, progressBar } from '../options.ts';

interface TrainFlags {
  epochs: number;
  limit?: number;
  batchSize: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  lrSchedule: LrSchedule;
  backend: BackendPreference;
  data?: string;
  seed: number;
  threads?: number;
  json: boolean;
}

/** The first `limit` samples of a dataset (copies nothing but views). */
function firstSamples(data: Dataset, limit: number | undefined): Dataset {
  if (limit === undefined || limit >= data.labels.length) return data;
  const per = data.shape[0] * data.shape[1] * data.shape[2];
  return {
    ...data,
    images: data.images.subarray(0, limit * per),
    labels: data.labels.subarray(0, limit),
    source: `${data.source} (first ${limit})`,
  };
}

async function runTrain(flags: TrainFlags): Promise<void> {
  const log = (line: string): void => console.error(line);
  const backend = await selectBackend(flags.backend);
  log(`backend: ${backend.backend} — ${backend.device}`);
  for (const note of backend.notes) log(`  not used: ${note}`);
  const { train: fullTrain, test } = await loadFashionMnist(flags.data);
  const train = firstSamples(fullTrain, flags.limit);
  log(
    `data: ${train.labels.length} training samples, ${test.labels.length} test samples (${fullTrain.source})`,
  );
  log(
    `training: ${flags.optimizer}, lr ${flags.lr} ${flags.lrSchedule === 'constant' ? 'constant' : `${flags.lrSchedule} schedule (peak)`}, batch ${flags.batchSize}, ${flags.epochs} epoch(s), seed ${flags.seed}`,
  );
  // tensorflow threads itself; wasm defaults to every core, cpu to 1 (it is for debugging).
  let threads = 1;
  if (backend.backend === 'tensorflow') {
    if (flags.threads !== undefined) log('--threads ignored: the tensorflow backend manages its own threads');
  } else {
    threads = flags.threads ?? (backend.backend === 'wasm' ? availableParallelism() : 1);
  }
  log(
    `threads: ${threads}${threads > 1 ? ' (data-parallel: each computes the gradient of a slice of every batch)' : ''}`,
  );
  const pool: TrainPool | undefined = threads > 1 ? await createTrainPool(threads) : undefined;
  try {
    const used = { ...backend, device: threadedDevice(backend.device, threads) };
    await trainEpochs(flags, used, train, test, pool, threads);
  } finally {
    await pool?.close();
  }
}

async function trainEpochs(
  flags: TrainFlags,
  backend: BackendInfo,
  train: Dataset,
  test: Dataset,
  pool: TrainPool | undefined,
  threads: number,
): Promise<void> {
  const model = buildModel(PAPER_CNN);
  setWeights(model, initialWeights(PAPER_CNN, flags.seed));
  const epochs: {
    epoch: number;
    loss: number;
    accuracy: number;
    testAccuracy: number;
    samplesPerSec: number;
  }[] = [];
  // One schedule spans all epochs (each epoch is its own trainLocal call).
  const stepsPerEpoch = Math.ceil(train.labels.length / flags.batchSize);
  for (let epoch = 1; epoch <= flags.epochs; epoch++) {
    const bar = progressBar(`epoch ${epoch}/${flags.epochs}`);
    const result = await trainLocal({
      model,
      data: train,
      epochs: 1,
      batchSize: flags.batchSize,
      learningRate: flags.lr,
      optimizer: flags.optimizer,
      lrSchedule: flags.lrSchedule,
      scheduleSpan: { startStep: (epoch - 1) * stepsPerEpoch, totalSteps: flags.epochs * stepsPerEpoch },
      // One permutation per epoch, different across epochs, all from --seed.
      seed: flags.seed * 1000 + epoch,
      pool,
      onProgress: (p) => bar.update(p),
    }).finally(() => bar.stop());
    const metrics = await evaluate(model, test);
    epochs.push({
      epoch,
      loss: result.loss,
      accuracy: result.accuracy,
      testAccuracy: metrics.accuracy,
      samplesPerSec: result.samplesPerSec,
    });
    console.log(
      `epoch ${epoch}: loss ${result.loss.toFixed(4)}, train accuracy ${(result.accuracy * 100).toFixed(2)}%, ` +
        `test accuracy ${(metrics.accuracy * 100).toFixed(2)}% on ${test.labels.length} images, ` +
        `${result.samplesPerSec.toFixed(1)} samples/s`,
    );
  }
  model.dispose();
  if (flags.json) {
    console.log(
      JSON.stringify({
        backend,
        config: {
          optimizer: flags.optimizer,
          lr: flags.lr,
          lrSchedule: flags.lrSchedule,
          batchSize: flags.batchSize,
          epochs: flags.epochs,
          limit: flags.limit ?? null,
          seed: flags.seed,
          threads,
        },
        testAccuracy: epochs[epochs.length - 1].testAccuracy,
        epochs,
      }),
    );
  }
}

/** Registers `fedunify train`. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      'Centralized baseline: train the paper CNN on Fashion-MNIST and report test accuracy per epoch. ' +
        'Default: Adam, lr 0.004 with a cosine schedule (5 % linear warm-up, then decay to 0 over all epochs), ' +
        'batch 32; federated jobs keep a constant rate.',
    )
    .option('--epochs <n>', 'epochs over the training samples', positiveInt('--epochs'), 1)
    .option('--limit <n>', 'use only the first N training samples', positiveInt('--limit'))
    .option('--batch-size <n>', 'samples per batch', positiveInt('--batch-size'), 32)
    .option('--lr <rate>', 'learning rate (the peak of --lr-schedule)', positiveReal('--lr'), 0.004)
    .addOption(
      new Option('--lr-schedule <name>', 'learning-rate schedule over all epochs; --lr is its peak')
        .choices([...LR_SCHEDULES])
        .default('cosine'),
    )
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['adam', 'sgd']).default('adam'))
    .addOption(
      new Option('--backend <name>', 'tfjs backend (auto picks the fastest that works)')
        .choices([...BACKEND_PREFERENCES])
        .default('auto'),
    )
    .option('--data <dir>', 'folder with the four Fashion-MNIST IDX .gz files (default: the Debian package)')
    .option('--seed <n>', 'seed for initial weights and shuffling', integer('--seed'), 1)
    .option(
      '--threads <n>',
      'data-parallel training threads in this process (default: all cores on wasm, 1 on cpu; ignored on tensorflow)',
      positiveInt('--threads'),
    )
    .option('--json', 'print one JSON object with the results as the last line of stdout', false)
    .action(async (flags: TrainFlags) => runTrain(flags));
}
