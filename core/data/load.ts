/**
 * One entry point from a participant's DataSource to its local train/test split, plus what the Data
 * screen and the `ready` message show about it: a summary, sample previews, and problems against the job.
 */
import type { DataPreview, DataSource } from '../wire/bridge.ts';
import type { DatasetSummary } from '../wire/protocol.ts';
import { loadCsv } from './csv.ts';
import { loadFashionMnist } from './fashion-mnist.ts';
import { loadImageFolderSplit } from './folder.ts';
import { loadIdxPair } from './idx.ts';
import { holdOut, partition, sizeOf, take } from './partition.ts';
import type { Dataset, OwnerSplit, PartitionSpec } from './types.ts';

type FashionSource = Extract<DataSource, { kind: 'fashion-mnist' }>;

/**
 * Loads a data source for a job of input `shape` and `numClasses`. Sources without a test split get a
 * deterministic 1/6 held-out one. Fashion-MNIST with `owner` gets that owner's share (index 0-based);
 * `limit` keeps the first `limit` train and ⌈limit/6⌉ test samples. Datasets may be shared with a cache: do not mutate.
 */
export async function loadDataSource(
  source: DataSource,
  shape: [number, number, number],
  numClasses: number,
): Promise<OwnerSplit> {
  switch (source.kind) {
    case 'fashion-mnist':
      return loadFashionSource(source);
    case 'idx': {
      const train = await loadIdxPair(source.imagesPath, source.labelsPath, numClasses);
      if (!source.testImagesPath !== !source.testLabelsPath) {
        throw new Error(
          'IDX test split: give both the test images file and the test labels file, or neither',
        );
      }
      if (source.testImagesPath && source.testLabelsPath) {
        return { train, test: await loadIdxPair(source.testImagesPath, source.testLabelsPath, numClasses) };
      }
      return holdOut(train);
    }
    case 'folder': {
      const { train, test } = await loadImageFolderSplit(source.path, shape);
      return test ? { train, test } : holdOut(train);
    }
    case 'csv':
      return holdOut(await loadCsv(source.path, shape, numClasses));
    default:
      throw new Error(`unknown data source kind '${(source as { kind: string }).kind}'`);
  }
}

/** Fashion-MNIST whole, or one owner's share of a partition, optionally limited. */
async function loadFashionSource(source: FashionSource): Promise<OwnerSplit> {
  const { train, test } = await loadFashionMnist(source.path);
  let split: OwnerSplit = { train, test };
  if (source.owner) {
    const { env, index, seed, owners = 2, alpha } = source.owner;
    let spec: PartitionSpec;
    if (env === 'dirichlet') {
      if (alpha === undefined) throw new Error('a dirichlet owner needs alpha (e.g. 0.5)');
      spec = { env, seed, owners, alpha };
    } else spec = env === 'iid' ? { env, seed, owners } : { env, seed };
    const p = partition(train, test, spec);
    if (!Number.isInteger(index) || index < 0 || index >= p.owners.length) {
      throw new Error(`owner index ${index} is outside 0..${p.owners.length - 1} for the ${env} partition`);
    }
    split = p.owners[index];
  }
  if (source.limit !== undefined) {
    if (!Number.isInteger(source.limit) || source.limit < 1) {
      throw new Error(`limit ${source.limit} must be a positive integer (train samples to keep)`);
    }
    split = { train: take(split.train, source.limit), test: take(split.test, Math.ceil(source.limit / 6)) };
  }
  return split;
}

/** Shapes and counts of a split (never the data), as a participant reports them to the hub. */
export function summarize(split: OwnerSplit): DatasetSummary {
  const { train, test } = split;
  const classCounts = new Array<number>(train.numClasses).fill(0);
  for (let i = 0; i < train.labels.length; i++) classCounts[train.labels[i]]++;
  return {
    inputShape: [...train.shape],
    numClasses: train.numClasses,
    classCounts,
    trainSamples: sizeOf(train),
    testSamples: sizeOf(test),
  };
}

/** Up to `n` samples for the Data screen, taken round-robin across classes, pixels 0..255. */
export function previewSamples(ds: Dataset, n = 32): DataPreview['samples'] {
  const perClass: number[][] = Array.from({ length: ds.numClasses }, () => []);
  for (let i = 0; i < ds.labels.length; i++) {
    const bucket = perClass[ds.labels[i]];
    if (bucket && bucket.length < n) bucket.push(i);
  }
  const picked: number[] = [];
  for (let round = 0; picked.length < n; round++) {
    let any = false;
    for (const bucket of perClass) {
      if (round < bucket.length && picked.length < n) {
        picked.push(bucket[round]);
        any = true;
      }
    }
    if (!any) break;
  }
  const [height, width, channels] = ds.shape;
  const per = height * width * channels;
  return picked.map((i) => ({
    label: ds.labels[i],
    width,
    height,
    channels,
    pixels: Array.from(ds.images.subarray(i * per, (i + 1) * per), (v) => Math.round(v * 255)),
  }));
}

/** What does not fit the job's schema, each with what to do about it; empty when the data fits. */
export function checkAgainstSchema(
  summary: DatasetSummary,
  schema: { inputShape: [number, number, number]; numClasses: number },
): string[] {
  const problems: string[] = [];
  const show = (s: readonly number[]) => s.join('×');
  if (show(summary.inputShape) !== show(schema.inputShape)) {
    problems.push(
      `images are ${show(summary.inputShape)} (height×width×channels) but the job expects ${show(schema.inputShape)}: ` +
        'choose data of that shape (image folders are resized to the job shape automatically; IDX and CSV files are not)',
    );
  }
  if (summary.numClasses > schema.numClasses) {
    problems.push(
      `the data has ${summary.numClasses} classes but the job expects ${schema.numClasses}: remove the extra class folders or labels ≥ ${schema.numClasses}`,
    );
  } else if (summary.numClasses < schema.numClasses) {
    problems.push(
      `the data has ${summary.numClasses} classes but the job expects ${schema.numClasses}: class folders map to labels in sorted name order, so add (possibly empty) folders for the missing classes`,
    );
  }
  if (summary.trainSamples === 0) {
    problems.push('there are no training samples: pick a source with labelled images');
  }
  if (summary.testSamples === 0) {
    problems.push(
      'there are no test samples, so local accuracy cannot be measured: add a test split (train/ and test/ folders, or test IDX files) or use more data',
    );
  }
  return problems;
}
