import { describe, expect, it, beforeAll } from 'vitest';
import {
  FASHION_MNIST_FILES,
  loadFashionMnist,
  locateFashionMnist,
} from '../../../../core/data/fashion-mnist.ts';
import { partition, sizeOf } from '../../../../core/data/partition.ts';
import type { Dataset } from '../../../../core/data/types.ts';
import { haveFashionMnist, ids, tempDir } from './helpers.ts';

describe('locateFashionMnist', () => {
  it('names the folder, the missing files and how to install them', () => {
    const { dir, cleanup } = tempDir();
    try {
      expect(() => locateFashionMnist(dir)).toThrow(
        new RegExp(
          `not found in .*: missing ${FASHION_MNIST_FILES.trainImages}.*apt-get install dataset-fashion-mnist`,
        ),
      );
    } finally {
      cleanup();
    }
  });

  it('reads FEDUNIFY_FASHION_MNIST when no path is given', () => {
    const { dir, cleanup } = tempDir();
    const before = process.env.FEDUNIFY_FASHION_MNIST;
    process.env.FEDUNIFY_FASHION_MNIST = dir;
    try {
      expect(() => locateFashionMnist()).toThrow(/\(FEDUNIFY_FASHION_MNIST\)/);
    } finally {
      if (before === undefined) delete process.env.FEDUNIFY_FASHION_MNIST;
      else process.env.FEDUNIFY_FASHION_MNIST = before;
      cleanup();
    }
  });
});

const have = haveFashionMnist(() => locateFashionMnist());

/** The real labels with a 1×1 image holding each sample's index, so partitions can be traced cheaply. */
function tracedReal(ds: Dataset, idBase: number): Dataset {
  return {
    ...ds,
    images: Float32Array.from(ds.labels, (_, i) => idBase + i),
    shape: [1, 1, 1],
  };
}
const labelSet = (ds: Dataset) => [...new Set(ds.labels)].sort((a, b) => a - b);
const distribution = (ds: Dataset) => {
  const counts = new Array<number>(ds.numClasses).fill(0);
  ds.labels.forEach((l) => counts[l]++);
  return counts.map((c) => c / Math.max(1, sizeOf(ds)));
};
const totalVariation = (p: number[], q: number[]) => p.reduce((s, x, i) => s + Math.abs(x - q[i]), 0) / 2;

describe.skipIf(!have)('real Fashion-MNIST', () => {
  let train: Dataset;
  let test: Dataset;
  let tTrain: Dataset;
  let tTest: Dataset;
  beforeAll(async () => {
    ({ train, test } = await loadFashionMnist());
    tTrain = tracedReal(train, 0);
    tTest = tracedReal(test, 60000);
  });

  it('has 60,000 + 10,000 28×28×1 images in [0, 1], 6,000 + 1,000 per class', async () => {
    expect([sizeOf(train), sizeOf(test)]).toEqual([60000, 10000]);
    expect(train.shape).toEqual([28, 28, 1]);
    expect(train.images.length).toBe(60000 * 784);
    expect(Math.max(...train.images.subarray(0, 784 * 10))).toBeLessThanOrEqual(1);
    expect(distribution(train).map((p) => Math.round(p * 60000))).toEqual(new Array(10).fill(6000));
    expect((await loadFashionMnist()).train).toBe(train);
  });

  it('V: 30,000 + 5,000 per owner, 10,000 at the hub, no sample in two places', () => {
    const p = partition(train, test, { env: 'V', seed: 1 });
    expect(p.owners.map((o) => [sizeOf(o.train), sizeOf(o.test)])).toEqual([
      [30000, 5000],
      [30000, 5000],
    ]);
    expect(sizeOf(p.hubTest)).toBe(10000);
    expect(p.owners[0].train.images.length).toBe(30000 * 784);
    const traced = partition(tTrain, tTest, { env: 'V', seed: 1 });
    const all = traced.owners.flatMap((o) => [...ids(o.train), ...ids(o.test)]);
    expect(new Set(all).size).toBe(70000);
    // Same seed, same permutation: the traced and real partitions hold the same labels.
    expect(Array.from(traced.owners[1].test.labels)).toEqual(Array.from(p.owners[1].test.labels));
  });

  it('H: owner 1 sees only labels 0–4, owner 2 only 5–9; 30,000 + 5,000 each', () => {
    const p = partition(tTrain, tTest, { env: 'H', seed: 1 });
    expect(labelSet(p.owners[0].train)).toEqual([0, 1, 2, 3, 4]);
    expect(labelSet(p.owners[0].test)).toEqual([0, 1, 2, 3, 4]);
    expect(labelSet(p.owners[1].train)).toEqual([5, 6, 7, 8, 9]);
    expect(labelSet(p.owners[1].test)).toEqual([5, 6, 7, 8, 9]);
    expect(p.owners.map((o) => [sizeOf(o.train), sizeOf(o.test)])).toEqual([
      [30000, 5000],
      [30000, 5000],
    ]);
    expect(labelSet(p.hubTest)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sizeOf(p.hubTest)).toBe(10000);
  });

  it('is deterministic from the seed', () => {
    const a = partition(tTrain, tTest, { env: 'H', seed: 42 });
    const b = partition(tTrain, tTest, { env: 'H', seed: 42 });
    const c = partition(tTrain, tTest, { env: 'H', seed: 43 });
    expect(ids(a.owners[0].train)).toEqual(ids(b.owners[0].train));
    expect(ids(a.owners[0].train)).not.toEqual(ids(c.owners[0].train));
  });

  it('dirichlet: label skew grows as alpha shrinks, and each owner tests on its own label mix', () => {
    const uniform = new Array<number>(10).fill(0.1);
    const skew = (alpha: number) => {
      const p = partition(tTrain, tTest, { env: 'dirichlet', seed: 7, owners: 5, alpha });
      const tv = p.owners.map((o) => totalVariation(distribution(o.train), uniform));
      const trainVsTest = p.owners.map((o) => totalVariation(distribution(o.train), distribution(o.test)));
      return { mean: tv.reduce((s, x) => s + x, 0) / tv.length, worstTestMismatch: Math.max(...trainVsTest) };
    };
    const [wide, mid, narrow] = [100, 1, 0.1].map(skew);
    console.log(
      `dirichlet mean TV distance from uniform: α=100 ${wide.mean.toFixed(3)}, α=1 ${mid.mean.toFixed(3)}, α=0.1 ${narrow.mean.toFixed(3)}`,
    );
    expect(wide.mean).toBeLessThan(mid.mean);
    expect(mid.mean).toBeLessThan(narrow.mean);
    expect(wide.mean).toBeLessThan(0.1);
    expect(narrow.mean).toBeGreaterThan(0.5);
    expect(mid.worstTestMismatch).toBeLessThan(0.05);
  });
});
