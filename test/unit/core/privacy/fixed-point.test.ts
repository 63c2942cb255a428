import { describe, expect, it } from 'vitest';
import {
  decodeFixedPointSum,
  encodeFixedPoint,
  fixedPointParams,
  quantizationBound,
  ringAddInto,
} from '../../../../core/privacy/fixed-point.ts';

describe('fixed-point ring encoding', () => {
  const params = fixedPointParams({ clipRange: 2, maxWeight: 1000, maxParticipants: 10 });

  it('picks a scale that leaves headroom for maxParticipants clipped contributions', () => {
    expect(params.scale).toBeGreaterThan(1);
    expect(10 * (params.scale * 1000 * 2 + 0.5)).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  it('sums of encodings decode to the weighted sum within the quantization bound', () => {
    const xs = [
      [0.5, -1.25, 1e-4, -2],
      [-0.75, 0.125, 1.999, 0.3],
      [1.5, 1.5, -1.5, -0.01],
    ];
    const ws = [10, 999, 1];
    const sum = new Uint32Array(5);
    xs.forEach((x, k) => ringAddInto(sum, encodeFixedPoint(x, ws[k]!, params).encoded));
    const { weightedSum, weightSum } = decodeFixedPointSum(sum, 3, params);
    expect(weightSum).toBe(1010);
    for (let i = 0; i < 4; i++) {
      const exact = xs.reduce((s, x, k) => s + ws[k]! * x[i]!, 0);
      expect(Math.abs(weightedSum[i]! - exact)).toBeLessThanOrEqual(quantizationBound(params, 3));
    }
  });

  it('clips values outside [-R, R] and says how many', () => {
    const { encoded, clipped } = encodeFixedPoint([5, -5, 1], 1, params);
    expect(clipped).toBe(2);
    const { weightedSum } = decodeFixedPointSum(encoded, 1, params);
    expect(Array.from(weightedSum).map((v) => Math.round(v * 1000) / 1000)).toEqual([2, -2, 1]);
  });

  it('refuses non-finite values and weights outside 1..maxWeight', () => {
    expect(() => encodeFixedPoint([Number.NaN], 1, params)).toThrow(/not finite/);
    expect(() => encodeFixedPoint([0], 0, params)).toThrow(/weight/);
    expect(() => encodeFixedPoint([0], 1001, params)).toThrow(/weight/);
  });

  it('refuses a range that leaves no precision in 32 bits', () => {
    expect(() => fixedPointParams({ clipRange: 1000, maxWeight: 60000, maxParticipants: 100 })).toThrow(
      /no precision/,
    );
  });

  it('detects a sum no clipped contributions could produce', () => {
    const sum = new Uint32Array([2 ** 31 - 5, 1]);
    expect(() => decodeFixedPointSum(sum, 1, params)).toThrow(/exceeds/);
    expect(() => decodeFixedPointSum(new Uint32Array([0, 0]), 1, params)).toThrow(/summed weight/);
    expect(() => decodeFixedPointSum(new Uint32Array([0, 1]), 11, params)).toThrow(/headroom/);
  });
});
