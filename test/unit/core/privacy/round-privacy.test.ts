import { describe, expect, it } from 'vitest';
import { privacySpent } from '../../../../core/privacy/rdp-accountant.ts';
import {
  budgetBeforeRound,
  budgetSpentText,
  ownEpsilon,
  resolvedNoiseMultiplier,
  roundPrivacy,
} from '../../../../core/privacy/round-privacy.ts';

const eps = (z: number, steps: number) =>
  privacySpent({ noiseMultiplier: z, sampleRate: 1, steps, delta: 1e-5 }).epsilon;

describe('privacy budget per round', () => {
  it('lets rounds run while ε stays within the target, and stops the first one that would pass it', () => {
    const z = 3;
    const target = (eps(z, 4) + eps(z, 5)) / 2;
    const job = {
      rounds: 10,
      dp: { mode: 'central' as const, clip: 1, noiseMultiplier: z, targetEpsilon: target, delta: 1e-5 },
    };
    for (const r of [1, 2, 3, 4]) expect(budgetBeforeRound(job, r)).toBeNull();
    const over = budgetBeforeRound(job, 5)!;
    expect(over.round).toBe(5);
    expect(over.spent).toBeCloseTo(eps(z, 4), 10);
    expect(over.next).toBeCloseTo(eps(z, 5), 10);
    expect(over.spent).toBeLessThanOrEqual(target);
    expect(over.next).toBeGreaterThan(target);
    expect(budgetSpentText(over)).toBe(
      `privacy budget spent: ε = ${eps(z, 4).toFixed(3)} of target ${target} (round 5 would bring it to ${eps(z, 5).toFixed(3)}); stopped before it`,
    );
  });

  it('a target alone calibrates the noise so that every round of the job fits', () => {
    const job = { rounds: 20, dp: { mode: 'local' as const, clip: 1, targetEpsilon: 2, delta: 1e-5 } };
    const z = resolvedNoiseMultiplier(job)!;
    expect(eps(z, 20)).toBeLessThanOrEqual(2);
    for (let r = 1; r <= 20; r++) expect(budgetBeforeRound(job, r)).toBeNull();
    expect(budgetBeforeRound(job, 21)).not.toBeNull();
  });

  it('a job without a target has no budget to run out of', () => {
    const job = { rounds: 5, dp: { mode: 'central' as const, clip: 1, noiseMultiplier: 0.5, delta: 1e-5 } };
    expect(budgetBeforeRound(job, 1000)).toBeNull();
    expect(budgetBeforeRound({ rounds: 5 }, 1000)).toBeNull();
  });

  it('refuses round 1 when even one round spends more than the target', () => {
    const job = {
      rounds: 5,
      dp: { mode: 'central' as const, clip: 1, noiseMultiplier: 0.3, targetEpsilon: 0.5, delta: 1e-5 },
    };
    expect(budgetBeforeRound(job, 1)).toMatchObject({ round: 1, spent: 0 });
  });

  it('local DP credits no sampling amplification: the hub picks who trains and sees who sent', () => {
    const dp = { mode: 'local' as const, clip: 1, noiseMultiplier: 2, delta: 1e-5 };
    expect(roundPrivacy({ rounds: 5, fractionFit: 0.1, dp }, 3).epsilon).toBeCloseTo(eps(2, 3), 10);
    const central = { ...dp, mode: 'central' as const };
    expect(roundPrivacy({ rounds: 5, fractionFit: 0.1, dp: central }, 3).epsilon!).toBeLessThan(eps(2, 3));
  });

  it("a participant's own ε: 0 before any update, one Gaussian mechanism per update sent, ∞ without noise", () => {
    expect(ownEpsilon({ noiseMultiplier: 2, delta: 1e-5 }, 0)).toBe(0);
    expect(ownEpsilon({ noiseMultiplier: 2, delta: 1e-5 }, 4)).toBeCloseTo(eps(2, 4), 10);
    expect(ownEpsilon({ noiseMultiplier: 0, delta: 1e-5 }, 1)).toBe(Infinity);
  });
});
