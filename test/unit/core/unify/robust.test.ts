import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { unify } from '../../../../core/unify/unify.ts';
import { pairwiseSquaredDistances } from '../../../../core/unify/robust.ts';
import type { Update } from '../../../../core/unify/types.ts';

const scalars = (...vs: number[]): Update[] =>
  vs.map((v) => ({ weights: [new Float32Array([v])], samples: 1 }));
const plain = (tensors: Float32Array[]) => tensors.map((t) => Array.from(t, (v) => v + 0));

/** Honest updates near 0 (values in [-1, 1]) and `f` attackers far away (×1e6), from integer seeds. */
const attackArb = (minK: (f: number) => number) =>
  fc.integer({ min: 0, max: 3 }).chain((f) =>
    fc.record({
      f: fc.constant(f),
      k: fc.integer({ min: minK(f), max: minK(f) + 4 }),
      sizes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
      values: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 200, maxLength: 200 }),
      sign: fc.constantFrom(1, -1),
    }),
  );
function buildAttack(a: { f: number; k: number; sizes: number[]; values: number[]; sign: number }): {
  honest: Update[];
  all: Update[];
} {
  let next = 0;
  const draw = () => a.values[next++ % a.values.length];
  const make = (factor: number): Update => ({
    weights: a.sizes.map((n) => Float32Array.from({ length: n }, () => factor * draw())),
    samples: 1,
  });
  const honest = Array.from({ length: a.k - a.f }, () => make(1));
  // Attackers: the same direction and size, far away, so they agree with each other.
  const attackers = Array.from({ length: a.f }, () => ({
    weights: a.sizes.map((n) => new Float32Array(n).fill(a.sign * 1e6)),
    samples: 1,
  }));
  return { honest, all: [...attackers, ...honest] };
}
function withinHonestRange(out: Float32Array[], honest: Update[]): void {
  out.forEach((t, ti) =>
    t.forEach((v, i) => {
      const vals = honest.map((u) => u.weights[ti][i]);
      expect(v).toBeGreaterThanOrEqual(Math.min(...vals));
      expect(v).toBeLessThanOrEqual(Math.max(...vals));
    }),
  );
}

describe('krum and multi-krum (Blanchard et al. 2017)', () => {
  it('krum picks the update whose nearest neighbours are closest', () => {
    // f = 0: each score sums the 2 nearest squared distances; 1 scores 1 + 1.
    expect(plain(unify('krum', scalars(0, 1, 2, 100)))).toEqual([[1]]);
  });

  it('multi-krum averages the K − f best-scored updates', () => {
    // f = 1, K = 5: scores 5, 2, 2, 5, 19013: the outlier 100 is left out.
    expect(plain(unify('multi-krum', scalars(0, 1, 2, 3, 100), { maxByzantine: 1 }))).toEqual([[1.5]]);
    expect(plain(unify('krum', scalars(0, 1, 2, 3, 100), { maxByzantine: 1 }))).toEqual([[1]]);
  });

  it('measures distance over all tensors together', () => {
    const ups: Update[] = [
      { weights: [new Float32Array([0]), new Float32Array([0, 50])], samples: 1 },
      { weights: [new Float32Array([1]), new Float32Array([0, 0])], samples: 1 },
      { weights: [new Float32Array([2]), new Float32Array([0, 0])], samples: 1 },
      { weights: [new Float32Array([3]), new Float32Array([0, 0])], samples: 1 },
    ];
    expect(plain(unify('krum', ups))).toEqual([[2], [0, 0]]);
  });

  it('pairwise distances equal the flattened definition', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float32Array({ minLength: 5, maxLength: 5, noNaN: true, noDefaultInfinity: true }), {
          minLength: 2,
          maxLength: 8,
        }),
        (vectors) => {
          const ups = vectors.map((v) => ({ weights: [v.subarray(0, 2), v.subarray(2)], samples: 1 }));
          const d = pairwiseSquaredDistances(ups);
          const k = ups.length;
          for (let a = 0; a < k; a++)
            for (let b = 0; b < k; b++) {
              let want = 0;
              for (let i = 0; i < 5; i++) want += (vectors[a][i] - vectors[b][i]) ** 2;
              expect(d[a * k + b]).toBeCloseTo(want, -Math.log10(Math.max(1, want)) + 10);
            }
        },
      ),
    );
  });

  it('krum returns one of the inputs unchanged', () => {
    fc.assert(
      fc.property(
        attackArb((f) => 2 * f + 3),
        (a) => {
          const { all } = buildAttack(a);
          const out = unify('krum', all, { maxByzantine: a.f });
          expect(
            all.some((u) => u.weights.every((t, ti) => t.every((v, i) => Object.is(v, out[ti][i])))),
          ).toBe(true);
        },
      ),
    );
  });

  it('krum and multi-krum stay within the honest range with f far-away attackers', () => {
    fc.assert(
      fc.property(
        attackArb((f) => 2 * f + 3),
        (a) => {
          const { honest, all } = buildAttack(a);
          for (const method of ['krum', 'multi-krum'] as const) {
            withinHonestRange(unify(method, all, { maxByzantine: a.f }), honest);
          }
        },
      ),
    );
  });
});

describe('bulyan (El Mhamdi et al. 2018)', () => {
  it('selects θ = K − 2f by Krum, then averages the β = θ − 2f values closest to the median', () => {
    // K = 7, f = 1: θ = 5 picks 0..4 (never 1000), β = 3 averages 1, 2, 3.
    expect(plain(unify('bulyan', scalars(0, 1, 2, 3, 4, 5, 1000), { maxByzantine: 1 }))).toEqual([[2]]);
  });

  it('stays within the honest range with f far-away attackers', () => {
    fc.assert(
      fc.property(
        attackArb((f) => 4 * f + 3),
        (a) => {
          const { honest, all } = buildAttack(a);
          withinHonestRange(unify('bulyan', all, { maxByzantine: a.f }), honest);
        },
      ),
    );
  });
});

describe('norm-clip-avg (Sun et al. 2019)', () => {
  const global = [new Float32Array([0, 0])];
  const ups: Update[] = [
    [3, 4],
    [0, 1],
    [0, 2],
  ].map((v) => ({ weights: [new Float32Array(v)], samples: 1 }));

  it('clips each change to the median distance by default', () => {
    // Distances 5, 1, 2: median 2, so [3, 4] counts as [1.2, 1.6].
    const [out] = unify('norm-clip-avg', ups, { global });
    expect(out[0]).toBeCloseTo(0.4, 6);
    expect(out[1]).toBeCloseTo((1.6 + 1 + 2) / 3, 6);
  });

  it('clips to clipNorm when the job sets one, relative to the global model', () => {
    const shifted = [new Float32Array([10, 10])];
    const moved = ups.map((u) => ({ ...u, weights: [u.weights[0].map((v) => v + 10)] }));
    const [out] = unify('norm-clip-avg', moved, { global: shifted, clipNorm: 1 });
    expect(out[0]).toBeCloseTo(10 + 0.6 / 3, 5);
    expect(out[1]).toBeCloseTo(10 + (0.8 + 1 + 1) / 3, 5);
  });

  it('moves the global model by at most clipNorm, whatever the attackers send', () => {
    fc.assert(
      fc.property(
        attackArb((f) => 2 * f + 1),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        (a, clipNorm) => {
          const { all } = buildAttack(a);
          const g = all[0].weights.map((t) => new Float32Array(t.length));
          const out = unify('norm-clip-avg', all, { global: g, clipNorm, maxByzantine: a.f });
          const moved = Math.sqrt(out.reduce((s, t) => s + t.reduce((x, v) => x + v * v, 0), 0));
          expect(moved).toBeLessThanOrEqual(clipNorm * (1 + 1e-6));
        },
      ),
    );
  });

  it('refuses to run without the global model, or with one of another shape', () => {
    expect(() => unify('norm-clip-avg', ups)).toThrow(/needs the global model/);
    expect(() => unify('norm-clip-avg', ups, { global: [new Float32Array(3)] })).toThrow(
      'global model, tensor 0: length 3, expected 2',
    );
    expect(() => unify('norm-clip-avg', ups, { global: [new Float32Array([NaN, 0])] })).toThrow(
      'global model, tensor 0: value NaN at index 0',
    );
  });
});

describe('robust methods: bad input', () => {
  it('names the update holding a NaN', () => {
    const ups = scalars(0, 1, 2, 3, 4, 5, 6);
    ups[5].weights[0][0] = NaN;
    for (const method of ['krum', 'multi-krum', 'bulyan'] as const) {
      expect(() => unify(method, ups), method).toThrow('update 5, tensor 0: value NaN at index 0');
    }
    expect(() => unify('norm-clip-avg', ups, { global: [new Float32Array(1)] })).toThrow(
      'update 5, tensor 0: value NaN at index 0',
    );
  });

  it('rejects a maxByzantine or clipNorm that is not a sensible number', () => {
    expect(() => unify('median', scalars(1), { maxByzantine: -1 })).toThrow(/maxByzantine -1/);
    expect(() => unify('median', scalars(1), { maxByzantine: 1.5 })).toThrow(/maxByzantine 1.5/);
    expect(() => unify('norm-clip-avg', scalars(1), { clipNorm: 0, global: [new Float32Array(1)] })).toThrow(
      /clipNorm 0/,
    );
  });
});
