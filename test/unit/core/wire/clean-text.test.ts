import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cleanText, isCleanText } from '../../../../core/wire/clean-text.ts';

describe('cleanText', () => {
  it('removes terminal escape sequences whole', () => {
    expect(cleanText('Org\u001b[31mRED\u001b[0m')).toBe('OrgRED');
    expect(cleanText('a\u001b]0;evil title\u0007b')).toBe('ab');
    expect(cleanText('x\u001b[2J\u001b[Hy')).toBe('xy');
  });

  it('removes bidi overrides so a name reads as stored', () => {
    expect(cleanText('Org\u202Egnp.exe')).toBe('Orggnp.exe');
    expect(cleanText('\u2066a\u2069\u200Fb\u061C')).toBe('ab');
  });

  it('turns newlines into spaces and drops other control characters', () => {
    expect(cleanText('line1\nline2\r\n\tx')).toBe('line1 line2 x');
    expect(cleanText('a\u0000b\u0007c\u0085d\u009be')).toBe('abcde');
  });

  it('keeps ordinary text, accents and other scripts', () => {
    expect(cleanText('Hôpital Saint-Jean — 東京 ☂')).toBe('Hôpital Saint-Jean — 東京 ☂');
    expect(isCleanText('Clinic A')).toBe(true);
  });

  it('leaves no control or bidi character in any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = cleanText(s);
        // eslint-disable-next-line no-control-regex -- asserting control characters are gone
        expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f]/);
        expect(cleanText(out)).toBe(out);
      }),
    );
  });
});
