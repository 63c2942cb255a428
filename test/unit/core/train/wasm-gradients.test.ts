import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../core/train/backend.ts';
import { mulberry32 } from '../../../../core/model/random.ts';
import { MAX_POOL_RELU_GRAD } from '../../../../core/train/wasm-gradients.ts';

/** Deterministic random values; `zeroFraction` of them set to exactly 0 to create max-pool ties. */
function randomArray(size: number, seed: number, zeroFraction = 0): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: size }, () => (rand() < zeroFraction ? 0 : rand() * 2 - 1));
}

/** Runs `f` on a backend with fresh tensors made from `arrays`, returns the gradients as arrays. */
async function gradsOn(
  backend: string,
  arrays: { values: Float32Array; shape: number[] }[],
  f: (...xs: tf.Tensor[]) => tf.Tensor,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const xs = arrays.map((a) => tf.tensor(a.values, a.shape));
  const grads = tf.grads((...inputs: tf.Tensor[]) => f(...inputs))(xs);
  const out = grads.map((g) => new Float32Array(g.dataSync()));
  tf.dispose([...xs, ...grads]);
  return out;
}

/** Asserts wasm and cpu gradients agree to float32 accuracy (relative to the largest magnitude). */
async function expectSameGrads(
  arrays: { values: Float32Array; shape: number[] }[],
  f: (...xs: tf.Tensor[]) => tf.Tensor,
): Promise<void> {
  const wasm = await gradsOn('wasm', arrays, f);
  const cpu = await gradsOn('cpu', arrays, f);
  wasm.forEach((g, i) => {
    expect(g.length).toBe(cpu[i].length);
    const scale = Math.max(1, ...cpu[i].map(Math.abs));
    let worst = 0;
    g.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - cpu[i][j]))));
    expect(worst / scale).toBeLessThan(2e-5);
  });
}

/** Number of elements of a shape. */
function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a: number, b: number) => a * b, 1);
}

/** Weights for a random linear read-out of an op's output, so every output element gets its own dy. */
function readout(t: tf.Tensor, seed: number): tf.Scalar {
  return tf.sum(tf.mul(t, tf.tensor(randomArray(t.size, seed), t.shape)));
}

describe('wasm gradient kernels match the cpu backend', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  const convCases = [
    { x: [2, 7, 9, 3], k: 3, out: 4, s: 1, pad: 'same' },
    { x: [2, 7, 9, 3], k: 3, out: 4, s: 1, pad: 'valid' },
    { x: [2, 7, 9, 3], k: 3, out: 4, s: 2, pad: 'same' },
    { x: [2, 7, 9, 3], k: 3, out: 4, s: 2, pad: 'valid' },
    { x: [3, 8, 6, 2], k: 2, out: 5, s: 2, pad: 'same' },
    { x: [1, 10, 11, 4], k: 5, out: 3, s: 3, pad: 'valid' },
    { x: [2, 5, 5, 1], k: 4, out: 2, s: 1, pad: 'same' },
    { x: [2, 9, 8, 1], k: 3, out: 3, s: 2, pad: 'valid' },
    { x: [2, 9, 8, 1], k: 3, out: 3, s: 2, pad: 'same' },
  ] as const;
  for (const c of convCases) {
    it(`conv2d x=[${c.x}] k=${c.k} stride ${c.s} ${c.pad}: Conv2DBackpropInput and Conv2DBackpropFilter`, async () => {
      const x = {
        values: randomArray(sizeOf(c.x), 1),
        shape: [...c.x],
      };
      const wShape = [c.k, c.k, c.x[3], c.out];
      const w = {
        values: randomArray(sizeOf(wShape), 2),
        shape: wShape,
      };
      await expectSameGrads([x, w], (xt, wt) =>
        readout(tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.s, c.pad), 3),
      );
    });
  }

  it('fused conv2d with bias and relu (the layers API path)', async () => {
    const x = { values: randomArray(2 * 9 * 7 * 3, 4), shape: [2, 9, 7, 3] };
    const w = { values: randomArray(3 * 3 * 3 * 6, 5), shape: [3, 3, 3, 6] };
    const b = { values: randomArray(6, 6), shape: [6] };
    await expectSameGrads([x, w, b], (xt, wt, bt) =>
      readout(
        tf.fused.conv2d({
          x: xt as tf.Tensor4D,
          filter: wt as tf.Tensor4D,
          strides: 1,
          pad: 'same',
          bias: bt,
          activation: 'relu',
        }),
        7,
      ),
    );
  });

  const poolCases = [
    { x: [2, 8, 8, 3], p: 2, s: 2, pad: 'valid' },
    { x: [2, 7, 9, 3], p: 2, s: 2, pad: 'valid' },
    { x: [2, 7, 9, 3], p: 2, s: 2, pad: 'same' },
    { x: [2, 7, 9, 3], p: 3, s: 2, pad: 'same' },
    { x: [1, 6, 5, 2], p: 3, s: 1, pad: 'valid' },
  ] as const;
  for (const c of poolCases) {
    it(`maxPool x=[${c.x}] pool ${c.p} stride ${c.s} ${c.pad}: MaxPoolGrad, with ties`, async () => {
      // A third of the values are exactly 0, so many windows have tied maxima after the relu.
      const x = {
        values: randomArray(sizeOf(c.x), 8, 0.3),
        shape: [...c.x],
      };
      await expectSameGrads([x], (xt) => readout(tf.maxPool(tf.relu(xt) as tf.Tensor4D, c.p, c.s, c.pad), 9));
    });
  }

  for (const [shape, pad] of [
    [[2, 8, 8, 3], 'valid'],
    [[2, 7, 9, 3], 'same'],
  ] as const) {
    it(`${MAX_POOL_RELU_GRAD} x=[${shape}] ${pad} equals MaxPoolGrad times the ReLU mask (cpu)`, async () => {
      const values = randomArray(sizeOf(shape), 17, 0.3);
      const run = async (backend: string, fused: boolean): Promise<Float32Array> => {
        await tf.setBackend(backend);
        const x = tf.relu(tf.tensor(values, [...shape]));
        const y = tf.maxPool(x as tf.Tensor4D, 2, 2, pad);
        const dy = tf.tensor(randomArray(y.size, 18), y.shape);
        const attrs = { filterSize: [2, 2], strides: [2, 2], pad };
        const inputs = { dy, input: x, output: y };
        const dx = fused
          ? (tf.engine().runKernel(MAX_POOL_RELU_GRAD, inputs, attrs) as tf.Tensor)
          : tf.mul(tf.engine().runKernel('MaxPoolGrad', inputs, attrs) as tf.Tensor, tf.step(x));
        const out = new Float32Array(dx.dataSync());
        tf.dispose([x, y, dy, dx]);
        return out;
      };
      // `+ 0` folds -0 (a masked negative dy) into 0.
      const fused = Array.from(await run('wasm', true), (v) => v + 0);
      expect(fused).toEqual(Array.from(await run('cpu', false), (v) => v + 0));
      expect(fused.some((v) => v !== 0)).toBe(true);
    });
  }

  for (const [ta, tb] of [
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`matMul transposeA=${ta} transposeB=${tb}, 2-D and batched`, async () => {
      const a = { values: randomArray(2 * 5 * 7, 10), shape: ta ? [2, 7, 5] : [2, 5, 7] };
      const b = { values: randomArray(2 * 7 * 3, 11), shape: tb ? [2, 3, 7] : [2, 7, 3] };
      await expectSameGrads([a, b], (at, bt) => readout(tf.matMul(at, bt, ta, tb), 12));
      const a2 = { values: randomArray(5 * 7, 13), shape: ta ? [7, 5] : [5, 7] };
      const b2 = { values: randomArray(7 * 3, 14), shape: tb ? [3, 7] : [7, 3] };
      await expectSameGrads([a2, b2], (at, bt) => readout(tf.matMul(at, bt, ta, tb), 15));
    });
  }

  it('sum over the leading axes (bias gradients), with and without keepDims', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(randomArray(3 * 5 * 7 * 4, 16), [3, 5, 7, 4]);
    const fast = tf.sum(x, [0, 1, 2]);
    const kept = tf.sum(x, [2, 0, 1], true);
    const reference = tf.sum(tf.transpose(x, [3, 0, 1, 2]), [1, 2, 3]);
    expect(kept.shape).toEqual([1, 1, 1, 4]);
    const diff = tf.max(tf.abs(tf.sub(fast, reference))).dataSync()[0];
    expect(diff).toBeLessThan(1e-4);
    expect(Array.from(kept.dataSync())).toEqual(Array.from(fast.dataSync()));
    tf.dispose([x, fast, kept, reference]);
  });
});
