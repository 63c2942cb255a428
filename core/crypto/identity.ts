/**
 * Participant identity: Ed25519 key pairs, signatures over a canonical byte encoding of what a
 * participant vouches for (an update, a hub challenge, a relayed key), and key fingerprints.
 * node:crypto only. The canonical encoding is a domain tag followed by length-prefixed fields,
 * so two different messages can never encode to the same bytes (no delimiter ambiguity, and a
 * signature made for one purpose never verifies for another).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign as edSign,
  verify as edVerify,
  type KeyObject,
} from 'node:crypto';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw 32-byte key follows it. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

/** A key pair as stored: the private key in PKCS#8 PEM, the public key raw (32 bytes). */
export interface IdentityKeyPair {
  privateKeyPem: string;
  publicKey: Uint8Array;
}

/** What a participant signs for each `round:update`. */
export interface UpdateClaim {
  jobId: string;
  round: number;
  /** SHA-256 of the encoded weights frame, lowercase hex. */
  weightsSha256: string;
  samples: number;
}

/** What a participant signs to prove its key at connection time. */
export interface ChallengeClaim {
  /** SHA-256 fingerprint of the hub's TLS certificate as the participant pinned it ('' without TLS). */
  hubFingerprint: string;
  inviteId: string;
  /** Hub-chosen random nonce, hex. */
  nonce: string;
  /** Unix ms when the hub issued the challenge. */
  issuedAt: number;
}

/** What a participant signs when it publishes a key for another protocol (e.g. X25519 for SecAgg). */
export interface KeyClaim {
  purpose: string;
  jobId: string;
  round: number;
  key: Uint8Array;
}

/** Generates a fresh Ed25519 key pair. */
export function generateIdentity(): IdentityKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: rawPublicKey(publicKey),
  };
}

/** Loads a key pair from its PKCS#8 PEM private key (throws a clear error if it is not Ed25519). */
export function identityFromPem(privateKeyPem: string): IdentityKeyPair {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`identity key is ${privateKey.asymmetricKeyType ?? 'unknown'}, expected ed25519`);
  }
  return { privateKeyPem, publicKey: rawPublicKey(createPublicKey(privateKey)) };
}

/** The raw 32-byte public key of a KeyObject. */
function rawPublicKey(key: KeyObject): Uint8Array {
  const der = key.export({ type: 'spki', format: 'der' });
  return new Uint8Array(der.subarray(SPKI_ED25519_PREFIX.length));
}

/** A node:crypto public KeyObject from a raw 32-byte Ed25519 key. */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== PUBLIC_KEY_BYTES) {
    throw new Error(`an Ed25519 public key is ${PUBLIC_KEY_BYTES} bytes, got ${raw.length}`);
  }
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The public key as SPKI PEM (for export and display). */
export function publicKeyPem(raw: Uint8Array): string {
  return publicKeyFromRaw(raw).export({ type: 'spki', format: 'pem' }).toString();
}

/** Signs bytes with the PEM private key; returns the 64-byte signature. */
export function signBytes(privateKeyPem: string, bytes: Uint8Array): Uint8Array {
  return new Uint8Array(edSign(null, bytes, createPrivateKey(privateKeyPem)));
}

/** True when `signature` is a valid Ed25519 signature of `bytes` by the raw public key. Never throws. */
export function verifyBytes(publicKey: Uint8Array, bytes: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  try {
    return edVerify(null, bytes, publicKeyFromRaw(publicKey), signature);
  } catch {
    return false;
  }
}

/** Domain tag + length-prefixed UTF-8 fields (u32 big-endian lengths). */
function encodeFields(domain: string, fields: (string | Uint8Array)[]): Uint8Array {
  const parts = [domain, ...fields].map((f) =>
    typeof f === 'string' ? Buffer.from(f, 'utf8') : Buffer.from(f),
  );
  const out: Buffer[] = [];
  for (const p of parts) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(p.length);
    out.push(len, p);
  }
  return new Uint8Array(Buffer.concat(out));
}

/** Integers as decimal strings: exact, and the same on every platform. */
function intField(n: number, name: string): string {
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be a safe integer, got ${n}`);
  return String(n);
}

/** The canonical bytes a participant signs for one update. */
export function updateSigningBytes(c: UpdateClaim): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(c.weightsSha256))
    throw new Error('weightsSha256 must be 64 lowercase hex digits');
  return encodeFields('fedunify/update/v1', [
    c.jobId,
    intField(c.round, 'round'),
    c.weightsSha256,
    intField(c.samples, 'samples'),
  ]);
}

/** A certificate fingerprint as hex only ('AA:BB:..' and 'aabb..' are the same). */
export function normalizeFingerprint(fp: string): string {
  return fp.toLowerCase().replace(/[^0-9a-f]/g, '');
}

/** The canonical bytes a participant signs to answer a hub challenge. */
export function challengeSigningBytes(c: ChallengeClaim): Uint8Array {
  return encodeFields('fedunify/challenge/v1', [
    normalizeFingerprint(c.hubFingerprint),
    c.inviteId,
    c.nonce,
    intField(c.issuedAt, 'issuedAt'),
  ]);
}

/** The canonical bytes a participant signs to vouch for a key it publishes through the hub. */
export function keySigningBytes(c: KeyClaim): Uint8Array {
  return encodeFields('fedunify/key/v1', [c.purpose, c.jobId, intField(c.round, 'round'), c.key]);
}

/** Signs an update claim. */
export function signUpdate(privateKeyPem: string, claim: UpdateClaim): Uint8Array {
  return signBytes(privateKeyPem, updateSigningBytes(claim));
}

/** Verifies an update claim's signature. */
export function verifyUpdate(publicKey: Uint8Array, claim: UpdateClaim, signature: Uint8Array): boolean {
  try {
    return verifyBytes(publicKey, updateSigningBytes(claim), signature);
  } catch {
    return false;
  }
}

/** Signs a hub challenge. */
export function signChallenge(privateKeyPem: string, claim: ChallengeClaim): Uint8Array {
  return signBytes(privateKeyPem, challengeSigningBytes(claim));
}

/** Verifies a challenge answer. */
export function verifyChallenge(
  publicKey: Uint8Array,
  claim: ChallengeClaim,
  signature: Uint8Array,
): boolean {
  try {
    return verifyBytes(publicKey, challengeSigningBytes(claim), signature);
  } catch {
    return false;
  }
}

/** Signs a published key (e.g. an X25519 key relayed by the hub). */
export function signKey(privateKeyPem: string, claim: KeyClaim): Uint8Array {
  return signBytes(privateKeyPem, keySigningBytes(claim));
}

/** Verifies a published key's signature. */
export function verifyKey(publicKey: Uint8Array, claim: KeyClaim, signature: Uint8Array): boolean {
  try {
    return verifyBytes(publicKey, keySigningBytes(claim), signature);
  } catch {
    return false;
  }
}

/** A fresh random nonce for a challenge (32 bytes, hex). */
export function newNonce(): string {
  return randomBytes(32).toString('hex');
}

/** SHA-256 of bytes, lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The key fingerprint: SHA-256 of the raw public key, lowercase hex (64 digits). */
export function keyFingerprint(publicKey: Uint8Array): string {
  return sha256Hex(publicKey);
}

/** A fingerprint for people: the first `groups` groups of 4 hex digits, space-separated. */
export function formatFingerprint(fingerprintHex: string, groups = 8): string {
  const g = fingerprintHex.toLowerCase().match(/.{1,4}/g) ?? [];
  return g.slice(0, groups).join(' ');
}
