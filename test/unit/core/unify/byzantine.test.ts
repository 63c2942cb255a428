import { describe, expect, it } from 'vitest';
import { minParticipantsFor, trimCount } from '../../../../core/unify/byzantine.ts';
import { unify } from '../../../../core/unify/unify.ts';
import { jobSpecSchema } from '../../../../core/wire/job-spec.ts';

const scalars = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ weights: [new Float32Array([i])], samples: 1 }));

describe('participants needed for f Byzantine updates', () => {
  it('follows each paper: Krum K > 2f + 2, Bulyan K ≥ 4f + 3, median and trimmed mean K > 2f', () => {
    expect(minParticipantsFor('krum', 1)).toBe(5);
    expect(minParticipantsFor('multi-krum', 2)).toBe(7);
    expect(minParticipantsFor('bulyan', 1)).toBe(7);
    expect(minParticipantsFor('bulyan', 2)).toBe(11);
    expect(minParticipantsFor('median', 2)).toBe(5);
    expect(minParticipantsFor('trimmed-mean', 1)).toBe(3);
    expect(minParticipantsFor('avg', 3)).toBe(1);
  });

  it('unify refuses too few updates, naming both numbers', () => {
    expect(() => unify('multi-krum', scalars(4), { maxByzantine: 1 })).toThrow(
      'multi-krum with maxByzantine 1 needs at least 5 participants (K > 2f + 2), got 4',
    );
    expect(() => unify('bulyan', scalars(6), { maxByzantine: 1 })).toThrow(
      'bulyan with maxByzantine 1 needs at least 7 participants (K ≥ 4f + 3), got 6',
    );
    expect(() => unify('median', scalars(4), { maxByzantine: 2 })).toThrow(/needs at least 5 participants/);
    expect(unify('multi-krum', scalars(5), { maxByzantine: 1 })).toHaveLength(1);
  });

  it('trims max(f, ⌊βK⌋) values at each end', () => {
    expect(trimCount(4, 0.1, 0)).toBe(0);
    expect(trimCount(4, 0.1, 1)).toBe(1);
    expect(trimCount(30, 0.1, 1)).toBe(3);
    expect(trimCount(30, 0.1, 5)).toBe(5);
  });
});

describe('job spec: maxByzantine and clipNorm', () => {
  const base = { name: 'robust', rounds: 2 };

  it('accepts a quorum large enough for the method and f', () => {
    const spec = jobSpecSchema.parse({ ...base, method: 'multi-krum', maxByzantine: 1, minParticipants: 5 });
    expect(spec.maxByzantine).toBe(1);
    expect(jobSpecSchema.parse({ ...base, method: 'norm-clip-avg', clipNorm: 2.5 }).clipNorm).toBe(2.5);
  });

  it('refuses a minParticipants too small for the method and f, naming both numbers', () => {
    const res = jobSpecSchema.safeParse({ ...base, method: 'bulyan', maxByzantine: 1, minParticipants: 4 });
    expect(res.success).toBe(false);
    expect(res.error?.issues[0].path).toEqual(['minParticipants']);
    expect(res.error?.issues[0].message).toBe(
      'minParticipants 4 is too small: bulyan with maxByzantine 1 needs at least 7 participants (K ≥ 4f + 3); set minParticipants to at least 7 or lower maxByzantine',
    );
  });

  it('refuses a compared method the quorum cannot satisfy, naming it and what to change', () => {
    const res = jobSpecSchema.safeParse({
      ...base,
      method: 'multi-krum',
      maxByzantine: 1,
      minParticipants: 5,
      compareMethods: ['avg', 'krum', 'bulyan'],
    });
    expect(res.success).toBe(false);
    expect(res.error?.issues.map((i) => i.path)).toEqual([['compareMethods', 2]]);
    expect(res.error?.issues[0].message).toBe(
      'bulyan with maxByzantine 1 needs at least 7 participants (K ≥ 4f + 3), but minParticipants is 5; raise minParticipants to 7 or drop bulyan from compareMethods',
    );
  });

  it('refuses a negative or fractional maxByzantine and a clipNorm ≤ 0', () => {
    expect(jobSpecSchema.safeParse({ ...base, maxByzantine: -1 }).success).toBe(false);
    expect(jobSpecSchema.safeParse({ ...base, maxByzantine: 0.5 }).success).toBe(false);
    expect(jobSpecSchema.safeParse({ ...base, clipNorm: 0 }).success).toBe(false);
  });
});
