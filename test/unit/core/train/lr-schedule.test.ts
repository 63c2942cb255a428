import { describe, expect, it } from 'vitest';
import { scheduledLearningRate } from '../../../../core/train/lr-schedule.ts';

const rates = (schedule: 'constant' | 'cosine' | 'one-cycle', peak: number, total: number): number[] =>
  Array.from({ length: total }, (_, s) => scheduledLearningRate(schedule, peak, s, total));

describe('scheduledLearningRate', () => {
  it('constant returns the rate at every step', () => {
    expect(new Set(rates('constant', 0.001, 157))).toEqual(new Set([0.001]));
  });

  it('cosine warms up over 5 % of the steps, peaks, then decays towards 0', () => {
    const r = rates('cosine', 0.004, 200); // warm-up: 10 steps
    expect(r[0]).toBeCloseTo(0.0004, 12); // 1/10 of the peak: the first step already moves
    expect(r[9]).toBeCloseTo(0.004, 12); // end of warm-up = peak
    expect(r[10]).toBeCloseTo(0.004, 12); // start of the cosine = peak
    expect(Math.max(...r)).toBeCloseTo(0.004, 12);
    expect(r[10 + 95]).toBeCloseTo(0.002, 12); // half-way through the decay = half the peak
    expect(r[199]).toBeGreaterThan(0);
    expect(r[199]).toBeLessThan(0.004 * 0.001);
    for (let s = 11; s < 200; s++) expect(r[s]).toBeLessThan(r[s - 1]);
    for (let s = 1; s < 10; s++) expect(r[s]).toBeGreaterThan(r[s - 1]);
  });

  it('one-cycle starts near peak/25, peaks after 30 % of the steps, ends near 0', () => {
    const r = rates('one-cycle', 0.005, 100); // warm-up: 30 steps
    expect(r[0]).toBeCloseTo(0.0002 + (0.005 - 0.0002) / 30, 12);
    expect(r[29]).toBeCloseTo(0.005, 12);
    expect(r[30]).toBeCloseTo(0.005, 12);
    expect(r[99]).toBeLessThan(0.005 * 0.001);
    expect(r.indexOf(Math.max(...r))).toBe(29);
  });

  it('holds the last rate for steps past the end and rejects bad step counts', () => {
    expect(scheduledLearningRate('cosine', 0.003, 500, 100)).toBe(
      scheduledLearningRate('cosine', 0.003, 99, 100),
    );
    expect(() => scheduledLearningRate('cosine', 0.003, 0, 0)).toThrow(
      /totalSteps must be a positive integer/,
    );
    expect(() => scheduledLearningRate('cosine', 0.003, -1, 10)).toThrow(/step must be an integer ≥ 0/);
  });
});
