import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nthElement, selectTwo, selectValue } from '../../../../core/unify/select.ts';
import { median, trimmedMeanByCount } from '../../../../core/unify/order-stats.ts';
import { unify } from '../../../../core/unify/unify.ts';
import type { Update } from '../../../../core/unify/types.ts';
import { mulberry32 } from '../../../../core/model/random.ts';

/** Deterministic uniform [0, 1) numbers for inputs larger than fast-check should shrink. */
const rng = mulberry32;

/** K updates of one tensor of P values drawn by `draw` (ties are common when `draw` picks from few values). */
function randomUpdates(k: number, p: number, draw: () => number): Update[] {
  return Array.from({ length: k }, () => ({ weights: [Float32Array.from({ length: p }, draw)], samples: 1 }));
}

/** The sort-based definitions the selection code must agree with. */
function sortedColumns(updates: Update[], t: number): Float64Array[] {
  return Array.from(updates[0].weights[t], (_, i) =>
    Float64Array.from(updates, (u) => u.weights[t][i]).sort(),
  );
}
function referenceMedian(updates: Update[]): number[][] {
  const k = updates.length;
  const mid = k >> 1;
  return updates[0].weights.map((_, t) =>
    sortedColumns(updates, t).map((s) => Math.fround(k % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2)),
  );
}
function referenceTrimmed(updates: Update[], trim: number): number[][] {
  const k = updates.length;
  return updates[0].weights.map((_, t) =>
    sortedColumns(updates, t).map((s) => {
      let sum = 0;
      for (let j = trim; j < k - trim; j++) sum += s[j];
      return Math.fround(sum / (k - 2 * trim));
    }),
  );
}
const plain = (tensors: Float32Array[]) => tensors.map((t) => Array.from(t, (v) => v + 0));

describe('nthElement: selection agrees with sorting', () => {
  const valuesArb = fc.oneof(
    fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 7 }),
    // Few distinct values: many ties.
    fc.array(fc.constantFrom(-1, 0, 0.5, 2), { minLength: 1, maxLength: 60 }),
    fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 8, maxLength: 300 }),
  );

  it('puts the k-th smallest at k, smaller-or-equal values before it and larger-or-equal after', () => {
    fc.assert(
      fc.property(valuesArb, fc.nat(), (values, kRaw) => {
        const a = Float32Array.from(values);
        const sorted = Float32Array.from(values).sort();
        const k = kRaw % a.length;
        nthElement(a, 0, a.length - 1, k);
        expect(a[k]).toBe(sorted[k]);
        for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]);
        for (let i = k + 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]);
        expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from(sorted));
      }),
    );
  });

  it('stays correct on inputs that defeat simple pivots (sorted, reversed, organ pipe, all equal)', () => {
    const n = 2001;
    const shapes = {
      sorted: (i: number) => i,
      reversed: (i: number) => n - i,
      organPipe: (i: number) => Math.min(i, n - i),
      equal: () => 3,
      sawtooth: (i: number) => i % 7,
    };
    for (const [name, shape] of Object.entries(shapes)) {
      for (const k of [0, 1, 1000, 1999, 2000]) {
        const a = Float32Array.from({ length: n }, (_, i) => shape(i));
        const sorted = Float32Array.from(a).sort();
        nthElement(a, 0, n - 1, k);
        expect(a[k], `${name}, k = ${k}`).toBe(sorted[k]);
      }
    }
  });

  it('selectValue and selectTwo agree with sorting, K = 1..7 and bigger, with ties', () => {
    fc.assert(
      fc.property(valuesArb, fc.nat(), fc.nat(), fc.nat({ max: 5 }), (values, kRaw, jRaw, pad) => {
        const n = values.length;
        const sorted = Float32Array.from(values).sort();
        const k = kRaw % n;
        // Put the values at an offset inside a longer array: only that range may be touched.
        const a = new Float32Array(n + 2 * pad).fill(7);
        a.set(values, pad);
        const lower = new Float64Array(3);
        expect(selectValue(a, pad, n, k, new Float32Array(n), lower)).toBe(sorted[k]);
        expect(lower[0]).toBe(k > 0 ? sorted[k - 1] : -Infinity);
        const near = (got: number, want: Float32Array) =>
          expect(Math.abs(got - want.reduce((x, v) => x + v, 0))).toBeLessThanOrEqual(
            1e-12 * want.reduce((x, v) => x + Math.abs(v), 0),
          );
        near(lower[1], sorted.subarray(0, k));
        near(lower[2], sorted.subarray(k + 1));
        expect([...a.subarray(0, pad), ...a.subarray(pad + n)].every((v) => v === 7)).toBe(true);
        const j = jRaw % n;
        if (j !== k) {
          const [lo, hi] = [Math.min(j, k), Math.max(j, k)];
          const b = Float32Array.from(values);
          const out = new Float64Array(3);
          selectTwo(b, 0, n, lo, hi, new Float32Array(n), new Float32Array(n), out);
          expect([out[0], out[1]]).toEqual([sorted[lo], sorted[hi]]);
          const kept = sorted.subarray(lo, hi + 1);
          expect(Math.abs(out[2] - kept.reduce((x, v) => x + v, 0))).toBeLessThanOrEqual(
            1e-12 * kept.reduce((x, v) => x + Math.abs(v), 0),
          );
          expect(Array.from(b)).toEqual(values.map(Math.fround));
        }
      }),
    );
  });

  it('selectValue copes with long runs of equal values and pivot-hostile orders', () => {
    const n = 3001;
    const shapes: Record<string, (i: number) => number> = {
      equal: () => 3,
      twoValues: (i) => (i % 3 === 0 ? 1 : 2),
      sorted: (i) => i,
      reversed: (i) => n - i,
      organPipe: (i) => Math.min(i, n - i),
    };
    for (const [name, shape] of Object.entries(shapes)) {
      for (const k of [0, 1, 1000, 1500, 2999, 3000]) {
        const a = Float32Array.from({ length: n }, (_, i) => shape(i));
        const sorted = Float32Array.from(a).sort();
        const lower = new Float64Array(3);
        expect(selectValue(a, 0, n, k, new Float32Array(n), lower), `${name}, k = ${k}`).toBe(sorted[k]);
        expect(lower[0], `${name}, k = ${k}`).toBe(k > 0 ? sorted[k - 1] : -Infinity);
      }
    }
  });

  it('works on a sub-range and leaves the rest alone', () => {
    const a = Float64Array.from([9, 5, 4, 3, 2, 1, 0, -9]);
    nthElement(a, 1, 6, 3);
    expect(a[0]).toBe(9);
    expect(a[7]).toBe(-9);
    expect(a[3]).toBe(2);
  });
});

describe('median and trimmed mean by selection', () => {
  it('median equals the sort-based median exactly, K = 1..7 and bigger, with ties', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer(),
        fc.boolean(),
        (k, p, seed, ties) => {
          const r = rng(seed);
          const draw = ties ? () => Math.floor(r() * 4) - 1.5 : () => (r() - 0.5) * 2e3;
          for (const kk of [k, k * 17 + 3]) {
            const ups = randomUpdates(kk, p, draw);
            expect(plain(median(ups))).toEqual(referenceMedian(ups));
          }
        },
      ),
    );
  });

  it('median spans several scratch blocks of a tensor (K = 300, 700 coordinates)', () => {
    const ups = randomUpdates(300, 700, rng(7));
    expect(plain(median(ups))).toEqual(referenceMedian(ups));
  });

  it('trimmed mean equals the sort-based one exactly on values whose float64 sums are exact', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer(),
        fc.nat(),
        fc.boolean(),
        (k, p, seed, trimRaw, ties) => {
          const r = rng(seed);
          // Multiples of 1/1024 below 2^13: any sum of up to 2^20 of them is exact in float64.
          const ups = randomUpdates(
            k,
            p,
            ties ? () => Math.floor(r() * 5) / 4 : () => Math.round((r() - 0.5) * 2 ** 23) / 1024,
          );
          const trim = trimRaw % Math.ceil(k / 2);
          expect(plain(trimmedMeanByCount(ups, trim))).toEqual(referenceTrimmed(ups, trim));
        },
      ),
    );
  });

  it('trimmed mean agrees with the sort-based one on arbitrary float32 values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float32Array({ minLength: 3, maxLength: 3, noNaN: true, noDefaultInfinity: true }), {
          minLength: 1,
          maxLength: 9,
        }),
        fc.nat(),
        (tensors, trimRaw) => {
          const ups = tensors.map((t) => ({ weights: [t], samples: 1 }));
          const trim = trimRaw % Math.ceil(ups.length / 2);
          const got = plain(trimmedMeanByCount(ups, trim))[0];
          const want = referenceTrimmed(ups, trim)[0];
          got.forEach((v, i) => {
            // Only the order of a float64 sum differs, which can move the float32 result by one ulp.
            const scale = Math.max(...ups.map((u) => Math.abs(u.weights[0][i])));
            expect(Math.abs(v - want[i])).toBeLessThanOrEqual(scale * 2 ** -22 + 1e-45);
          });
        },
      ),
    );
  });

  it('unify trims at least maxByzantine values at each end, even where ⌊βK⌋ is 0', () => {
    const ups = [0, 1, 2, 3, 4, 1e6, 1e6].map((v) => ({ weights: [new Float32Array([v])], samples: 1 }));
    expect(plain(unify('trimmed-mean', ups))).toEqual([[Math.fround((10 + 2e6) / 7)]]);
    expect(plain(unify('trimmed-mean', ups, { maxByzantine: 2 }))).toEqual([[3]]);
    // An explicit β that trims more than f wins: ⌊0.3 · 7⌋ = 2.
    expect(plain(unify('trimmed-mean', ups, { maxByzantine: 1, trimBeta: 0.3 }))).toEqual([[3]]);
  });

  it('names the update, tensor and index of a NaN found in a later block', () => {
    const ups = randomUpdates(300, 700, rng(3));
    ups[4].weights[0][650] = NaN;
    expect(() => unify('median', ups)).toThrow('update 4, tensor 0: value NaN at index 650');
    expect(() => unify('trimmed-mean', ups)).toThrow('update 4, tensor 0: value NaN at index 650');
  });
});
