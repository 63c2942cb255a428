/**
 * Failed handshakes per network address (malformed, an unknown token, a revoked invite): a token
 * bucket per address, so one address cannot fill the hub's log with refusals or make it look up
 * guess after guess. Past its budget an address gets a rate-limited refusal, logged once per
 * blocking, until the bucket refills; a valid invite from the same address is never refused for
 * it (an organization behind the same NAT as a misbehaving host keeps working). Memory is bounded:
 * past `maxAddresses` the least recently seen address is forgotten.
 */
import { TokenBucket } from '../rate-limit.ts';

/** What a failure means for its address: within budget, the one that blocked it, or blocked already. */
export type FailureVerdict = 'ok' | 'blocked' | 'quiet';

export class AddressFailures {
  private readonly entries = new Map<string, { bucket: TokenBucket; blocked: boolean }>();

  constructor(
    private readonly capacity = 20,
    private readonly refillPerSec = 0.5,
    private readonly maxAddresses = 10_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Addresses remembered. */
  get size(): number {
    return this.entries.size;
  }

  /** Counts one failed handshake from `address`. */
  fail(address: string): FailureVerdict {
    let e = this.entries.get(address);
    if (e) {
      // Re-inserted, so the map's first key is the least recently seen address.
      this.entries.delete(address);
    } else {
      if (this.entries.size >= this.maxAddresses) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      e = { bucket: new TokenBucket(this.capacity, this.refillPerSec, this.clock), blocked: false };
    }
    this.entries.set(address, e);
    if (e.bucket.take()) {
      e.blocked = false;
      return 'ok';
    }
    if (e.blocked) return 'quiet';
    e.blocked = true;
    return 'blocked';
  }
}
