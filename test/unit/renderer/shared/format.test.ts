import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatPercent, shortHash } from '../../../../renderer/shared/format.ts';

describe('format', () => {
  it('shows fractions as percentages with one decimal, and unknowns as a dash', () => {
    expect(formatPercent(0.8734)).toBe('87.3%');
    expect(formatPercent(null)).toBe('—');
    expect(formatPercent(Number.NaN)).toBe('—');
  });

  it('shows sizes in B, KB and MB', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(425_768)).toBe('415.8 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.00 MB');
  });

  it('shows durations in s, min and h', () => {
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 5 s');
    expect(formatDuration(3840)).toBe('1 h 4 min');
  });

  it('shortens long hashes but keeps both ends', () => {
    const h = 'a'.repeat(10) + 'b'.repeat(44) + 'cdefgh';
    expect(shortHash(h)).toBe(`${'a'.repeat(10)}…${h.slice(-6)}`);
    expect(shortHash('abc')).toBe('abc');
  });
});
