/**
 * Fashion-MNIST (Xiao et al. 2017): 60,000 train + 10,000 test 28×28 grayscale images, 10 classes,
 * the four IDX .gz files the Debian package `dataset-fashion-mnist` installs.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadIdxPair } from './idx.ts';
import type { Dataset } from './types.ts';

/** Where the Debian package puts the files. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The four files, as published. */
export const FASHION_MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

/** Class names in label order (kept in core/wire so the browser UI can use them too). */
export { FASHION_MNIST_CLASSES } from '../wire/datasets.ts';

const INSTALL_HINT =
  'Install it with `sudo apt-get install dataset-fashion-mnist`, or pass --data DIR / set FEDUNIFY_FASHION_MNIST to a folder with the four IDX .gz files';

/** The files of FASHION_MNIST_FILES missing from `dir`. */
function missingFiles(dir: string): string[] {
  return Object.values(FASHION_MNIST_FILES).filter((f) => !existsSync(join(dir, f)));
}

/** Finds the Fashion-MNIST folder: `explicit`, then $FEDUNIFY_FASHION_MNIST, then the Debian location. */
export function locateFashionMnist(explicit?: string): string {
  const chosen = explicit ?? process.env.FEDUNIFY_FASHION_MNIST;
  if (chosen) {
    const dir = resolve(chosen);
    const missing = missingFiles(dir);
    if (missing.length > 0) {
      const from = explicit ? 'the given folder' : 'FEDUNIFY_FASHION_MNIST';
      throw new Error(
        `Fashion-MNIST not found in ${dir} (${from}): missing ${missing.join(', ')}. ${INSTALL_HINT}`,
      );
    }
    return dir;
  }
  if (missingFiles(DEFAULT_FASHION_MNIST_DIR).length === 0) return DEFAULT_FASHION_MNIST_DIR;
  throw new Error(`Fashion-MNIST not found. ${INSTALL_HINT}`);
}

const cache = new Map<string, Promise<{ train: Dataset; test: Dataset }>>();

/** Loads the train and test sets (cached in memory per folder, so repeated calls share arrays: do not mutate them). */
export async function loadFashionMnist(dir?: string): Promise<{ train: Dataset; test: Dataset }> {
  const root = locateFashionMnist(dir);
  let pending = cache.get(root);
  if (!pending) {
    pending = (async () => {
      const f = FASHION_MNIST_FILES;
      const [train, test] = await Promise.all([
        loadIdxPair(join(root, f.trainImages), join(root, f.trainLabels), 10),
        loadIdxPair(join(root, f.testImages), join(root, f.testLabels), 10),
      ]);
      return {
        train: { ...train, source: 'fashion-mnist train' },
        test: { ...test, source: 'fashion-mnist test' },
      };
    })();
    // A failed load must not poison the cache: the next call retries.
    pending.catch(() => cache.delete(root));
    cache.set(root, pending);
  }
  return pending;
}
