/**
 * Image folders: one subfolder per class (sorted names give class indices), PNG or JPEG files,
 * optionally under `train/` and `test/`. Every image is converted to the target channel count and
 * resized to the target height and width by area averaging.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import type { Dataset } from './types.ts';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** An image decoded to 8-bit RGBA. */
interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Loads a class-per-subfolder image set; for a `train/` + `test/` layout, the train part (see loadImageFolderSplit). */
export async function loadImageFolder(path: string, shape: [number, number, number]): Promise<Dataset> {
  return (await loadImageFolderSplit(path, shape)).train;
}

/** Loads a class-per-subfolder image set, or both halves of a `train/` + `test/` layout (test is null otherwise). */
export async function loadImageFolderSplit(
  path: string,
  shape: [number, number, number],
): Promise<{ train: Dataset; test: Dataset | null }> {
  checkShape(shape);
  const top = await subfolders(path);
  if (top.includes('train') && top.includes('test')) {
    const classes = await subfolders(join(path, 'train'));
    const testClasses = await subfolders(join(path, 'test'));
    const unknown = testClasses.filter((c) => !classes.includes(c));
    if (unknown.length > 0) {
      throw new Error(
        `${join(path, 'test')}: class folder(s) ${unknown.join(', ')} have no counterpart in ${join(path, 'train')}`,
      );
    }
    return {
      train: await loadClasses(join(path, 'train'), classes, shape),
      test: await loadClasses(join(path, 'test'), classes, shape, testClasses),
    };
  }
  return { train: await loadClasses(path, top, shape), test: null };
}

/** Rejects shapes the converter cannot produce. */
function checkShape([h, w, c]: [number, number, number]): void {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
    throw new Error(`image size ${h}×${w} must be positive integers`);
  }
  if (c !== 1 && c !== 3) throw new Error(`image channels ${c} must be 1 (grayscale) or 3 (RGB)`);
}

/** Sorted names of the subfolders of `dir`; errors when there are none. */
async function subfolders(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new Error(`${dir}: cannot open the folder (${(e as Error).message})`, { cause: e });
  }
  const names = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (names.length === 0) {
    throw new Error(
      `${dir}: no class subfolders. Put each class's images in its own folder (${join(dir, 'cat', '1.png')}), or use train/ and test/ folders holding such class folders`,
    );
  }
  return names;
}

/** Loads `present` class folders of `root`, labelling each by its index in `classes`. */
async function loadClasses(
  root: string,
  classes: string[],
  shape: [number, number, number],
  present: string[] = classes,
): Promise<Dataset> {
  const files: { file: string; label: number }[] = [];
  for (const name of present) {
    const dir = join(root, name);
    const entries = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort();
    for (const f of entries) files.push({ file: join(dir, f), label: classes.indexOf(name) });
  }
  if (files.length === 0) throw new Error(`${root}: no PNG or JPEG images in the class folders`);
  const [h, w, c] = shape;
  const per = h * w * c;
  const images = new Float32Array(files.length * per);
  const labels = new Int32Array(files.length);
  for (let i = 0; i < files.length; i++) {
    const { file, label } = files[i];
    const rgba = decodeImage(await readFile(file), file);
    writeResized(rgba, shape, images, i * per);
    labels[i] = label;
  }
  return { images, labels, shape: [h, w, c], numClasses: classes.length, source: root };
}

/** Decodes PNG or JPEG bytes to RGBA; an unreadable file gets an error naming it. */
export function decodeImage(bytes: Uint8Array, file: string): Rgba {
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: png.data };
    }
    if (isJpeg) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (e) {
    throw new Error(`${file}: unreadable image (${(e as Error).message}); fix or remove the file`, {
      cause: e,
    });
  }
  throw new Error(`${file}: unreadable image (neither PNG nor JPEG data); fix or remove the file`);
}

/** Per target index along one axis: the source indices it covers and their area weights (summing to 1). */
function axisWeights(src: number, dst: number): { index: number[]; weight: number[] }[] {
  const scale = src / dst;
  return Array.from({ length: dst }, (_, t) => {
    const lo = t * scale;
    const hi = (t + 1) * scale;
    const index: number[] = [];
    const weight: number[] = [];
    for (let i = Math.floor(lo); i < Math.min(src, Math.ceil(hi)); i++) {
      const overlap = Math.min(hi, i + 1) - Math.max(lo, i);
      if (overlap > 1e-9) {
        index.push(i);
        weight.push(overlap / scale);
      }
    }
    return { index, weight };
  });
}

/** Converts RGBA to `shape`'s channels (luma for grayscale, ITU-R BT.601) and area-resizes into `out` at `offset`, in [0, 1]. */
export function writeResized(
  img: Rgba,
  shape: [number, number, number],
  out: Float32Array,
  offset: number,
): void {
  const [h, w, c] = shape;
  const { width: sw, height: sh, data } = img;
  const src = new Float32Array(sw * sh * c);
  for (let p = 0; p < sw * sh; p++) {
    const r = data[4 * p];
    const g = data[4 * p + 1];
    const b = data[4 * p + 2];
    if (c === 1) src[p] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    else {
      src[3 * p] = r / 255;
      src[3 * p + 1] = g / 255;
      src[3 * p + 2] = b / 255;
    }
  }
  const rows = axisWeights(sh, h);
  const cols = axisWeights(sw, w);
  for (let y = 0; y < h; y++) {
    const ry = rows[y];
    for (let x = 0; x < w; x++) {
      const cx = cols[x];
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let a = 0; a < ry.index.length; a++) {
          for (let b = 0; b < cx.index.length; b++) {
            sum += ry.weight[a] * cx.weight[b] * src[(ry.index[a] * sw + cx.index[b]) * c + ch];
          }
        }
        out[offset + (y * w + x) * c + ch] = sum;
      }
    }
  }
}
