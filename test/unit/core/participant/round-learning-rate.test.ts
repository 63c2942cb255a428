import { describe, expect, it } from 'vitest';
import { roundLearningRate } from '../../../../core/participant/round-runner.ts';
import { jobSpecSchema } from '../../../../core/wire/job-spec.ts';

describe('roundLearningRate (the job-wide learning-rate schedule)', () => {
  it('is the job rate in every round without a schedule', () => {
    const job = { learningRate: 0.002, rounds: 10 };
    for (let r = 1; r <= 10; r++) expect(roundLearningRate(job, r)).toBe(0.002);
  });

  it('cosine: the peak after the warm-up round, then strictly down to a small positive rate', () => {
    const job = { learningRate: 0.002, rounds: 20, learningRateSchedule: 'cosine' as const };
    const rates = Array.from({ length: 20 }, (_, i) => roundLearningRate(job, i + 1));
    // One warm-up round (5 % of 20) ends at the peak; the decay starts from the peak in round 2.
    expect(rates[0]).toBeCloseTo(0.002, 12);
    expect(rates[1]).toBeCloseTo(0.002, 12);
    for (let i = 2; i < rates.length; i++) expect(rates[i]).toBeLessThan(rates[i - 1]!);
    // Half a cosine from round 2 (t = 0) towards 0 after round 20: round 11 is t = 9/19.
    expect(rates[10]).toBeCloseTo(0.002 * 0.5 * (1 + Math.cos((Math.PI * 9) / 19)), 12);
    expect(rates[19]).toBeGreaterThan(0);
    expect(rates[19]).toBeLessThan(0.002 * 0.01);
  });

  it('the job spec accepts constant and cosine and names the field for anything else', () => {
    const base = { name: 'j', rounds: 3 };
    expect(jobSpecSchema.parse({ ...base, learningRateSchedule: 'cosine' }).learningRateSchedule).toBe(
      'cosine',
    );
    expect(() => jobSpecSchema.parse({ ...base, learningRateSchedule: 'step' })).toThrow(
      /learningRateSchedule/,
    );
  });
});
