import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ORDERS,
  noiseForEpsilon,
  privacySpent,
  rdpSampledGaussian,
} from '../../../../core/privacy/rdp-accountant.ts';

// Reference values from scripts/privacy-reference.py: mpmath at 50 digits, by the binomial
// expansion and, independently, by numerical integration of the Rényi moment (both agree to 12 digits).
const REFERENCE = [
  { q: 0.01, z: 4, steps: 10000, delta: 1e-5, standard: 1.25857474125, tight: 1.03549006604 },
  { q: 0.01, z: 1.1, steps: 10000, delta: 1e-5, standard: 6.27981102957, tight: 5.65430800015 },
  { q: 256 / 60000, z: 1.1, steps: 14063, delta: 1e-5, standard: 3.009211173, tight: 2.59707951966 },
  { q: 1, z: 5, steps: 10, delta: 1e-5, standard: 3.23911568312, tight: 2.81410916785 },
  { q: 0.1, z: 2, steps: 100, delta: 1e-6, standard: 3.33306866226, tight: 2.91559290574 },
];

describe('RDP accountant for the sampled Gaussian mechanism', () => {
  it('matches Abadi et al. 2016 (q=0.01, z=4, T=10000, δ=1e-5: ε≈1.26) within the issue band', () => {
    const spent = privacySpent({ noiseMultiplier: 4, sampleRate: 0.01, steps: 10000, delta: 1e-5 });
    expect(spent.epsilonStandard).toBeCloseTo(1.26, 2);
    expect(spent.epsilon).toBeGreaterThan(0.95);
    expect(spent.epsilon).toBeLessThan(1.3);
  });

  it.each(REFERENCE)('agrees with the high-precision reference for q=$q z=$z T=$steps', (c) => {
    const spent = privacySpent({ noiseMultiplier: c.z, sampleRate: c.q, steps: c.steps, delta: c.delta });
    expect(spent.epsilonStandard).toBeCloseTo(c.standard, 7);
    expect(spent.epsilon).toBeCloseTo(c.tight, 7);
  });

  it('without sampling reduces to the Gaussian mechanism α/(2z²)', () => {
    expect(rdpSampledGaussian(1, 2, 9)).toBeCloseTo(9 / 8, 12);
  });

  it('is monotone: more noise or fewer steps spend less', () => {
    const base = privacySpent({ noiseMultiplier: 1, sampleRate: 0.1, steps: 100, delta: 1e-5 }).epsilon;
    expect(
      privacySpent({ noiseMultiplier: 2, sampleRate: 0.1, steps: 100, delta: 1e-5 }).epsilon,
    ).toBeLessThan(base);
    expect(
      privacySpent({ noiseMultiplier: 1, sampleRate: 0.1, steps: 50, delta: 1e-5 }).epsilon,
    ).toBeLessThan(base);
  });

  it('finds the noise multiplier for a target ε', () => {
    const z = noiseForEpsilon({ targetEpsilon: 1.0355, sampleRate: 0.01, steps: 10000, delta: 1e-5 });
    expect(z).toBeGreaterThan(3.99);
    expect(z).toBeLessThan(4.01);
  });

  it('refuses meaningless parameters with a clear error', () => {
    expect(() => privacySpent({ noiseMultiplier: 1, sampleRate: 1.5, steps: 1, delta: 1e-5 })).toThrow(
      /sample rate/,
    );
    expect(() => privacySpent({ noiseMultiplier: 1, sampleRate: 0.5, steps: 1, delta: 2 })).toThrow(/δ/);
    expect(() => privacySpent({ noiseMultiplier: 1, sampleRate: 0.5, steps: -1, delta: 1e-5 })).toThrow(
      /steps/,
    );
    expect(DEFAULT_ORDERS.every((a) => Number.isInteger(a) && a >= 2)).toBe(true);
  });
});
