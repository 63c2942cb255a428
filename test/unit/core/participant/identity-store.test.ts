import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateIdentity, type KeyProtector } from '../../../../core/participant/identity-store.ts';

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'fedunify-id-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * A stand-in for Electron safeStorage: XOR with a key byte and a 4-byte tag, so damaged or
 * foreign ciphertext fails to decrypt as it does with the real keychain.
 */
function fakeProtector(opts: { unavailable?: string; failEncrypt?: boolean } = {}): KeyProtector {
  const TAG = Buffer.from('FAKE');
  return {
    unavailable: async () => opts.unavailable ?? null,
    encrypt: async (plain) => {
      if (opts.failEncrypt) throw new Error('keychain locked');
      return Buffer.concat([TAG, Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)]);
    },
    decrypt: async (cipher) => {
      if (!cipher.subarray(0, 4).equals(TAG))
        throw new Error('Error while decrypting the ciphertext provided');
      return Buffer.from(cipher.subarray(4).map((b) => b ^ 0x5a)).toString('utf8');
    },
  };
}

describe('participant identity on disk', () => {
  it('makes a key at first use, readable by its owner only, and reloads the same key', async () => {
    const dir = fresh();
    const a = await loadOrCreateIdentity(dir);
    expect(statSync(a.file).mode & 0o777).toBe(0o600);
    expect(readFileSync(a.file, 'utf8')).toContain('PRIVATE KEY');
    expect(a.protected).toBe(false);
    expect(a.note).toMatch(/no OS keychain outside the desktop app/);
    const b = await loadOrCreateIdentity(dir);
    expect(b.fingerprint).toBe(a.fingerprint);
  });

  it('round-trips an encrypted key through the protector: 0600, no PEM on disk, same key on reload', async () => {
    const dir = fresh();
    const a = await loadOrCreateIdentity(dir, fakeProtector());
    expect(a).toMatchObject({ protected: true, note: null, file: join(dir, 'identity.key.enc') });
    expect(statSync(a.file).mode & 0o777).toBe(0o600);
    expect(readFileSync(a.file).toString('latin1')).not.toContain('PRIVATE KEY');
    expect(existsSync(join(dir, 'identity.key'))).toBe(false);
    const b = await loadOrCreateIdentity(dir, fakeProtector());
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(b.privateKeyPem).toBe(a.privateKeyPem);
  });

  it('moves a plain key under the protector once one is available', async () => {
    const dir = fresh();
    const plain = await loadOrCreateIdentity(dir);
    const sealed = await loadOrCreateIdentity(dir, fakeProtector());
    expect(sealed.protected).toBe(true);
    expect(sealed.fingerprint).toBe(plain.fingerprint);
    expect(existsSync(plain.file)).toBe(false);
  });

  it('falls back to a plain 0600 file with the reason when the keychain is unavailable', async () => {
    const dir = fresh();
    const id = await loadOrCreateIdentity(dir, fakeProtector({ unavailable: 'no OS secret store' }));
    expect(id).toMatchObject({
      protected: false,
      note: 'no OS secret store',
      file: join(dir, 'identity.key'),
    });
    expect(statSync(id.file).mode & 0o777).toBe(0o600);
  });

  it('keeps the plain key when the keychain fails to encrypt it, and says why', async () => {
    const dir = fresh();
    const before = await loadOrCreateIdentity(dir);
    const after = await loadOrCreateIdentity(dir, fakeProtector({ failEncrypt: true }));
    expect(after).toMatchObject({ protected: false, fingerprint: before.fingerprint });
    expect(after.note).toMatch(/failed to encrypt it: keychain locked/);
    expect(readdirSync(dir).sort()).toEqual(['identity.key']);
  });

  it('refuses damaged ciphertext with what to do, and never makes a new key in its place', async () => {
    const dir = fresh();
    const sealed = join(dir, 'identity.key.enc');
    await loadOrCreateIdentity(dir, fakeProtector());
    const damaged = Buffer.from('not what the keychain wrote');
    writeFileSync(sealed, damaged);
    for (let i = 0; i < 2; i++) {
      await expect(loadOrCreateIdentity(dir, fakeProtector())).rejects.toThrow(
        /cannot be decrypted \(Error while decrypting.*Restore the file.*new invite.*No new key was made/,
      );
    }
    expect(readFileSync(sealed).equals(damaged)).toBe(true);
    expect(readdirSync(dir)).toEqual(['identity.key.enc']);
  });

  it('refuses an encrypted key while the keychain is unavailable, telling the user to unlock it, not to delete it', async () => {
    const dir = fresh();
    await loadOrCreateIdentity(dir, fakeProtector());
    const why =
      /encrypted with the OS keychain, which is not available now \(.+\).*unlocked.*Keep identity\.key\.enc/;
    await expect(loadOrCreateIdentity(dir, fakeProtector({ unavailable: 'locked' }))).rejects.toThrow(why);
    // `fedunify join` on a desktop app's state folder: no protector at all.
    await expect(loadOrCreateIdentity(dir)).rejects.toThrow(why);
    expect(readdirSync(dir)).toEqual(['identity.key.enc']);
  });

  it('says what to do when the plain key file is damaged', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'identity.key'), 'garbage');
    await expect(loadOrCreateIdentity(dir)).rejects.toThrow(
      /cannot be read.*new invite.*No new key was made/,
    );
    expect(readFileSync(join(dir, 'identity.key'), 'utf8')).toBe('garbage');
  });
});
