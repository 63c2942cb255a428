import { describe, expect, it } from 'vitest';
import {
  challengeSigningBytes,
  formatFingerprint,
  generateIdentity,
  identityFromPem,
  keyFingerprint,
  publicKeyPem,
  sha256Hex,
  signChallenge,
  signKey,
  signUpdate,
  updateSigningBytes,
  verifyChallenge,
  verifyKey,
  verifyUpdate,
} from '../../../../core/crypto/identity.ts';

const claim = { jobId: 'job-1', round: 3, weightsSha256: sha256Hex(new Uint8Array([1, 2, 3])), samples: 750 };

describe('identity', () => {
  it('signs an update that verifies with the public key', () => {
    const id = generateIdentity();
    expect(id.publicKey.length).toBe(32);
    const sig = signUpdate(id.privateKeyPem, claim);
    expect(sig.length).toBe(64);
    expect(verifyUpdate(id.publicKey, claim, sig)).toBe(true);
  });

  it('refuses a signature when any field of the update changes', () => {
    const id = generateIdentity();
    const sig = signUpdate(id.privateKeyPem, claim);
    expect(verifyUpdate(id.publicKey, { ...claim, samples: 751 }, sig)).toBe(false);
    expect(verifyUpdate(id.publicKey, { ...claim, round: 4 }, sig)).toBe(false);
    expect(verifyUpdate(id.publicKey, { ...claim, jobId: 'job-2' }, sig)).toBe(false);
    expect(verifyUpdate(id.publicKey, { ...claim, weightsSha256: sha256Hex(new Uint8Array([9])) }, sig)).toBe(
      false,
    );
  });

  it('refuses a signature by another key', () => {
    const a = generateIdentity();
    const b = generateIdentity();
    expect(verifyUpdate(b.publicKey, claim, signUpdate(a.privateKeyPem, claim))).toBe(false);
  });

  it('never verifies a malformed signature or key, and never throws', () => {
    const id = generateIdentity();
    expect(verifyUpdate(id.publicKey, claim, new Uint8Array(10))).toBe(false);
    expect(verifyUpdate(new Uint8Array(5), claim, new Uint8Array(64))).toBe(false);
    expect(verifyUpdate(id.publicKey, { ...claim, weightsSha256: 'nothex' }, new Uint8Array(64))).toBe(false);
  });

  it('keeps the domains apart: a challenge signature is no update signature', () => {
    const id = generateIdentity();
    const ch = { hubFingerprint: 'AB', inviteId: 'inv', nonce: '00', issuedAt: 1 };
    const sig = signChallenge(id.privateKeyPem, ch);
    expect(verifyChallenge(id.publicKey, ch, sig)).toBe(true);
    expect(verifyChallenge(id.publicKey, { ...ch, inviteId: 'inv2' }, sig)).toBe(false);
    expect(verifyChallenge(id.publicKey, { ...ch, issuedAt: 2 }, sig)).toBe(false);
    expect(Buffer.from(challengeSigningBytes(ch)).equals(Buffer.from(updateSigningBytes(claim)))).toBe(false);
  });

  it('encodes fields unambiguously (no delimiter collisions)', () => {
    const a = challengeSigningBytes({ hubFingerprint: 'a', inviteId: 'bc', nonce: 'd', issuedAt: 1 });
    const b = challengeSigningBytes({ hubFingerprint: 'ab', inviteId: 'c', nonce: 'd', issuedAt: 1 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('signs relayed keys bound to purpose, job and round', () => {
    const id = generateIdentity();
    const k = { purpose: 'secagg-x25519', jobId: 'j', round: 1, key: new Uint8Array(32).fill(7) };
    const sig = signKey(id.privateKeyPem, k);
    expect(verifyKey(id.publicKey, k, sig)).toBe(true);
    expect(verifyKey(id.publicKey, { ...k, round: 2 }, sig)).toBe(false);
  });

  it('reloads a key pair from its PEM and exports the public key', () => {
    const id = generateIdentity();
    const again = identityFromPem(id.privateKeyPem);
    expect(Buffer.from(again.publicKey).equals(Buffer.from(id.publicKey))).toBe(true);
    expect(publicKeyPem(id.publicKey)).toContain('BEGIN PUBLIC KEY');
  });

  it('fingerprints the raw key with SHA-256 and groups it for people', () => {
    const id = generateIdentity();
    const fp = keyFingerprint(id.publicKey);
    expect(fp).toBe(sha256Hex(id.publicKey));
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(formatFingerprint('0123456789abcdef0123', 3)).toBe('0123 4567 89ab');
  });
});
