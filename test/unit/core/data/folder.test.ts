import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { loadImageFolder, loadImageFolderSplit } from '../../../../core/data/folder.ts';
import { tempDir } from './helpers.ts';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** Writes a PNG whose every pixel is (r, g, b), or a pattern from `pixel(x, y)`. */
function writePng(
  path: string,
  w: number,
  h: number,
  pixel: (x: number, y: number) => [number, number, number],
) {
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [r, g, b] = pixel(x, y);
      png.data.set([r, g, b, 255], 4 * (y * w + x));
    }
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, PNG.sync.write(png));
}

function writeJpeg(path: string, w: number, h: number, value: number) {
  const data = new Uint8Array(w * h * 4).fill(value);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, jpeg.encode({ width: w, height: h, data }, 100).data);
}

describe('loadImageFolder', () => {
  const root = join(dir, 'flat');
  writePng(join(root, 'zebra', 'a.png'), 4, 4, () => [255, 255, 255]);
  writePng(join(root, 'ant', 'b.png'), 4, 4, () => [0, 0, 0]);
  writeJpeg(join(root, 'ant', 'c.JPG'), 8, 8, 128);
  writeFileSync(join(root, 'ant', 'notes.txt'), 'ignored');

  it('maps sorted class folder names to labels and reads PNG and JPEG', async () => {
    const ds = await loadImageFolder(root, [2, 2, 1]);
    expect(ds.numClasses).toBe(2);
    expect(Array.from(ds.labels)).toEqual([0, 0, 1]); // ant/b.png, ant/c.JPG, zebra/a.png
    expect(Array.from(ds.images.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(ds.images[4]).toBeCloseTo(128 / 255, 1);
    expect(Array.from(ds.images.subarray(8, 12)).map((v) => Math.round(v * 255))).toEqual([
      255, 255, 255, 255,
    ]);
  });

  it('averages areas when shrinking and keeps RGB channels', async () => {
    const path = join(dir, 'resize');
    // Left half red, right half blue; 4×4 → 2×1 gives one red and one blue pixel.
    writePng(join(path, 'only', 'x.png'), 4, 4, (x) => (x < 2 ? [255, 0, 0] : [0, 0, 255]));
    const rgb = await loadImageFolder(path, [1, 2, 3]);
    expect(Array.from(rgb.images, (v) => Math.round(v * 255))).toEqual([255, 0, 0, 0, 0, 255]);
    const gray = await loadImageFolder(path, [1, 1, 1]);
    expect(gray.images[0] * 255).toBeCloseTo((0.299 * 255 + 0.114 * 255) / 2, 3);
  });

  it('reads a train/ + test/ layout with the same class indices', async () => {
    const path = join(dir, 'split');
    writePng(join(path, 'train', 'cat', '1.png'), 2, 2, () => [10, 10, 10]);
    writePng(join(path, 'train', 'dog', '1.png'), 2, 2, () => [20, 20, 20]);
    writePng(join(path, 'test', 'dog', '1.png'), 2, 2, () => [30, 30, 30]);
    const { train, test } = await loadImageFolderSplit(path, [2, 2, 1]);
    expect(Array.from(train.labels)).toEqual([0, 1]);
    expect(test && Array.from(test.labels)).toEqual([1]);
    expect(test?.numClasses).toBe(2);
  });

  it('names an unreadable image file', async () => {
    const path = join(dir, 'broken');
    writePng(join(path, 'a', 'ok.png'), 2, 2, () => [1, 2, 3]);
    writeFileSync(join(path, 'a', 'bad.png'), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    await expect(loadImageFolder(path, [2, 2, 1])).rejects.toThrow(
      new RegExp(`${join(path, 'a', 'bad.png').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: unreadable image`),
    );
  });

  it('explains the layout when there are no class folders', async () => {
    const path = join(dir, 'empty');
    mkdirSync(path, { recursive: true });
    await expect(loadImageFolder(path, [2, 2, 1])).rejects.toThrow(
      /no class subfolders. Put each class's images/,
    );
  });

  it('rejects channel counts other than 1 and 3', async () => {
    await expect(loadImageFolder(root, [2, 2, 4])).rejects.toThrow(
      'image channels 4 must be 1 (grayscale) or 3 (RGB)',
    );
  });
});
