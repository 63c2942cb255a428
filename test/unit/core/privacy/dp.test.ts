import { describe, expect, it } from 'vitest';
import { addGaussianNoise, clipL2, gaussianNoise, noiseStd } from '../../../../core/privacy/dp.ts';

const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

describe('DP clipping and noise', () => {
  it('clips a delta to L2 norm C and leaves a small one alone', () => {
    const big = clipL2([3, 4], 1);
    expect(big.norm).toBe(5);
    expect(big.scaled).toBe(true);
    expect(norm(big.clipped)).toBeLessThanOrEqual(1);
    expect(norm(big.clipped)).toBeGreaterThan(0.999);
    const small = clipL2([0.3, 0.4], 1);
    expect(Array.from(small.clipped)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
    expect(small.scaled).toBe(false);
  });

  it('draws noise with mean 0 and standard deviation σ', () => {
    const n = 200_000;
    const x = gaussianNoise(n, 3);
    const mean = x.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
    // 6 standard errors: fails only if the sampler is wrong.
    expect(Math.abs(mean)).toBeLessThan((6 * 3) / Math.sqrt(n));
    expect(Math.abs(sd - 3)).toBeLessThan(6 * 3 * Math.sqrt(1 / (2 * n)));
  });

  it('takes its randomness from the given source (the CSPRNG by default)', () => {
    const zeros = (k: number): Uint8Array => new Uint8Array(k);
    const a = gaussianNoise(4, 1, zeros);
    const b = gaussianNoise(4, 1, zeros);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(gaussianNoise(4, 1))).not.toEqual(Array.from(gaussianNoise(4, 1)));
    expect(Array.from(addGaussianNoise(new Float32Array(3), 0))).toEqual([0, 0, 0]);
  });

  it('splits central noise over a secure-aggregation round so t survivors add σ in total', () => {
    const total = noiseStd({ mode: 'central', noiseMultiplier: 1.2, clip: 0.5 });
    const each = noiseStd({ mode: 'central', noiseMultiplier: 1.2, clip: 0.5, distributedOver: 4 });
    expect(total).toBeCloseTo(0.6, 12);
    expect(Math.sqrt(4 * each * each)).toBeCloseTo(total, 12);
    expect(noiseStd({ mode: 'local', noiseMultiplier: 1.2, clip: 0.5 })).toBeCloseTo(0.6, 12);
  });

  it('refuses a non-positive clip norm and non-finite deltas', () => {
    expect(() => clipL2([1], 0)).toThrow(/clip norm/);
    expect(() => clipL2([Number.NaN], 1)).toThrow(/not finite/);
  });
});
