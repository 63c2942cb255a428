import { describe, expect, it } from 'vitest';
import { AddressFailures } from '../../../hub/federation/address-failures.ts';

describe('failed handshakes per address', () => {
  it('allows the budget, blocks once, stays quiet, and refills with time', () => {
    let now = 0;
    const f = new AddressFailures(3, 0.5, 100, () => now);
    expect([f.fail('a'), f.fail('a'), f.fail('a')]).toEqual(['ok', 'ok', 'ok']);
    expect(f.fail('a')).toBe('blocked');
    expect(f.fail('a')).toBe('quiet');
    // Another address has its own budget.
    expect(f.fail('b')).toBe('ok');
    now += 2000; // one token back at 0.5 per second
    expect(f.fail('a')).toBe('ok');
    expect(f.fail('a')).toBe('blocked');
  });

  it('forgets the least recently seen address past its bound', () => {
    const now = 0;
    const f = new AddressFailures(1, 0, 2, () => now);
    f.fail('a');
    f.fail('b');
    expect(f.fail('a')).toBe('blocked'); // a seen again: b is now the oldest
    f.fail('c'); // evicts b
    expect(f.size).toBe(2);
    expect(f.fail('a')).toBe('quiet'); // a kept its state
    expect(f.fail('b')).toBe('ok'); // b starts afresh
  });
});
