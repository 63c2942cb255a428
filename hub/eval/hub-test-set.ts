/**
 * The hub's own test set for a job (`hubEvaluation`): Fashion-MNIST from its usual place or a
 * given folder, optionally the hub split of a paper environment, optionally only the first N, or a
 * seeded random sample of N (`sample`).
 */
import type { JobSpec } from '../../core/wire/job-spec.ts';
import { resolveModel } from '../../core/wire/job-spec.ts';
import type { Dataset, PartitionSpec } from '../../core/data/types.ts';
import { loadFashionMnist } from '../../core/data/fashion-mnist.ts';
import { partition, shuffledIndices, sizeOf, subset, take } from '../../core/data/partition.ts';

/** Loads the hub test set a job describes; throws saying what is missing. */
export async function loadHubTestSet(spec: JobSpec): Promise<Dataset> {
  const ev = spec.hubEvaluation;
  if (!ev) throw new Error('this job has no hubEvaluation');
  const { train, test } = await loadFashionMnist(ev.data === 'fashion-mnist' ? undefined : ev.data);
  let data = test;
  if (ev.partition) {
    const p = ev.partition;
    const pspec: PartitionSpec =
      p.env === 'V' || p.env === 'H'
        ? { env: p.env, seed: p.seed }
        : p.env === 'iid'
          ? { env: 'iid', seed: p.seed, owners: p.owners ?? 2 }
          : { env: 'dirichlet', seed: p.seed, owners: p.owners ?? 2, alpha: p.alpha ?? 0.5 };
    data = partition(train, test, pspec).hubTest;
  }
  if (ev.limit) data = take(data, ev.limit);
  if (ev.sample && ev.sample < sizeOf(data)) {
    // A seeded random sample keeps every class represented where the first N might not.
    const order = shuffledIndices(sizeOf(data), spec.seed).subarray(0, ev.sample);
    data = subset(data, order, `${data.source} (sample of ${ev.sample})`);
  }
  const model = resolveModel(spec);
  const [h, w, c] = model.inputShape;
  if (
    data.shape[0] !== h ||
    data.shape[1] !== w ||
    data.shape[2] !== c ||
    data.numClasses !== model.numClasses
  ) {
    throw new Error(
      `the hub test set (${data.source}) is ${data.shape.join('×')} with ${data.numClasses} classes; the job's model takes ${h}×${w}×${c} with ${model.numClasses}`,
    );
  }
  return data;
}
