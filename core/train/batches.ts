/** Gathering batches of a Dataset into tensors. */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/types.ts';

/** Checks that a dataset's arrays agree with its shape; throws a clear error otherwise. */
export function checkDataset(data: Dataset): number {
  const [h, w, c] = data.shape;
  const per = h * w * c;
  const n = data.labels.length;
  if (data.images.length !== n * per) {
    throw new Error(
      `dataset '${data.source}': ${data.images.length} pixel values for ${n} labels of shape [${data.shape}]`,
    );
  }
  return n;
}

/** Copies the samples `indices[from..to)` into fresh image and label arrays. */
export function gatherArrays(
  data: Dataset,
  indices: Int32Array | null,
  from: number,
  to: number,
): { images: Float32Array; labels: Int32Array } {
  const [h, w, c] = data.shape;
  const per = h * w * c;
  const b = to - from;
  const images = new Float32Array(b * per);
  const labels = new Int32Array(b);
  for (let i = 0; i < b; i++) {
    const j = indices === null ? from + i : indices[from + i];
    images.set(data.images.subarray(j * per, (j + 1) * per), i * per);
    labels[i] = data.labels[j];
  }
  return { images, labels };
}

/** Copies the samples `indices[from..to)` into an image tensor [b, h, w, c] and an int32 label tensor [b]. */
export function gatherBatch(
  data: Dataset,
  indices: Int32Array | null,
  from: number,
  to: number,
): { xs: tf.Tensor4D; ys: tf.Tensor1D } {
  const [h, w, c] = data.shape;
  const { images, labels } = gatherArrays(data, indices, from, to);
  return { xs: tf.tensor4d(images, [to - from, h, w, c]), ys: tf.tensor1d(labels, 'int32') };
}

/**
 * Sparse categorical cross-entropy of softmax probabilities (paper eq. 3): −mean log p[label],
 * probabilities clipped to [1e-7, 1 − 1e-7] like Keras so that log never sees 0.
 */
export function sparseCrossEntropy(probs: tf.Tensor, labels: tf.Tensor1D, numClasses: number): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels, numClasses);
    const clipped = tf.clipByValue(probs, 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(clipped)), 1))) as tf.Scalar;
  });
}
