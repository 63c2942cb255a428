/**
 * Throttles failed operator sign-ins per remote address: a few tries are free, then each further
 * failure doubles the wait (1 s, 2 s, 4 s, ... up to 15 min) before that address may try again.
 * A success clears the address. Guessing the password from one address becomes hopeless.
 */

/** Failures allowed before the first wait. */
export const FREE_FAILURES = 5;
const BASE_MS = 1000;
const MAX_MS = 15 * 60 * 1000;
/** Forget an address this long after its last failure. */
const FORGET_MS = 60 * 60 * 1000;
/** Bound on remembered addresses, so a flood of sources cannot grow memory without end. */
const MAX_ENTRIES = 10_000;

interface Entry {
  failures: number;
  blockedUntil: number;
  lastFailure: number;
}

/** Counts failed sign-ins per address and says how long an address must wait. */
export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Milliseconds `address` must still wait before its next try (0: it may try now). */
  waitMs(address: string): number {
    const e = this.entries.get(address);
    if (!e) return 0;
    return Math.max(0, e.blockedUntil - this.clock());
  }

  /** Records a failure; returns the failures so far and the wait it now imposes. */
  fail(address: string): { failures: number; waitMs: number } {
    const t = this.clock();
    this.prune(t);
    const e = this.entries.get(address) ?? { failures: 0, blockedUntil: 0, lastFailure: t };
    e.failures += 1;
    e.lastFailure = t;
    const over = e.failures - FREE_FAILURES;
    const waitMs = over > 0 ? Math.min(MAX_MS, BASE_MS * 2 ** (over - 1)) : 0;
    e.blockedUntil = t + waitMs;
    this.entries.delete(address);
    this.entries.set(address, e);
    return { failures: e.failures, waitMs };
  }

  /** Forgets an address's failures (after a successful sign-in). */
  succeed(address: string): void {
    this.entries.delete(address);
  }

  private prune(t: number): void {
    for (const [address, e] of this.entries) {
      if (t - e.lastFailure > FORGET_MS && e.blockedUntil <= t) this.entries.delete(address);
    }
    // Oldest first (insertion order is refreshed on every failure).
    while (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
