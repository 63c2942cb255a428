/**
 * Loads a participant's local data through core/data and describes it without giving it away:
 * counts per class and shape for the hub, a few samples for the local preview only.
 */
import { checkAgainstSchema, loadDataSource, previewSamples, summarize } from '../data/load.ts';
import { take } from '../data/partition.ts';
import type { ModelSpec } from '../model/spec.ts';
import type { DataSource } from '../wire/bridge.ts';
import type { LoadedData } from './types.ts';

/** Reads the data a source names (the owner's partition share, limits applied), for a model of `shape`. */
export async function loadLocalData(
  source: DataSource,
  opts: { testLimit?: number; shape?: [number, number, number]; numClasses?: number } = {},
): Promise<LoadedData> {
  const split = await loadDataSource(source, opts.shape ?? [28, 28, 1], opts.numClasses ?? 10);
  const limited = opts.testLimit ? { train: split.train, test: take(split.test, opts.testLimit) } : split;
  if (limited.train.labels.length === 0) throw new Error(`${describe(source)} has no training samples.`);
  return {
    split: limited,
    description: describe(source),
    summary: summarize(limited),
    samples: previewSamples(limited.train),
  };
}

/** A one-line description of a data source for logs and the Data screen. */
export function describe(source: DataSource): string {
  switch (source.kind) {
    case 'fashion-mnist': {
      const o = source.owner;
      const share = o ? `, ${o.env}-environment share ${o.index + 1} (seed ${o.seed})` : '';
      return `Fashion-MNIST${share}${source.limit ? `, first ${source.limit} training samples` : ''}`;
    }
    case 'idx':
      return `IDX files ${source.imagesPath}`;
    case 'folder':
      return `image folder ${source.path}`;
    case 'csv':
      return `CSV file ${source.path}`;
  }
}

/** What does not fit between the data and the job's model, in words; empty when it fits. */
export function checkAgainstModel(summary: LoadedData['summary'], model: ModelSpec): string[] {
  return checkAgainstSchema(summary, { inputShape: model.inputShape, numClasses: model.numClasses });
}
