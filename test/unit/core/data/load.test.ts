import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateFashionMnist } from '../../../../core/data/fashion-mnist.ts';
import { checkAgainstSchema, loadDataSource, previewSamples, summarize } from '../../../../core/data/load.ts';
import { sizeOf } from '../../../../core/data/partition.ts';
import { haveFashionMnist, idxBytes, tempDir, tracedDataset } from './helpers.ts';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

describe('loadDataSource', () => {
  it('holds out a deterministic 1/6 of a CSV as its test split', async () => {
    const path = join(dir, 'data.csv');
    writeFileSync(path, Array.from({ length: 60 }, (_, i) => `${i % 3},${i}`).join('\n'));
    const a = await loadDataSource({ kind: 'csv', path }, [1, 1, 1], 3);
    const b = await loadDataSource({ kind: 'csv', path }, [1, 1, 1], 3);
    expect([sizeOf(a.train), sizeOf(a.test)]).toEqual([50, 10]);
    expect(Array.from(a.test.images)).toEqual(Array.from(b.test.images));
    const seen = new Set([...a.train.images, ...a.test.images].map((v) => Math.round(v * 255)));
    expect(seen.size).toBe(60);
  });

  it('uses the IDX test files when given, and wants both of them', async () => {
    const file = (name: string, dims: number[], n: number) => {
      const path = join(dir, name);
      writeFileSync(path, idxBytes(dims, new Uint8Array(n)));
      return path;
    };
    const source = {
      kind: 'idx' as const,
      imagesPath: file('tr-img', [6, 2, 2], 24),
      labelsPath: file('tr-lbl', [6], 6),
      testImagesPath: file('te-img', [2, 2, 2], 8),
      testLabelsPath: file('te-lbl', [2], 2),
    };
    const split = await loadDataSource(source, [2, 2, 1], 10);
    expect([sizeOf(split.train), sizeOf(split.test)]).toEqual([6, 2]);
    await expect(loadDataSource({ ...source, testLabelsPath: undefined }, [2, 2, 1], 10)).rejects.toThrow(
      /give both the test images file and the test labels file/,
    );
  });
});

describe('summarize, previewSamples, checkAgainstSchema', () => {
  const train = tracedDataset(40, 0, 4);
  const test = tracedDataset(8, 100, 4);

  it('summarize counts classes of the train split', () => {
    expect(summarize({ train, test })).toEqual({
      inputShape: [2, 2, 1],
      numClasses: 4,
      classCounts: [10, 10, 10, 10],
      trainSamples: 40,
      testSamples: 8,
    });
  });

  it('previewSamples spreads samples across classes', () => {
    const samples = previewSamples(train, 6);
    expect(samples.map((s) => s.label)).toEqual([0, 1, 2, 3, 0, 1]);
    expect(samples[0]).toMatchObject({ width: 2, height: 2, channels: 1 });
    expect(samples[0].pixels).toHaveLength(4);
  });

  it('previewSamples stops at the dataset size', () => {
    expect(previewSamples(tracedDataset(3, 0, 4))).toHaveLength(3);
  });

  it('checkAgainstSchema is empty when the data fits', () => {
    expect(checkAgainstSchema(summarize({ train, test }), { inputShape: [2, 2, 1], numClasses: 4 })).toEqual(
      [],
    );
  });

  it('checkAgainstSchema says what does not fit and what to do', () => {
    const problems = checkAgainstSchema(
      { inputShape: [32, 32, 3], numClasses: 12, classCounts: [], trainSamples: 0, testSamples: 0 },
      { inputShape: [28, 28, 1], numClasses: 10 },
    );
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^images are 32×32×3 .* the job expects 28×28×1: choose data of that shape/);
    expect(problems[1]).toMatch(
      /12 classes but the job expects 10: remove the extra class folders or labels ≥ 10/,
    );
    expect(problems[3]).toMatch(/no test samples/);
  });
});

describe.skipIf(!haveFashionMnist(() => locateFashionMnist()))('loadDataSource: Fashion-MNIST owner', () => {
  it('gives one owner of an H partition, limited', async () => {
    const split = await loadDataSource(
      { kind: 'fashion-mnist', owner: { env: 'H', index: 1, seed: 1 }, limit: 600 },
      [28, 28, 1],
      10,
    );
    expect([sizeOf(split.train), sizeOf(split.test)]).toEqual([600, 100]);
    expect(Math.min(...split.train.labels)).toBeGreaterThanOrEqual(5);
    await expect(
      loadDataSource({ kind: 'fashion-mnist', owner: { env: 'V', index: 2, seed: 1 } }, [28, 28, 1], 10),
    ).rejects.toThrow('owner index 2 is outside 0..1 for the V partition');
  });
});
