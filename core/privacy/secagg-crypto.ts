/**
 * The primitives SecAgg+ is built from, all from node:crypto and all over raw bytes (so a WebCrypto
 * port maps one to one): X25519 key agreement, HKDF-SHA-256, AES-256-CTR as the mask generator
 * (PRG), AES-256-GCM for the encrypted shares. Nothing here is hand-rolled.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** DER prefixes of X25519 PKCS#8 / SPKI (RFC 8410): the raw 32-byte key follows each. */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** An X25519 key pair as raw 32-byte strings. */
export interface RawKeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** A fresh X25519 key pair. */
export function generateX25519(): RawKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const pk = privateKey.export({ type: 'pkcs8', format: 'der' });
  const sp = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey: new Uint8Array(pk.subarray(PKCS8_X25519_PREFIX.length)),
    publicKey: new Uint8Array(sp.subarray(SPKI_X25519_PREFIX.length)),
  };
}

function checkLength(bytes: Uint8Array, n: number, what: string): void {
  if (bytes.length !== n) throw new Error(`${what} must be ${n} bytes, got ${bytes.length}`);
}

/** The X25519 shared secret of a raw private key and a raw peer public key (32 bytes). */
export function x25519(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  checkLength(privateKey, KEY_BYTES, 'an X25519 private key');
  checkLength(peerPublicKey, KEY_BYTES, 'an X25519 public key');
  const priv = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519_PREFIX, privateKey]),
    format: 'der',
    type: 'pkcs8',
  });
  const pub = createPublicKey({
    key: Buffer.concat([SPKI_X25519_PREFIX, peerPublicKey]),
    format: 'der',
    type: 'spki',
  });
  return new Uint8Array(diffieHellman({ privateKey: priv, publicKey: pub }));
}

/** The raw public key of a raw X25519 private key. */
export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  checkLength(privateKey, KEY_BYTES, 'an X25519 private key');
  const priv = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519_PREFIX, privateKey]),
    format: 'der',
    type: 'pkcs8',
  });
  const sp = createPublicKey(priv).export({ type: 'spki', format: 'der' });
  return new Uint8Array(sp.subarray(SPKI_X25519_PREFIX.length));
}

/** HKDF-SHA-256 (RFC 5869) of a shared secret into a 32-byte key bound to `info`. */
export function deriveKey(sharedSecret: Uint8Array, info: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', sharedSecret, new Uint8Array(0), info, KEY_BYTES));
}

/**
 * The mask for one seed: n uint32 words of AES-256-CTR keystream (zero IV; every seed is derived
 * for a single round and purpose, so a key/IV pair is never reused). Words are read little-endian
 * (the byte order of every platform FedUnify runs on).
 */
export function expandMask(seed: Uint8Array, n: number): Uint32Array {
  checkLength(seed, KEY_BYTES, 'a mask seed');
  const cipher = createCipheriv('aes-256-ctr', seed, Buffer.alloc(16));
  const stream = Buffer.concat([cipher.update(Buffer.alloc(n * 4)), cipher.final()]);
  const out = new Uint32Array(n);
  new Uint8Array(out.buffer).set(stream);
  return out;
}

/** AES-256-GCM encryption: nonce (12) ‖ ciphertext ‖ tag (16), with `aad` authenticated. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  checkLength(key, KEY_BYTES, 'an AES-256 key');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()]));
}

/** Decrypts `seal`'s output; throws when the key, the AAD or any byte does not match. */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  checkLength(key, KEY_BYTES, 'an AES-256 key');
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new Error('sealed message too short');
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return new Uint8Array(
    Buffer.concat([
      decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]),
  );
}

/** 32 bytes from the CSPRNG. */
export function randomSeed(): Uint8Array {
  return new Uint8Array(randomBytes(KEY_BYTES));
}

/** Domain tag + length-prefixed fields (u32 big-endian), so distinct tuples never share bytes. */
export function encodeFields(domain: string, fields: (string | Uint8Array)[]): Uint8Array {
  const out: Buffer[] = [];
  for (const f of [domain, ...fields]) {
    const p = typeof f === 'string' ? Buffer.from(f, 'utf8') : Buffer.from(f);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(p.length);
    out.push(len, p);
  }
  return new Uint8Array(Buffer.concat(out));
}
