/**
 * Conv2D gradients written with fast forward ops (conv2d, transpose, reverse), because the wasm backend
 * has no Conv2DBackpropFilter and its Conv2DBackpropInput is slow. NHWC only, like the wasm backend.
 */
import * as tf from '@tensorflow/tfjs-core';

/** tfjs' explicit NHWC padding ([[0,0],[top,bottom],[left,right],[0,0]]); not exported by tfjs-core. */
type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

type Pad = 'valid' | 'same' | number | ExplicitPadding;

function convInfo(
  xShape: number[],
  filterShape: number[],
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
}

/**
 * dW[kh,kw,ci,co] = Σ x[n, oh·s+kh−pt, ow·s+kw−pl, ci] · dy[n,oh,ow,co]: a conv2d of x with channels and
 * batch swapped ([ci,h,w,n]) by dy as the filter ([oh,ow,n,co]), dilated by the stride.
 */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(x.shape, filterShape, strides, pad, dimRoundingMode);
    const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, padInfo } = info;
    const [kh, kw] = [filterShape[0], filterShape[1]];
    const [h, w] = [x.shape[1], x.shape[2]];
    // Rows/columns past the last window are never read: cut them, and pad only what the windows need.
    const padB = (oh - 1) * sh + kh - padInfo.top - h;
    const padR = (ow - 1) * sw + kw - padInfo.left - w;
    let xs: tf.Tensor4D = x;
    if (padB < 0 || padR < 0) {
      xs = tf.slice(x, [0, 0, 0, 0], [-1, h + Math.min(padB, 0), w + Math.min(padR, 0), -1]);
    }
    if (x.shape[3] === 1) return singleChannelFilterGrad(xs, dy, info, Math.max(padB, 0), Math.max(padR, 0));
    const xT = tf.transpose(xs, [3, 1, 2, 0]);
    const dyT = tf.transpose(dy, [1, 2, 0, 3]);
    const padding: ExplicitPadding = [
      [0, 0],
      [padInfo.top, Math.max(padB, 0)],
      [padInfo.left, Math.max(padR, 0)],
      [0, 0],
    ];
    const r = tf.conv2d(xT, dyT, 1, padding, 'NHWC', [sh, sw]);
    return tf.transpose(r, [1, 2, 0, 3]);
  });
}

/**
 * One input channel (the first layer on grayscale images): the conv form above degenerates to a
 * batch-1 conv with a huge kernel (~20x slower than its FLOPs), so use im2col instead — the kh·kw
 * shifted views of the small input as rows of one [kh·kw, n·oh·ow] matrix, times dy as [n·oh·ow, co].
 */
function singleChannelFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
  padB: number,
  padR: number,
): tf.Tensor4D {
  const {
    strideHeight: sh,
    strideWidth: sw,
    outHeight: oh,
    outWidth: ow,
    padInfo,
    filterHeight: kh,
    filterWidth: kw,
  } = info;
  const n = x.shape[0];
  const xp = tf.pad(x, [
    [0, 0],
    [padInfo.top, padB],
    [padInfo.left, padR],
    [0, 0],
  ]);
  const xp3 = tf.reshape(xp, xp.shape.slice(0, 3));
  const rows: tf.Tensor[] = [];
  for (let r = 0; r < kh; r++) {
    for (let c = 0; c < kw; c++) {
      // 3-D slices: the wasm backend's 4-D slice is ~9x slower for the same copy.
      const view =
        sh === 1 && sw === 1
          ? tf.slice(xp3, [0, r, c], [n, oh, ow])
          : tf.stridedSlice(xp3, [0, r, c], [n, r + (oh - 1) * sh + 1, c + (ow - 1) * sw + 1], [1, sh, sw]);
      rows.push(tf.reshape(view, [1, n * oh * ow]));
    }
  }
  const outChannels = dy.shape[3];
  const dw = tf.matMul(tf.concat(rows, 0), tf.reshape(dy, [n * oh * ow, outChannels]));
  return tf.reshape(dw, [kh, kw, 1, outChannels]);
}

/** Inserts stride−1 zeros between the rows and columns of dy (a stride-s conv's gradient is a stride-1 one on it). */
function dilate(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, oh, ow, c] = dy.shape;
  const six = tf.reshape(dy, [n, oh, 1, ow, 1, c]);
  const padded = tf.pad(six, [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  const flat = tf.reshape(padded, [n, oh * sh, ow * sw, c]) as tf.Tensor4D;
  return tf.slice(flat, [0, 0, 0, 0], [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c]);
}

/**
 * dx = full correlation of the (stride-dilated) dy with the filter rotated 180° and its in/out channels
 * swapped: one forward conv2d. Returns null when the padding cannot be expressed (caller falls back).
 */
export function conv2dInputGrad(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D | null {
  const info = convInfo(inputShape, filter.shape, strides, pad, dimRoundingMode);
  const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, padInfo } = info;
  const [kh, kw] = [filter.shape[0], filter.shape[1]];
  const [h, w] = [inputShape[1], inputShape[2]];
  const padT = kh - 1 - padInfo.top;
  const padL = kw - 1 - padInfo.left;
  const padB = h - ((oh - 1) * sh + 1) + padInfo.top;
  const padR = w - ((ow - 1) * sw + 1) + padInfo.left;
  if (padT < 0 || padL < 0 || padB < 0 || padR < 0) return null;
  return tf.tidy(() => {
    const d = dilate(dy, sh, sw);
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    const padding: ExplicitPadding = [
      [0, 0],
      [padT, padB],
      [padL, padR],
      [0, 0],
    ];
    return tf.conv2d(d, rotated, 1, padding);
  });
}
