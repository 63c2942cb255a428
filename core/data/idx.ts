/**
 * IDX files (the MNIST / Fashion-MNIST format: http://yann.lecun.com/exdb/mnist/), raw or gzipped.
 * Header: two zero bytes, a dtype byte (0x08 = unsigned byte, the only one image sets use), the
 * dimension count, then each dimension as a big-endian u32; the payload follows.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { constants, gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Dataset } from './types.ts';

const gunzipAsync = promisify(gunzip);
const MAX_DIMS = 8;

/** Reads one IDX file (gzipped or raw) and checks its header against its size. */
export async function readIdx(path: string): Promise<{ dims: number[]; data: Uint8Array }> {
  const name = basename(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as Error).message})`, { cause: e });
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // Sync flush keeps what a cut-off archive still holds, so the header check below can say
      // "truncated" with numbers instead of zlib's bare "unexpected end of file".
      bytes = await gunzipAsync(bytes, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (e) {
      throw new Error(`${name}: not a valid gzip file (${(e as Error).message})`, { cause: e });
    }
  }
  return parseIdx(bytes, name);
}

/** Parses IDX bytes; `name` prefixes every error. */
export function parseIdx(bytes: Uint8Array, name: string): { dims: number[]; data: Uint8Array } {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(
      `${name}: not an IDX file (magic must start with 0x0000, found ${hex(bytes.subarray(0, 4))})`,
    );
  }
  if (bytes[2] !== 0x08) {
    throw new Error(
      `${name}: IDX dtype 0x${bytes[2].toString(16).padStart(2, '0')} is not supported (only 0x08, unsigned byte)`,
    );
  }
  const count = bytes[3];
  if (count < 1 || count > MAX_DIMS) {
    throw new Error(`${name}: IDX dimension count ${count} is not between 1 and ${MAX_DIMS}`);
  }
  const headerLength = 4 + 4 * count;
  if (bytes.length < headerLength) {
    throw new Error(`${name}: truncated: header needs ${headerLength} bytes, file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < count; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const declared = dims.reduce((a, b) => a * b, 1);
  const payload = bytes.length - headerLength;
  if (payload < declared) {
    throw new Error(
      `${name}: truncated: header declares ${dims.join('×')} = ${declared} bytes, file has ${payload}`,
    );
  }
  if (payload > declared) {
    throw new Error(
      `${name}: ${payload - declared} bytes beyond the ${dims.join('×')} = ${declared} the header declares`,
    );
  }
  return { dims, data: bytes.subarray(headerLength) };
}

/** Loads an images file and a labels file into a Dataset (pixels scaled to [0, 1]). */
export async function loadIdxPair(imagesPath: string, labelsPath: string, numClasses = 10): Promise<Dataset> {
  const [images, labels] = await Promise.all([readIdx(imagesPath), readIdx(labelsPath)]);
  const imgName = basename(imagesPath);
  const lblName = basename(labelsPath);
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new Error(
      `${imgName}: images need 3 dimensions (count×height×width) or 4 (…×channels), found ${images.dims.join('×')}`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new Error(`${lblName}: labels need 1 dimension (count), found ${labels.dims.join('×')}`);
  }
  const [n, h, w, c = 1] = images.dims;
  if (labels.dims[0] !== n) {
    throw new Error(
      `${imgName} holds ${n} images but ${lblName} holds ${labels.dims[0]} labels: pick files from the same set`,
    );
  }
  const labelArray = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = labels.data[i];
    if (label >= numClasses) {
      throw new Error(
        `${lblName}: label ${label} at index ${i} is not below the ${numClasses} classes expected`,
      );
    }
    labelArray[i] = label;
  }
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] / 255;
  return { images: pixels, labels: labelArray, shape: [h, w, c], numClasses, source: imagesPath };
}

/** Hex of a few bytes, for messages. */
function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ') || '(empty file)';
}
