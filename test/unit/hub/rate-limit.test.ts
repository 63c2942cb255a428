import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../hub/rate-limit.ts';

describe('TokenBucket', () => {
  it('allows a burst, refuses beyond it, and refills with time', () => {
    let t = 0;
    const bucket = new TokenBucket(3, 2, () => t);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    t = 500;
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });
});
