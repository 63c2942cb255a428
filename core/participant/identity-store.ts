/**
 * The participant's Ed25519 identity on disk: made at the first join, kept in the state folder as
 * `identity.key` (PKCS#8 PEM, mode 0600), or as `identity.key.enc` when the desktop app hands in a
 * protector (Electron safeStorage: the OS keychain encrypts it). The public key is what the hub
 * binds the invite to, so losing this file means asking the operator for a new invite.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatFingerprint,
  generateIdentity,
  identityFromPem,
  keyFingerprint,
  type IdentityKeyPair,
} from '../crypto/identity.ts';

/** Encrypts the private key at rest (the desktop app passes Electron safeStorage). */
export interface KeyProtector {
  /** Whether encryption is available now (safeStorage may be unavailable on some Linux desktops). */
  available(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(cipher: Buffer): string;
}

/** A loaded identity and where it lives. */
export interface StoredIdentity extends IdentityKeyPair {
  /** SHA-256 of the raw public key, hex. */
  fingerprint: string;
  /** The file it was read from or written to. */
  file: string;
  /** Whether the file is encrypted by the protector. */
  protected: boolean;
}

const PLAIN = 'identity.key';
const SEALED = 'identity.key.enc';

/** Writes a file readable by its owner only, atomically (tmp + rename). */
function writePrivate(path: string, data: string | Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

function stored(pair: IdentityKeyPair, file: string, isProtected: boolean): StoredIdentity {
  return { ...pair, fingerprint: keyFingerprint(pair.publicKey), file, protected: isProtected };
}

/** Reads the identity of a state folder, creating it on first use. Throws a clear error when the file is unreadable. */
export function loadOrCreateIdentity(stateDir: string, protector?: KeyProtector): StoredIdentity {
  mkdirSync(stateDir, { recursive: true });
  const sealed = join(stateDir, SEALED);
  const plain = join(stateDir, PLAIN);
  try {
    if (existsSync(sealed)) {
      if (!protector?.available()) {
        throw new Error('it is encrypted with the OS keychain, which is not available now');
      }
      return stored(identityFromPem(protector.decrypt(readFileSync(sealed))), sealed, true);
    }
    if (existsSync(plain)) {
      const pair = identityFromPem(readFileSync(plain, 'utf8'));
      // Moves a plain key under the keychain as soon as one is available.
      if (protector?.available()) {
        writePrivate(sealed, protector.encrypt(pair.privateKeyPem));
        rmSync(plain);
        return stored(pair, sealed, true);
      }
      chmodSync(plain, 0o600);
      return stored(pair, plain, false);
    }
  } catch (err) {
    throw new Error(
      `The participant identity key in ${stateDir} cannot be read (${(err as Error).message}). ` +
        'Restore it from a backup, or remove it and ask the hub operator for a new invite: the hub binds invites to keys.',
    );
  }
  const pair = generateIdentity();
  if (protector?.available()) {
    writePrivate(sealed, protector.encrypt(pair.privateKeyPem));
    return stored(pair, sealed, true);
  }
  writePrivate(plain, pair.privateKeyPem);
  return stored(pair, plain, false);
}

/** The fingerprint as shown to people ("3f9a 1c2b ..."). */
export function displayFingerprint(id: { fingerprint: string }): string {
  return formatFingerprint(id.fingerprint);
}
