import { describe, expect, it } from 'vitest';
import { normalizeFingerprint, pinMismatchMessage } from '../../../../core/net/pinned-tls.ts';

describe('fingerprints', () => {
  it('normalises typed fingerprints and refuses malformed ones', () => {
    const hex = 'ab'.repeat(32);
    expect(normalizeFingerprint(hex)).toBe(Array(32).fill('AB').join(':'));
    expect(() => normalizeFingerprint('AB:CD')).toThrow(/64 hex digits/);
  });

  it('names both fingerprints in the mismatch message', () => {
    expect(pinMismatchMessage('https://h:1', 'AA', 'BB')).toMatch(
      /presented certificate AA, but your invite pins BB/,
    );
  });
});
