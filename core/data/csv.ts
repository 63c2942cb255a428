/**
 * CSV image sets (the Kaggle MNIST layout): one sample per row, the label first, then h·w·c pixel
 * values 0..255 in row-major HWC order; an optional header row. Read line by line so large files
 * never sit in memory as one string.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Dataset } from './types.ts';

/** Loads a CSV of `label, pixel…` rows; `numClasses` defaults to the largest label + 1. */
export async function loadCsv(
  path: string,
  shape: [number, number, number],
  numClasses?: number,
): Promise<Dataset> {
  const [h, w, c] = shape;
  const per = h * w * c;
  const expectedColumns = 1 + per;
  try {
    await access(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as Error).message})`, { cause: e });
  }
  let images = new Float32Array(per * 1024);
  let labels = new Int32Array(1024);
  let n = 0;
  let lineNumber = 0;
  let sawData = false;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const raw of lines) {
    lineNumber++;
    const line = raw.trim();
    if (line === '') continue;
    const fields = line.split(',');
    // A first row whose label is not a number is a header.
    if (!sawData && Number.isNaN(Number(fields[0]))) {
      sawData = true;
      continue;
    }
    sawData = true;
    const where = `${path}: line ${lineNumber}`;
    if (fields.length !== expectedColumns) {
      throw new Error(
        `${where}: ${fields.length} columns, expected ${expectedColumns} (the label, then ${h}×${w}×${c} = ${per} pixels)`,
      );
    }
    const label = fields[0].trim() === '' ? NaN : Number(fields[0]);
    if (!Number.isInteger(label) || label < 0 || (numClasses !== undefined && label >= numClasses)) {
      const range = numClasses === undefined ? 'a class index ≥ 0' : `a class index 0..${numClasses - 1}`;
      throw new Error(`${where}: label '${fields[0].trim()}' is not ${range}`);
    }
    if (n === labels.length) {
      const grownImages = new Float32Array(images.length * 2);
      grownImages.set(images);
      images = grownImages;
      const grownLabels = new Int32Array(labels.length * 2);
      grownLabels.set(labels);
      labels = grownLabels;
    }
    for (let i = 0; i < per; i++) {
      const field = fields[i + 1];
      const v = field.trim() === '' ? NaN : Number(field);
      if (!(v >= 0 && v <= 255)) {
        throw new Error(`${where}: pixel ${i + 1} is '${field.trim()}', expected a number 0..255`);
      }
      images[n * per + i] = v / 255;
    }
    labels[n++] = label;
  }
  if (n === 0) throw new Error(`${path}: no data rows`);
  let maxLabel = 0;
  for (let i = 0; i < n; i++) maxLabel = Math.max(maxLabel, labels[i]);
  return {
    images: images.slice(0, n * per),
    labels: labels.slice(0, n),
    shape: [h, w, c],
    numClasses: numClasses ?? maxLabel + 1,
    source: path,
  };
}
