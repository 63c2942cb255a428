import { describe, expect, it } from 'vitest';
import {
  concat,
  holdOut,
  limitPartition,
  mulberry32,
  partition,
  sampleDirichlet,
  sampleGamma,
  shuffledIndices,
  sizeOf,
  subset,
  take,
} from '../../../../core/data/partition.ts';
import { ids, tracedDataset } from './helpers.ts';

// 700 train + 140 test, ids 0..839: small enough to check every sample.
const train = tracedDataset(700, 0);
const test = tracedDataset(140, 700);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe('dataset helpers', () => {
  it('subset copies the chosen samples in order', () => {
    expect(ids(subset(train, [5, 2, 9]))).toEqual([5, 2, 9]);
  });

  it('concat appends and take keeps the first n', () => {
    const both = concat(take(train, 3), take(test, 2));
    expect(ids(both)).toEqual([0, 1, 2, 700, 701]);
    expect(Array.from(both.labels)).toEqual([0, 1, 2, 0, 1]);
  });

  it('concat refuses datasets of different shapes', () => {
    expect(() => concat(train, tracedDataset(2, 0, 10, [3, 3, 1]))).toThrow(/cannot combine/);
  });

  it('shuffledIndices is a seeded permutation', () => {
    const a = shuffledIndices(100, 3);
    expect(sorted(Array.from(a))).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(shuffledIndices(100, 3))).toEqual(Array.from(a));
    expect(Array.from(shuffledIndices(100, 4))).not.toEqual(Array.from(a));
  });

  it('holdOut keeps 1/6 for testing, disjoint and deterministic', () => {
    const { train: tr, test: te } = holdOut(train);
    expect([sizeOf(tr), sizeOf(te)]).toEqual([584, 116]);
    expect(sorted([...ids(tr), ...ids(te)])).toEqual(ids(train));
    expect(ids(holdOut(train).test)).toEqual(ids(te));
  });
});

describe('partition (synthetic, traceable samples)', () => {
  it('V: two disjoint IID halves, a hub test set, and every sample used once', () => {
    const p = partition(train, test, { env: 'V', seed: 1 });
    expect(p.owners.map((o) => [sizeOf(o.train), sizeOf(o.test)])).toEqual([
      [350, 70],
      [350, 70],
    ]);
    expect(sizeOf(p.hubTest)).toBe(140);
    const ownerIds = p.owners.flatMap((o) => [...ids(o.train), ...ids(o.test)]);
    expect(sorted(ownerIds)).toEqual(Array.from({ length: 840 }, (_, i) => i));
    expect(sorted(ids(p.hubTest))).toEqual(sorted(p.owners.flatMap((o) => ids(o.test))));
  });

  it('iid: k equal shares', () => {
    const p = partition(train, test, { env: 'iid', seed: 1, owners: 4 });
    expect(p.owners.map((o) => sizeOf(o.train))).toEqual([175, 175, 175, 175]);
    expect(new Set(p.owners.flatMap((o) => ids(o.train))).size).toBe(700);
  });

  it('H: owner 1 has classes 0–4, owner 2 classes 5–9, train/test ratio kept', () => {
    const p = partition(train, test, { env: 'H', seed: 1 });
    const labelSet = (xs: Int32Array) => sorted([...new Set(xs)]);
    expect(labelSet(p.owners[0].train.labels)).toEqual([0, 1, 2, 3, 4]);
    expect(labelSet(p.owners[1].test.labels)).toEqual([5, 6, 7, 8, 9]);
    expect(p.owners.map((o) => [sizeOf(o.train), sizeOf(o.test)])).toEqual([
      [350, 70],
      [350, 70],
    ]);
    expect(labelSet(take(p.hubTest, 20).labels).length).toBeGreaterThan(5);
  });

  it('dirichlet: every train sample goes to exactly one owner', () => {
    const p = partition(train, test, { env: 'dirichlet', seed: 2, owners: 3, alpha: 0.5 });
    expect(sorted(p.owners.flatMap((o) => ids(o.train)))).toEqual(ids(train));
    expect(sizeOf(p.hubTest)).toBe(140);
  });

  it('is deterministic from the seed', () => {
    const a = partition(train, test, { env: 'dirichlet', seed: 5, owners: 3, alpha: 0.3 });
    const b = partition(train, test, { env: 'dirichlet', seed: 5, owners: 3, alpha: 0.3 });
    const c = partition(train, test, { env: 'dirichlet', seed: 6, owners: 3, alpha: 0.3 });
    expect(a.owners.map((o) => ids(o.train))).toEqual(b.owners.map((o) => ids(o.train)));
    expect(a.owners.map((o) => ids(o.train))).not.toEqual(c.owners.map((o) => ids(o.train)));
  });

  it('rejects bad owner counts and alpha', () => {
    expect(() => partition(train, test, { env: 'iid', seed: 1, owners: 0 })).toThrow('owner count 0');
    expect(() => partition(train, test, { env: 'dirichlet', seed: 1, owners: 2, alpha: 0 })).toThrow(
      /alpha 0 must be a positive number/,
    );
  });

  it('limitPartition keeps the first samples of each split', () => {
    const p = partition(train, test, { env: 'V', seed: 1 });
    const small = limitPartition(p, 10, 4, 6);
    expect(ids(small.owners[1].train)).toEqual(ids(p.owners[1].train).slice(0, 10));
    expect(small.owners.map((o) => sizeOf(o.test))).toEqual([4, 4]);
    expect(sizeOf(small.hubTest)).toBe(6);
    expect(() => limitPartition(p, 0)).toThrow('trainPerOwner 0 must be a positive integer');
  });
});

describe('random draws', () => {
  it('Gamma(a) has mean a', () => {
    for (const a of [0.2, 1, 5]) {
      const rng = mulberry32(11);
      let sum = 0;
      for (let i = 0; i < 20000; i++) sum += sampleGamma(a, rng);
      expect(sum / 20000).toBeCloseTo(a, 1);
    }
  });

  it('Dirichlet draws are proportions, even for tiny alpha', () => {
    const rng = mulberry32(3);
    for (const alpha of [0.001, 1, 100]) {
      const p = sampleDirichlet(alpha, 5, rng);
      expect(p.every((x) => x >= 0)).toBe(true);
      expect(p.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
    }
  });
});
