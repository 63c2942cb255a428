import { describe, expect, it } from 'vitest';
import { FREE_FAILURES, LoginThrottle } from '../../../hub/operator/login-throttle.ts';

describe('LoginThrottle', () => {
  it('lets the first failures through, then doubles the wait per failure', () => {
    let now = 0;
    const t = new LoginThrottle(() => now);
    for (let i = 0; i < FREE_FAILURES; i++) expect(t.fail('a').waitMs).toBe(0);
    expect(t.fail('a').waitMs).toBe(1000);
    expect(t.waitMs('a')).toBe(1000);
    now += 1000;
    expect(t.waitMs('a')).toBe(0);
    expect(t.fail('a').waitMs).toBe(2000);
    expect(t.fail('a').waitMs).toBe(4000);
  });

  it('keeps addresses apart and forgets one after a success', () => {
    const t = new LoginThrottle(() => 0);
    for (let i = 0; i <= FREE_FAILURES; i++) t.fail('a');
    expect(t.waitMs('a')).toBeGreaterThan(0);
    expect(t.waitMs('b')).toBe(0);
    t.succeed('a');
    expect(t.waitMs('a')).toBe(0);
  });

  it('caps the wait at 15 minutes', () => {
    const t = new LoginThrottle(() => 0);
    let last = 0;
    for (let i = 0; i < 40; i++) last = t.fail('a').waitMs;
    expect(last).toBe(15 * 60 * 1000);
  });
});
