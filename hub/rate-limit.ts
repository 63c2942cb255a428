/**
 * A token bucket per socket: bursts up to `capacity` events, then `refillPerSec` on average. A
 * participant sends a handful of events per round, so anything faster is a bug or an attack.
 */

/** Counts events against a refilling budget. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly refillPerSec: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.last = clock();
  }

  /** Takes one token; false when the budget is spent. */
  take(): boolean {
    const t = this.clock();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.refillPerSec);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
