/**
 * The participant's Ed25519 identity on disk: made at the first join, kept in the state folder as
 * `identity.key` (PKCS#8 PEM, mode 0600), or as `identity.key.enc` when the desktop app hands in a
 * protector (Electron safeStorage: the OS keychain encrypts it). The public key is what the hub
 * binds the invite to, so losing this file means asking the operator for a new invite; that is why
 * an unreadable key is an error and never a reason to make a new one.
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

/**
 * Encrypts the private key at rest. The desktop app passes Electron safeStorage, which lives in
 * its main process while the engine runs in a utility process: hence every call is asynchronous.
 */
export interface KeyProtector {
  /** Why encryption is not available now (e.g. no OS secret store on this Linux desktop), or null when it is. */
  unavailable(): Promise<string | null>;
  encrypt(plain: string): Promise<Buffer>;
  decrypt(cipher: Buffer): Promise<string>;
}

/** A loaded identity and where it lives. */
export interface StoredIdentity extends IdentityKeyPair {
  /** SHA-256 of the raw public key, hex. */
  fingerprint: string;
  /** The file it was read from or written to. */
  file: string;
  /** Whether the file is encrypted by the protector. */
  protected: boolean;
  /** Why the key is kept as a plain 0600 file rather than encrypted; null when it is encrypted. */
  note: string | null;
}

const PLAIN = 'identity.key';
const SEALED = 'identity.key.enc';
const NO_PROTECTOR = 'no OS keychain outside the desktop app';

/** Writes a file readable by its owner only, atomically (tmp + rename). */
function writePrivate(path: string, data: string | Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

function stored(pair: IdentityKeyPair, file: string, note: string | null): StoredIdentity {
  return { ...pair, fingerprint: keyFingerprint(pair.publicKey), file, protected: note === null, note };
}

/** Encrypts the key and checks that it decrypts to the same text before anything relies on the copy. */
async function seal(protector: KeyProtector, pem: string): Promise<Buffer> {
  const cipher = await protector.encrypt(pem);
  if ((await protector.decrypt(cipher)) !== pem) {
    throw new Error('the OS keychain did not decrypt what it had just encrypted');
  }
  return cipher;
}

const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Reads the encrypted key; every failure says what to do and leaves the file as it was. */
async function openSealed(stateDir: string, file: string, protector: KeyProtector | undefined) {
  const why = protector ? await protector.unavailable() : NO_PROTECTOR;
  if (why !== null || !protector) {
    throw new Error(
      `The participant identity key in ${stateDir} is encrypted with the OS keychain, which is not available now (${why}). ` +
        'Start FedUnify from your desktop session with its keychain unlocked. Keep identity.key.enc: the hub binds your invite to this key.',
    );
  }
  try {
    return stored(identityFromPem(await protector.decrypt(readFileSync(file))), file, null);
  } catch (err) {
    throw new Error(
      `The participant identity key in ${file} cannot be decrypted (${reasonOf(err)}): the OS keychain entry may have been reset, or the file is damaged. ` +
        'Restore the file (or the keychain) from a backup; otherwise remove it and ask the hub operator for a new invite, since the hub binds invites to keys. ' +
        'No new key was made.',
    );
  }
}

/**
 * Reads the identity of a state folder, creating it on first use; encrypted by `protector` when it
 * is available, else a plain 0600 file with the reason in `note`. Throws a clear error when the
 * stored key cannot be read, and never replaces it.
 */
export async function loadOrCreateIdentity(
  stateDir: string,
  protector?: KeyProtector,
): Promise<StoredIdentity> {
  mkdirSync(stateDir, { recursive: true });
  const sealed = join(stateDir, SEALED);
  const plain = join(stateDir, PLAIN);
  if (existsSync(sealed)) return openSealed(stateDir, sealed, protector);

  let pair: IdentityKeyPair | null = null;
  if (existsSync(plain)) {
    try {
      pair = identityFromPem(readFileSync(plain, 'utf8'));
    } catch (err) {
      throw new Error(
        `The participant identity key in ${plain} cannot be read (${reasonOf(err)}). ` +
          'Restore it from a backup, or remove it and ask the hub operator for a new invite: the hub binds invites to keys. No new key was made.',
      );
    }
  }
  const fresh = pair === null;
  const key = pair ?? generateIdentity();
  let note = protector ? await protector.unavailable() : NO_PROTECTOR;
  if (note === null && protector) {
    try {
      writePrivate(sealed, await seal(protector, key.privateKeyPem));
      // A plain key moves under the keychain once the encrypted copy is on disk and verified.
      if (!fresh) rmSync(plain);
      return stored(key, sealed, null);
    } catch (err) {
      rmSync(sealed, { force: true });
      note = `the OS keychain failed to encrypt it: ${reasonOf(err)}`;
    }
  }
  if (fresh) writePrivate(plain, key.privateKeyPem);
  else chmodSync(plain, 0o600);
  return stored(key, plain, note);
}

/** The fingerprint as shown to people ("3f9a 1c2b ..."). */
export function displayFingerprint(id: { fingerprint: string }): string {
  return formatFingerprint(id.fingerprint);
}
