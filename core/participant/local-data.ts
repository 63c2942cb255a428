/**
 * Loads a participant's local data from a DataSource and describes it without giving it away:
 * counts per class and shape for the hub, a few samples for the local preview only.
 */
import { loadFashionMnist } from '../data/fashion-mnist.ts';
import { loadImageFolderSplit } from '../data/folder.ts';
import { loadIdxPair } from '../data/idx.ts';
import { holdOut, partition, take } from '../data/partition.ts';
import type { Dataset, OwnerSplit, PartitionSpec } from '../data/types.ts';
import type { ModelSpec } from '../model/spec.ts';
import type { DataSource } from '../wire/bridge.ts';
import type { DatasetSummary } from '../wire/protocol.ts';
import type { LoadedData } from './types.ts';

const PREVIEW_SAMPLES = 32;

/** Reads the data a source names, applies the owner's partition share and the limits. */
export async function loadLocalData(
  source: DataSource,
  opts: { testLimit?: number; shape?: [number, number, number] } = {},
): Promise<LoadedData> {
  const { split, description } = await readSource(source, opts.shape ?? [28, 28, 1]);
  const limited: OwnerSplit = {
    train: 'limit' in source && source.limit ? take(split.train, source.limit) : split.train,
    test: opts.testLimit ? take(split.test, opts.testLimit) : split.test,
  };
  if (limited.train.labels.length === 0) throw new Error(`${description} has no training samples.`);
  return { split: limited, description, summary: summarize(limited), samples: previewSamples(limited.train) };
}

async function readSource(
  source: DataSource,
  shape: [number, number, number],
): Promise<{ split: OwnerSplit; description: string }> {
  switch (source.kind) {
    case 'fashion-mnist': {
      const { train, test } = await loadFashionMnist(source.path);
      if (!source.owner) return { split: { train, test }, description: 'Fashion-MNIST (all of it)' };
      const o = source.owner;
      const spec: PartitionSpec =
        o.env === 'V' || o.env === 'H'
          ? { env: o.env, seed: o.seed }
          : o.env === 'iid'
            ? { env: 'iid', seed: o.seed, owners: o.owners ?? 2 }
            : { env: 'dirichlet', seed: o.seed, owners: o.owners ?? 2, alpha: o.alpha ?? 0.5 };
      const parts = partition(train, test, spec);
      const owner = parts.owners[o.index];
      if (!owner) {
        throw new Error(
          `The ${o.env} partition has ${parts.owners.length} owners; owner index ${o.index} does not exist (use 0..${parts.owners.length - 1}).`,
        );
      }
      return {
        split: owner,
        description: `Fashion-MNIST, ${o.env}-environment share ${o.index + 1} of ${parts.owners.length} (seed ${o.seed})`,
      };
    }
    case 'idx': {
      const train = await loadIdxPair(source.imagesPath, source.labelsPath);
      if (source.testImagesPath && source.testLabelsPath) {
        const test = await loadIdxPair(source.testImagesPath, source.testLabelsPath, train.numClasses);
        return { split: { train, test }, description: `IDX files ${source.imagesPath}` };
      }
      return {
        split: holdOut(train),
        description: `IDX files ${source.imagesPath} (1/6 held out for testing)`,
      };
    }
    case 'folder': {
      const { train, test } = await loadImageFolderSplit(source.path, shape);
      return test
        ? { split: { train, test }, description: `image folder ${source.path}` }
        : { split: holdOut(train), description: `image folder ${source.path} (1/6 held out for testing)` };
    }
    case 'csv':
      throw new Error(
        `CSV data (${source.path}) is not supported by the participant yet; convert it to an image folder or IDX files.`,
      );
  }
}

/** Shape, class count and per-class counts of a split: everything the hub learns about the data. */
export function summarize(split: OwnerSplit): DatasetSummary {
  const counts = new Array<number>(split.train.numClasses).fill(0);
  for (const l of split.train.labels) if (l >= 0 && l < counts.length) counts[l]++;
  return {
    inputShape: split.train.shape,
    numClasses: split.train.numClasses,
    classCounts: counts,
    trainSamples: split.train.labels.length,
    testSamples: split.test.labels.length,
  };
}

/** Up to 32 samples as 0..255 pixels, for the local preview (never sent). */
export function previewSamples(ds: Dataset): LoadedData['samples'] {
  const [height, width, channels] = ds.shape;
  const size = height * width * channels;
  const n = Math.min(PREVIEW_SAMPLES, ds.labels.length);
  return Array.from({ length: n }, (_, i) => ({
    label: ds.labels[i],
    width,
    height,
    channels,
    pixels: Array.from(ds.images.subarray(i * size, (i + 1) * size), (v) => Math.round(v * 255)),
  }));
}

/** What does not fit between the data and the job's model, in words; empty when it fits. */
export function checkAgainstModel(summary: DatasetSummary, model: ModelSpec): string[] {
  const problems: string[] = [];
  if (summary.inputShape.join('×') !== model.inputShape.join('×')) {
    problems.push(
      `the images are ${summary.inputShape.join('×')} but the job's model takes ${model.inputShape.join('×')}`,
    );
  }
  if (summary.numClasses > model.numClasses) {
    problems.push(
      `the data has ${summary.numClasses} classes but the job's model predicts ${model.numClasses}`,
    );
  }
  if (summary.trainSamples === 0) problems.push('there are no training samples');
  return problems;
}
