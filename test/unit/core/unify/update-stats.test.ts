import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDistances,
  coordinateRanges,
  distanceSums,
  statsFromSums,
  updateStats,
} from '../../../../core/unify/update-stats.ts';

const u = (...v: number[]) => ({ weights: [Float32Array.from(v)], samples: 1 });

describe('updateStats', () => {
  it('measures distances from the global model and from the median update', () => {
    const s = updateStats([Float32Array.from([0, 0])], [u(3, 4), u(3, 4), u(3, 4)]);
    expect(s.map((x) => x.distanceFromGlobal)).toEqual([5, 5, 5]);
    expect(s.map((x) => x.distanceFromMedian)).toEqual([0, 0, 0]);
    expect(s.some((x) => x.outlier)).toBe(false);
  });

  it('flags one scaled update among honest ones, and only it', () => {
    const s = updateStats([Float32Array.from([0, 0])], [u(1, 1), u(1.1, 0.9), u(0.9, 1.05), u(1e6, 1e6)]);
    expect(s.map((x) => x.outlier)).toEqual([false, false, false, true]);
  });

  it('flags an all-zero update among similar ones, and never flags with two updates', () => {
    expect(
      updateStats([Float32Array.from([1, 1])], [u(5, 5), u(5.2, 5), u(5, 4.9), u(0, 0)]).map(
        (x) => x.outlier,
      ),
    ).toEqual([false, false, false, true]);
    expect(updateStats([Float32Array.from([0])], [u(1), u(1e9)]).some((x) => x.outlier)).toBe(false);
  });
});

describe('updateStats by ranges of coordinates', () => {
  it('gives the same distances and flags a range at a time as in one pass, for any range size', () => {
    const vec = (n: number) =>
      fc.float32Array({
        minLength: n,
        maxLength: n,
        noNaN: true,
        noDefaultInfinity: true,
        min: -1e3,
        max: 1e3,
      });
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }))
      .chain(([len1, len2, k]) =>
        fc.tuple(
          fc.tuple(vec(len1), vec(len2)),
          fc.array(fc.tuple(vec(len1), vec(len2)), { minLength: k, maxLength: k }),
          fc.integer({ min: 1, max: 8 }),
        ),
      );
    fc.assert(
      fc.property(arb, ([global, updates, size]) => {
        const g = [...global];
        const us = updates.map((w) => ({ weights: [...w], samples: 1 }));
        const whole = updateStats(g, us);
        const sums = distanceSums(us.length);
        for (const range of coordinateRanges(g, size)) addDistances(sums, g, us, range);
        const parts = statsFromSums(sums);
        for (const [i, s] of whole.entries()) {
          expect(parts[i].distanceFromGlobal).toBeCloseTo(s.distanceFromGlobal, 6);
          expect(parts[i].distanceFromMedian).toBeCloseTo(s.distanceFromMedian, 6);
        }
      }),
    );
  });

  it('covers every coordinate exactly once', () => {
    const ranges = coordinateRanges([new Float32Array(10), new Float32Array(3)], 4);
    expect(ranges).toEqual([
      { t: 0, lo: 0, hi: 4 },
      { t: 0, lo: 4, hi: 8 },
      { t: 0, lo: 8, hi: 10 },
      { t: 1, lo: 0, hi: 3 },
    ]);
  });
});
