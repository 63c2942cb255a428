/**
 * Median and trimmed mean on worker threads (core/unify-threads/order-stat-threads.ts) against the same statistics
 * on one thread: equal value for value, whatever the chunking, with ties, with several tensors, and
 * the same refusal of a non-finite value. Real worker threads, real shared memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startOrderStatThreads,
  type OrderStatThreads,
} from '../../../../core/unify-threads/order-stat-threads.ts';
import { blockReduce, median, reducerOf, type OrderStat } from '../../../../core/unify/order-stats.ts';
import { decodeWeights, encodeWeights } from '../../../../core/wire/weights-codec.ts';
import { UnifyError } from '../../../../core/unify/validate.ts';
import { mulberry32 } from '../../../../core/model/random.ts';
import type { Update } from '../../../../core/unify/types.ts';

/** K updates of tensors with `sizes` values, each update in one SharedArrayBuffer (as the hub decodes them). */
function sharedUpdates(k: number, sizes: number[], draw: () => number): Update[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  return Array.from({ length: k }, () => {
    const buffer = new SharedArrayBuffer(4 * total);
    let at = 0;
    const weights = sizes.map((n) => {
      const w = new Float32Array(buffer, 4 * at, n);
      at += n;
      for (let i = 0; i < n; i++) w[i] = draw();
      return w;
    });
    return { weights, samples: 1 };
  });
}

const serial = (updates: Update[], stat: OrderStat) => blockReduce(updates, reducerOf(stat, updates.length));

describe('order statistics on worker threads', () => {
  let pool: OrderStatThreads;
  beforeAll(async () => {
    pool = await startOrderStatThreads({ threads: 3, register: false });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('gives the one-thread median and trimmed mean exactly, for odd and even K, with and without ties', () => {
    const sizes = [7, 4000, 33, 1500];
    for (const [k, seed, levels] of [
      [1, 1, 0],
      [2, 2, 0],
      [5, 3, 3],
      [8, 4, 0],
      [31, 5, 4],
      [200, 6, 0],
    ] as const) {
      const next = mulberry32(seed);
      // levels > 0: values drawn from a few levels, so most coordinates have ties.
      const draw = levels > 0 ? () => Math.floor(next() * levels) / levels : () => next() * 2 - 1;
      const updates = sharedUpdates(k, sizes, draw);
      const stats: OrderStat[] = [{ kind: 'median' }, { kind: 'trimmed', trim: 0 }];
      if (k >= 3) stats.push({ kind: 'trimmed', trim: Math.floor((k - 1) / 2) });
      if (k >= 5) stats.push({ kind: 'trimmed', trim: 1 });
      for (const stat of stats) {
        const got = pool.run(updates, stat, 0);
        expect(got, `K = ${k}, ${JSON.stringify(stat)}`).not.toBeNull();
        expect(got).toEqual(serial(updates, stat));
      }
    }
  });

  it('reads updates the codec decoded into shared memory, and returns plain arrays', () => {
    const manifest = [
      { name: 'a', shape: [30, 40] },
      { name: 'b', shape: [40] },
    ];
    const next = mulberry32(9);
    const updates = Array.from({ length: 9 }, () => {
      const bytes = encodeWeights(
        manifest,
        manifest.map((t) => Float32Array.from({ length: t.shape.reduce((a, b) => a * b, 1) }, next)),
        { dtype: 'float32' },
      );
      return { weights: decodeWeights(bytes, manifest, { shared: true }), samples: 1 };
    });
    expect(updates[0].weights[1].buffer).toBe(updates[0].weights[0].buffer);
    const got = pool.run(updates, { kind: 'median' }, 0);
    expect(got).toEqual(serial(updates, { kind: 'median' }));
    expect(got?.every((t) => t.buffer instanceof ArrayBuffer)).toBe(true);
  });

  it('leaves small calls and updates outside shared memory to the calling thread', () => {
    const next = mulberry32(3);
    const shared = sharedUpdates(4, [100], next);
    expect(pool.run(shared, { kind: 'median' })).toBeNull();
    const plainUpdates = shared.map((u) => ({ ...u, weights: u.weights.map((w) => Float32Array.from(w)) }));
    expect(pool.run(plainUpdates, { kind: 'median' }, 0)).toBeNull();
  });

  it('refuses a non-finite value as one thread does, naming the update and position', () => {
    const next = mulberry32(4);
    const updates = sharedUpdates(6, [5000, 300], next);
    updates[4].weights[1][123] = Number.NaN;
    const oneThread = (() => {
      try {
        serial(updates, { kind: 'median' });
      } catch (err) {
        return err as Error;
      }
      return null;
    })();
    expect(oneThread).toBeInstanceOf(UnifyError);
    expect(() => pool.run(updates, { kind: 'median' }, 0)).toThrow(oneThread?.message as string);
  });

  it('serves median() once registered, and stops when closed', async () => {
    const registered = await startOrderStatThreads({ threads: 2 });
    const next = mulberry32(5);
    const updates = sharedUpdates(64, [70_000], next);
    const before = serial(updates, { kind: 'median' });
    expect(median(updates)).toEqual(before);
    await registered.close();
    expect(median(updates)).toEqual(before);
  });
});
