import { describe, expect, it } from 'vitest';
import { privacySpent } from '../../../../core/privacy/rdp-accountant.ts';
import type { JobAssignment } from '../../../../core/wire/protocol.ts';
import { formatEpsilon, privacySummary } from '../../../../renderer/participant/pages/privacy-summary.ts';

const local = (over: object = {}): Pick<JobAssignment, 'privacy'> => ({
  privacy: {
    secureAggregation: false,
    dp: { mode: 'local', clip: 1, noiseMultiplier: 2, delta: 1e-5, targetEpsilon: 5, ...over },
  },
});
const rows = (...sent: boolean[]) => sent.map((dpNoised, i) => ({ round: i + 1, dpNoised }));

describe('privacySummary (Training screen)', () => {
  it("shows a local-DP participant its own ε over the rounds it sent, against the job's target", () => {
    const eps = privacySpent({ noiseMultiplier: 2, sampleRate: 1, steps: 2, delta: 1e-5 }).epsilon;
    const s = privacySummary(local(), rows(true, false, true));
    expect(s.headline).toBe(
      'Local differential privacy: each update is clipped to L2 norm 1 and Gaussian noise σ = 2.00 is added on this machine before it leaves.',
    );
    expect(s.budget).toBe(
      `ε = ${eps.toPrecision(3)} of target 5 at δ = 0.00001 over 2 rounds sent from here`,
    );
    expect(s.overBudget).toBe(false);
  });

  it('starts at ε = 0, says when there is no target, and flags a spend past the target', () => {
    expect(privacySummary(local({ targetEpsilon: undefined }), []).budget).toBe(
      'ε = 0 at δ = 0.00001 over 0 rounds sent from here',
    );
    expect(privacySummary(local({ targetEpsilon: 0.5 }), rows(true)).overBudget).toBe(true);
    expect(privacySummary(local({ noiseMultiplier: 0 }), rows(true)).budget).toMatch(/^ε = ∞/);
  });

  it('names secure aggregation, central DP (the hub adds the noise) and no protection at all', () => {
    expect(privacySummary({ privacy: { secureAggregation: true, dp: null } }, []).headline).toMatch(
      /^Secure aggregation: the hub sees only your masked update/,
    );
    const central = privacySummary(
      {
        privacy: {
          secureAggregation: false,
          dp: { mode: 'central', clip: 2, noiseMultiplier: 1, delta: 1e-5 },
        },
      },
      rows(true),
    );
    expect(central.headline).toMatch(
      /the hub clips each update to L2 norm 2 and adds Gaussian noise σ = 2.00/,
    );
    expect(central.budget).toBeNull();
    expect(privacySummary({}, []).headline).toBe(
      'No privacy protection: the hub receives your weights as they are.',
    );
  });

  it('formats ε with three significant digits', () => {
    expect(formatEpsilon(1.03549)).toBe('1.04');
    expect(formatEpsilon(0)).toBe('0');
    expect(formatEpsilon(Infinity)).toBe('∞');
  });
});
