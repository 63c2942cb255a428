import { describe, expect, it } from 'vitest';
import { jobSpecSchema } from '../../../../core/wire/job-spec.ts';
import { secAggThresholdFor } from '../../../../core/wire/privacy-spec.ts';

const base = { name: 'p', rounds: 3, minParticipants: 3, compareMethods: ['avg' as const] };
const errors = (input: unknown): string =>
  jobSpecSchema
    .safeParse(input)
    .error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    .join('\n') ?? '';

describe('job spec: privacy', () => {
  it('accepts secure aggregation with avg, weighted-avg and ≥ 3 participants', () => {
    expect(errors({ ...base, secureAggregation: true })).toBe('');
    expect(errors({ ...base, method: 'weighted-avg', secureAggregation: true, secAggThreshold: 2 })).toBe('');
  });

  it.each(['max', 'absmax', 'median', 'trimmed-mean', 'krum'])(
    'refuses %s with secure aggregation, saying why',
    (method) => {
      expect(errors({ ...base, method, secureAggregation: true })).toMatch(
        new RegExp(
          `method: ${method} cannot run with secureAggregation: it needs every participant's individual values`,
        ),
      );
    },
  );

  it('refuses compared methods that need individual values', () => {
    expect(errors({ ...base, compareMethods: ['avg', 'max'], secureAggregation: true })).toMatch(
      /compareMethods: max/,
    );
  });

  it('refuses secure aggregation with 2 participants and says the sum would reveal the other', () => {
    expect(errors({ ...base, minParticipants: 2, secureAggregation: true })).toMatch(
      /minParticipants ≥ 3.*subtract its own update from the sum/,
    );
  });

  it('refuses a threshold above the quorum, or without secure aggregation', () => {
    expect(errors({ ...base, secureAggregation: true, secAggThreshold: 4 })).toMatch(/never finish/);
    expect(errors({ ...base, secAggThreshold: 2 })).toMatch(/only applies/);
  });

  it('needs noiseMultiplier, targetEpsilon or both (a budget), and avg for central DP', () => {
    expect(errors({ ...base, dp: { mode: 'central', clip: 1, noiseMultiplier: 1 } })).toBe('');
    expect(errors({ ...base, dp: { mode: 'local', clip: 1, targetEpsilon: 3 } })).toBe('');
    expect(errors({ ...base, dp: { mode: 'central', clip: 1 } })).toMatch(
      /noiseMultiplier \(z\), targetEpsilon/,
    );
    expect(errors({ ...base, dp: { mode: 'central', clip: 1, noiseMultiplier: 1, targetEpsilon: 2 } })).toBe(
      '',
    );
    expect(
      errors({ ...base, dp: { mode: 'central', clip: 1, noiseMultiplier: 0, targetEpsilon: 2 } }),
    ).toMatch(/adds no noise/);
    expect(errors({ ...base, method: 'max', dp: { mode: 'central', clip: 1, noiseMultiplier: 1 } })).toMatch(
      /central dp needs method avg/,
    );
    expect(errors({ ...base, dp: { mode: 'central', clip: -1, noiseMultiplier: 1 } })).toMatch(/dp.clip/);
  });

  it('defaults t to ⌈2K/3⌉, at least 2 and at most K', () => {
    expect(secAggThresholdFor({}, 3)).toBe(2);
    expect(secAggThresholdFor({}, 10)).toBe(7);
    expect(secAggThresholdFor({ secAggThreshold: 5 }, 4)).toBe(4);
  });
});
