/**
 * The participant handshake, inside socket.io's auth middleware so no event handler ever sees an
 * unproven socket:
 * 1. CONNECT {token, protocolVersion, publicKey}: the invite must exist and be unrevoked, and a key
 *    already bound to it must be this key. The hub answers with an `auth-challenge` connect error
 *    carrying a fresh nonce, the time and the invite id.
 * 2. CONNECT again with {proof: nonce, issuedAt, signature}: the signature covers (the hub's
 *    certificate fingerprint, invite id, nonce, issuedAt) — core/crypto/identity.ts. A nonce is good
 *    once, for 30 s, for the invite and key it was issued to; a proof for another hub, invite or key
 *    never verifies. The first valid proof on an unbound invite binds it to the key (enrollment).
 */
import { formatFingerprint, keyFingerprint, newNonce, verifyChallenge } from '../../core/crypto/identity.ts';
import {
  PROTOCOL_VERSION,
  participantAuthSchema,
  type AuthChallenge,
  type ErrorCode,
  type InviteRecord,
} from '../../core/wire/protocol.ts';
import type { Store } from '../db/store.ts';
import { hashToken } from '../operator/operator-auth.ts';
import { TokenBucket } from '../rate-limit.ts';
import type { AddressFailures } from './address-failures.ts';

const CHALLENGE_TTL_MS = 30_000;
const MAX_PENDING_PER_INVITE = 8;
const MAX_PENDING = 10_000;

/** A refusal as socket.io's middleware passes it to the client (`err.message`, `err.data`). */
export function refusal(message: string, code: ErrorCode, extra: object = {}): Error {
  return Object.assign(new Error(message), { data: { code, ...extra } });
}

interface Pending {
  inviteId: string;
  publicKey: string;
  issuedAt: number;
}

/** Outstanding challenges: single use, short-lived, bounded per invite and in all. */
export class ChallengeBook {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** A new challenge, or null when this invite already has too many outstanding. */
  issue(inviteId: string, publicKey: string): AuthChallenge | null {
    this.expire();
    let mine = 0;
    for (const p of this.pending.values()) if (p.inviteId === inviteId) mine++;
    if (mine >= MAX_PENDING_PER_INVITE || this.pending.size >= MAX_PENDING) return null;
    const nonce = newNonce();
    const issuedAt = this.clock();
    this.pending.set(nonce, { inviteId, publicKey, issuedAt });
    return { nonce, issuedAt, inviteId };
  }

  /** Consumes a challenge issued to this invite and key; null when unknown, used, expired or not theirs. */
  take(nonce: string, inviteId: string, publicKey: string): Pending | null {
    this.expire();
    const p = this.pending.get(nonce);
    if (!p) return null;
    this.pending.delete(nonce);
    return p.inviteId === inviteId && p.publicKey === publicKey ? p : null;
  }

  private expire(): void {
    const now = this.clock();
    for (const [n, p] of this.pending) if (now - p.issuedAt > CHALLENGE_TTL_MS) this.pending.delete(n);
  }
}

/** Who a proven socket is. */
export interface ProvenIdentity {
  invite: InviteRecord;
  publicKey: Uint8Array;
  /** SHA-256 of the raw public key, hex. */
  fingerprint: string;
  /** True when this handshake bound the invite to the key. */
  enrolled: boolean;
}

/** What the handshake needs from the hub. */
export interface HandshakeContext {
  store: Store;
  book: ChallengeBook;
  /** The hub's certificate fingerprint ('' without TLS): bound into every proof. */
  hubFingerprint: string;
  /** Handshake attempts per invite (token holders only): a bucket per invite id. */
  attempts: Map<string, TokenBucket>;
  /** Failed handshakes (no valid invite) per remote address. */
  failures?: AddressFailures;
}

/** A failed handshake from `address`: the refusal itself, or a rate-limited one past the address's budget. */
function failed(ctx: HandshakeContext, address: string, err: Error): Error {
  const verdict = ctx.failures?.fail(address) ?? 'ok';
  if (verdict === 'ok') return err;
  return refusal(
    'too many failed handshakes from this address: check the token in your invite, then retry in a minute',
    'rate-limited',
    // Logged once when the address is blocked, not for every attempt after.
    { quiet: verdict === 'quiet' },
  );
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}

function otherKey(bound: Uint8Array, mine: Uint8Array): Error {
  return refusal(
    `unauthorized: this invite belongs to another key (fingerprint ${formatFingerprint(keyFingerprint(bound))}); ` +
      `this participant's key is ${formatFingerprint(keyFingerprint(mine))}. An invite enrolls one organization's ` +
      'installation: use the state folder that first joined with it, or ask the hub operator for a new invite.',
    'unauthorized',
  );
}

/** Runs one handshake step: a ProvenIdentity, or the Error to refuse with (a challenge is one). */
export function handshake(ctx: HandshakeContext, auth: unknown, address = ''): ProvenIdentity | Error {
  const version = (auth as { protocolVersion?: unknown } | null)?.protocolVersion;
  if (typeof version === 'number' && version !== PROTOCOL_VERSION) {
    return refusal(
      `protocol version ${version} is not supported: this hub speaks version ${PROTOCOL_VERSION}; install the FedUnify version the hub runs`,
      'version-mismatch',
    );
  }
  const parsed = participantAuthSchema.safeParse(auth);
  if (!parsed.success) {
    const what = parsed.error.issues.map((i) => `${i.path.join('.') || 'auth'}: ${i.message}`).join('; ');
    return failed(
      ctx,
      address,
      refusal(`invalid handshake (${what}): connect with the token from your invite`, 'unauthorized'),
    );
  }
  const a = parsed.data;
  const invite = ctx.store.inviteByTokenHash(hashToken(a.token));
  if (!invite) {
    return failed(
      ctx,
      address,
      refusal(
        'unauthorized: this invite token is not known to the hub; ask the operator for a new invite',
        'unauthorized',
      ),
    );
  }
  if (invite.revoked) {
    return failed(
      ctx,
      address,
      refusal('unauthorized: this invite was revoked by the hub operator; ask for a new one', 'unauthorized'),
    );
  }
  let bucket = ctx.attempts.get(invite.id);
  if (!bucket) ctx.attempts.set(invite.id, (bucket = new TokenBucket(10, 1)));
  if (!bucket.take()) {
    return refusal(
      'too many connection attempts with this invite; wait a few seconds and retry',
      'rate-limited',
    );
  }
  const publicKey = new Uint8Array(Buffer.from(a.publicKey, 'base64'));
  const bound = ctx.store.inviteKey(invite.id);
  if (bound && !sameKey(bound, publicKey)) return otherKey(bound, publicKey);

  const pending = a.proof ? ctx.book.take(a.proof.nonce, invite.id, a.publicKey) : null;
  if (!a.proof || !pending || pending.issuedAt !== a.proof.issuedAt) {
    const challenge = ctx.book.issue(invite.id, a.publicKey);
    if (!challenge) {
      return refusal('too many unanswered handshakes on this invite; retry in 30 s', 'rate-limited');
    }
    return refusal('sign this challenge with your identity key and connect again', 'auth-challenge', {
      challenge,
    });
  }
  const claim = {
    hubFingerprint: ctx.hubFingerprint,
    inviteId: invite.id,
    nonce: a.proof.nonce,
    issuedAt: pending.issuedAt,
  };
  if (!verifyChallenge(publicKey, claim, Buffer.from(a.proof.signature, 'base64'))) {
    return refusal(
      "unauthorized: the key proof did not verify (the signature is not this key's over this hub's challenge)",
      'unauthorized',
    );
  }
  let enrolled = false;
  if (!bound) {
    const now = ctx.store.enrollInvite(invite.id, publicKey);
    if (!now || !sameKey(now, publicKey)) return otherKey(now ?? publicKey, publicKey);
    enrolled = true;
  }
  return { invite, publicKey, fingerprint: keyFingerprint(publicKey), enrolled };
}
