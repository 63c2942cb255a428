import { describe, expect, it } from 'vitest';
import { initialWeights } from '../../../../core/model/init.ts';
import { weightManifest } from '../../../../core/model/manifest.ts';
import { PAPER_CNN } from '../../../../core/model/spec.ts';

describe('initialWeights', () => {
  it('matches the manifest shapes', () => {
    const weights = initialWeights(PAPER_CNN, 1);
    const manifest = weightManifest(PAPER_CNN);
    expect(weights.map((w) => w.length)).toEqual(manifest.map((t) => t.shape.reduce((a, b) => a * b, 1)));
  });

  it('is deterministic in the seed and differs between seeds', () => {
    const a = initialWeights(PAPER_CNN, 7);
    const b = initialWeights(PAPER_CNN, 7);
    const c = initialWeights(PAPER_CNN, 8);
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(c[0]);
  });

  it('draws kernels Glorot-uniform within ±sqrt(6/(fanIn+fanOut)) and zeroes biases', () => {
    const [k1, b1, , , dense] = initialWeights(PAPER_CNN, 3);
    const limit1 = Math.sqrt(6 / (9 * 1 + 9 * 128));
    expect(Math.max(...k1.map(Math.abs))).toBeLessThanOrEqual(limit1);
    // Uniform on [-l, l] has variance l²/3; 1152 samples estimate it within a few percent.
    const variance = k1.reduce((s, v) => s + v * v, 0) / k1.length;
    expect(variance).toBeGreaterThan(((limit1 * limit1) / 3) * 0.85);
    expect(variance).toBeLessThan(((limit1 * limit1) / 3) * 1.15);
    expect(b1.every((v) => v === 0)).toBe(true);
    const limitDense = Math.sqrt(6 / (3136 + 10));
    expect(Math.max(...dense.map(Math.abs))).toBeLessThanOrEqual(limitDense);
    expect(Math.max(...dense.map(Math.abs))).toBeGreaterThan(limitDense * 0.99);
  });
});
