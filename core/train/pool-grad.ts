/**
 * MaxPool gradient for the wasm backend, whose MaxPoolGrad kernel takes ~200 ms per batch of the
 * paper CNN. Building it from forward ops needs 5-D transposes, which the wasm backend runs on a
 * slow generic path (~550 ms for the first pooling layer, measured), so this kernel is one pass of
 * plain JavaScript over the wasm heap instead: ~10 ms for the same layer.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of the wasm backend this kernel uses (public methods of BackendWasm). */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** tfjs' explicit NHWC padding; not exported by tfjs-core. */
type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/**
 * dx: each window's dy goes to the FIRST maximum of the window in row-major order, out-of-range
 * (padding) positions skipped, overlapping windows accumulated — the semantics of tfjs' cpu kernel,
 * so ties (ReLU zeros, constant background) never duplicate a gradient. Any pool size, stride, padding.
 * With `reluBefore`, x is a ReLU's output and the ReLU's gradient is applied too.
 */
export function maxPoolGradHeap(
  backend: HeapBackend,
  dy: TensorInfo,
  x: TensorInfo,
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: 'valid' | 'same' | number | ExplicitPadding,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
  reluBefore = false,
): TensorInfo {
  const xShape = x.shape as [number, number, number, number];
  const info = tf.backend_util.computePool2DInfo(xShape, filterSize, strides, 1, pad, dimRoundingMode);
  const {
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    outHeight: oh,
    outWidth: ow,
  } = info;
  const { top, left } = info.padInfo;
  const [n, h, w, c] = xShape;
  // Allocate first: growing the heap would detach views taken before.
  const out = backend.makeOutput(xShape, 'float32');
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  const dyv = backend.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);
  if (kh === 2 && kw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && oh * 2 <= h && ow * 2 <= w) {
    pool2x2Grad(xv, dyv, dx, [n, h, w, c], oh, ow, reluBefore);
    return out;
  }
  const best = new Float32Array(c);
  const bestAt = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let first = true;
        for (let r = 0; r < kh; r++) {
          const ih = i * sh - top + r;
          if (ih < 0 || ih >= h) continue;
          for (let q = 0; q < kw; q++) {
            const iw = j * sw - left + q;
            if (iw < 0 || iw >= w) continue;
            const base = ((b * h + ih) * w + iw) * c;
            if (first) {
              for (let k = 0; k < c; k++) {
                best[k] = xv[base + k];
                bestAt[k] = base + k;
              }
              first = false;
            } else {
              for (let k = 0; k < c; k++) {
                const v = xv[base + k];
                if (v > best[k]) {
                  best[k] = v;
                  bestAt[k] = base + k;
                }
              }
            }
          }
        }
        if (first) continue;
        const outBase = ((b * oh + i) * ow + j) * c;
        if (reluBefore) {
          // x is a ReLU output: its gradient passes only where x > 0 (saves a step and a mul over x).
          for (let k = 0; k < c; k++) if (best[k] > 0) dx[bestAt[k]] += dyv[outBase + k];
        } else {
          for (let k = 0; k < c; k++) dx[bestAt[k]] += dyv[outBase + k];
        }
      }
    }
  }
  return out;
}

/** The common case (2×2 windows, stride 2, no padding) unrolled: ~2x faster than the general loop. */
function pool2x2Grad(
  xv: Float32Array,
  dyv: Float32Array,
  dx: Float32Array,
  [n, h, w, c]: [number, number, number, number],
  oh: number,
  ow: number,
  reluBefore: boolean,
): void {
  const row = w * c;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const p00 = ((b * h + 2 * i) * w + 2 * j) * c;
        const outBase = ((b * oh + i) * ow + j) * c;
        for (let k = 0; k < c; k++) {
          // Row-major order with strict '>' keeps the first maximum, like the general loop.
          let at = p00 + k;
          let v = xv[at];
          if (xv[at + c] > v) {
            at = p00 + k + c;
            v = xv[at];
          }
          if (xv[p00 + k + row] > v) {
            at = p00 + k + row;
            v = xv[at];
          }
          if (xv[p00 + k + row + c] > v) {
            at = p00 + k + row + c;
            v = xv[at];
          }
          if (!reluBefore || v > 0) dx[at] = dyv[outBase + k];
        }
      }
    }
  }
}
