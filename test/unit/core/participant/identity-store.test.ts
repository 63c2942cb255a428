import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/** A reversible stand-in for Electron safeStorage. */
const protector: KeyProtector = {
  available: () => true,
  encrypt: (s) => Buffer.from(s, 'utf8').reverse(),
  decrypt: (b) => Buffer.from(b).reverse().toString('utf8'),
};

describe('participant identity on disk', () => {
  it('makes a key at first use, readable by its owner only, and reloads the same key', () => {
    const dir = fresh();
    const a = loadOrCreateIdentity(dir);
    expect(statSync(a.file).mode & 0o777).toBe(0o600);
    expect(readFileSync(a.file, 'utf8')).toContain('PRIVATE KEY');
    const b = loadOrCreateIdentity(dir);
    expect(b.fingerprint).toBe(a.fingerprint);
  });

  it('keeps the key encrypted when a protector is available, and moves a plain key under it', () => {
    const dir = fresh();
    const plain = loadOrCreateIdentity(dir);
    const sealed = loadOrCreateIdentity(dir, protector);
    expect(sealed.protected).toBe(true);
    expect(sealed.fingerprint).toBe(plain.fingerprint);
    expect(existsSync(plain.file)).toBe(false);
    expect(readFileSync(sealed.file).toString('utf8')).not.toContain('PRIVATE KEY');
  });

  it('says what to do when the key file is damaged', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'identity.key'), 'garbage');
    expect(() => loadOrCreateIdentity(dir)).toThrow(/cannot be read.*new invite/);
  });
});
