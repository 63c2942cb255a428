import { describe, expect, it } from 'vitest';
import { updateStats } from '../../../../core/unify/update-stats.ts';

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
