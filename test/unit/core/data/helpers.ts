import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Dataset } from '../../../../core/data/types.ts';

/** A fresh temporary folder and a function removing it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'fedunify-data-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** IDX bytes (ubyte) with the given dims and payload; `gzip` compresses them. */
export function idxBytes(dims: number[], payload: Uint8Array, gzip = false): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const bytes = new Uint8Array(header.length + payload.length);
  bytes.set(header);
  bytes.set(payload, header.length);
  return gzip ? gzipSync(bytes) : bytes;
}

/** A synthetic dataset whose sample i has every pixel equal to `idBase + i` (so samples can be traced) and label i % classes. */
export function tracedDataset(
  n: number,
  idBase: number,
  classes = 10,
  shape: [number, number, number] = [2, 2, 1],
): Dataset {
  const per = shape[0] * shape[1] * shape[2];
  const images = new Float32Array(n * per);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    images.fill(idBase + i, i * per, (i + 1) * per);
    labels[i] = i % classes;
  }
  return { images, labels, shape, numClasses: classes, source: `traced@${idBase}` };
}

/** The trace ids of a traced dataset's samples. */
export function ids(ds: Dataset): number[] {
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  return Array.from(ds.labels, (_, i) => ds.images[i * per]);
}

/** Whether the real Fashion-MNIST is installed; prints why tests are skipped when it is not. */
export function haveFashionMnist(locate: () => string): boolean {
  try {
    locate();
    return true;
  } catch (e) {
    console.log(`skipping real Fashion-MNIST tests: ${(e as Error).message}`);
    return false;
  }
}
