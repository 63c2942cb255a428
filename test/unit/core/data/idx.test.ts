import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadIdxPair, readIdx } from '../../../../core/data/idx.ts';
import { idxBytes, tempDir } from './helpers.ts';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const write = (name: string, bytes: Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};
const pixels = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);

describe('readIdx', () => {
  it('reads raw and gzipped files alike', async () => {
    const raw = await readIdx(write('raw-idx3-ubyte', idxBytes([3, 2, 2], pixels)));
    const gz = await readIdx(write('gz-idx3-ubyte.gz', idxBytes([3, 2, 2], pixels, true)));
    expect(raw.dims).toEqual([3, 2, 2]);
    expect(Array.from(gz.data)).toEqual(Array.from(pixels));
    expect(Array.from(raw.data)).toEqual(Array.from(pixels));
  });

  it('reports a truncated gzip file with the declared and actual sizes', async () => {
    const full = idxBytes([60000, 28, 28], new Uint8Array(1000));
    const path = write('train-images-idx3-ubyte.gz', idxBytes([60000, 28, 28], full.subarray(16), true));
    await expect(readIdx(path)).rejects.toThrow(
      'train-images-idx3-ubyte.gz: truncated: header declares 60000×28×28 = 47040000 bytes, file has 1000',
    );
  });

  it('reports a gzip archive cut in the middle as truncated', async () => {
    const gz = idxBytes(
      [4, 28, 28],
      new Uint8Array(4 * 784).map((_, i) => (i * 7919) % 251),
      true,
    );
    const path = write('cut-idx3-ubyte.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    await expect(readIdx(path)).rejects.toThrow(
      /cut-idx3-ubyte\.gz: truncated: header declares 4×28×28 = 3136 bytes, file has \d+/,
    );
  });

  it('rejects a wrong magic', async () => {
    const bytes = idxBytes([2], new Uint8Array(2));
    bytes[0] = 0x50;
    await expect(readIdx(write('bad-magic', bytes))).rejects.toThrow(
      /bad-magic: not an IDX file \(magic must start with 0x0000/,
    );
  });

  it('rejects a dtype other than unsigned byte', async () => {
    const bytes = idxBytes([2], new Uint8Array(8));
    bytes[2] = 0x0d;
    await expect(readIdx(write('floats', bytes))).rejects.toThrow('floats: IDX dtype 0x0d is not supported');
  });

  it('rejects extra bytes after the declared payload', async () => {
    await expect(readIdx(write('long', idxBytes([2], new Uint8Array(5))))).rejects.toThrow(
      'long: 3 bytes beyond the 2 = 2 the header declares',
    );
  });

  it('names the path of a missing file', async () => {
    await expect(readIdx(join(dir, 'absent.gz'))).rejects.toThrow(/absent\.gz: cannot read/);
  });
});

describe('loadIdxPair', () => {
  it('scales pixels to [0, 1] and keeps labels', async () => {
    const images = write('p-images', idxBytes([3, 2, 2], pixels));
    const labels = write('p-labels', idxBytes([3], Uint8Array.from([9, 0, 4])));
    const ds = await loadIdxPair(images, labels);
    expect(ds.shape).toEqual([2, 2, 1]);
    expect(Array.from(ds.labels)).toEqual([9, 0, 4]);
    expect(ds.images[5]).toBeCloseTo(100 / 255, 6);
  });

  it('names both files when counts differ', async () => {
    const images = write('c-images', idxBytes([3, 2, 2], pixels));
    const labels = write('c-labels', idxBytes([2], Uint8Array.from([1, 2])));
    await expect(loadIdxPair(images, labels)).rejects.toThrow(
      'c-images holds 3 images but c-labels holds 2 labels: pick files from the same set',
    );
  });

  it('rejects labels outside the class count', async () => {
    const images = write('l-images', idxBytes([3, 2, 2], pixels));
    const labels = write('l-labels', idxBytes([3], Uint8Array.from([1, 10, 2])));
    await expect(loadIdxPair(images, labels, 10)).rejects.toThrow(
      'l-labels: label 10 at index 1 is not below the 10 classes expected',
    );
  });
});
