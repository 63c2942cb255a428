import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCsv } from '../../../../core/data/csv.ts';
import { tempDir } from './helpers.ts';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('loadCsv', () => {
  it('reads label-first rows with a header and scales pixels', async () => {
    const path = write('ok.csv', 'label,p1,p2,p3,p4\n3,0,255,51,0\r\n1,255,255,255,255\n\n');
    const ds = await loadCsv(path, [2, 2, 1]);
    expect(Array.from(ds.labels)).toEqual([3, 1]);
    expect(ds.numClasses).toBe(4);
    expect(ds.images[2]).toBeCloseTo(0.2, 6);
    expect(ds.images.length).toBe(8);
  });

  it('reads files without a header and grows past its first buffer', async () => {
    const rows = Array.from({ length: 1500 }, (_, i) => `${i % 10},${i % 256}`).join('\n');
    const ds = await loadCsv(write('big.csv', rows), [1, 1, 1], 10);
    expect(ds.labels.length).toBe(1500);
    expect(ds.labels[1499]).toBe(9);
    expect(ds.images[1499] * 255).toBeCloseTo(1499 % 256, 3);
  });

  it('names the line of a row with the wrong column count', async () => {
    const path = write('short.csv', 'label,a,b,c,d\n1,0,0,0,0\n2,0,0,0\n');
    await expect(loadCsv(path, [2, 2, 1])).rejects.toThrow(
      `${path}: line 3: 4 columns, expected 5 (the label, then 2×2×1 = 4 pixels)`,
    );
  });

  it('rejects pixels outside 0..255 and labels outside the classes', async () => {
    await expect(loadCsv(write('px.csv', '1,0,300\n'), [1, 2, 1])).rejects.toThrow(
      /line 1: pixel 2 is '300', expected a number 0..255/,
    );
    await expect(loadCsv(write('lb.csv', '0,1\n12,2\n'), [1, 1, 1], 10)).rejects.toThrow(
      /line 2: label '12' is not a class index 0..9/,
    );
  });

  it('rejects an empty file', async () => {
    await expect(loadCsv(write('empty.csv', 'label,p\n'), [1, 1, 1])).rejects.toThrow(/no data rows/);
  });
});
