/**
 * The identity key under Electron safeStorage: main serves the keychain, the engine's utility
 * process asks it. Both ends wired in memory (messages structured-cloned like the real port), with
 * a fake safeStorage; the ParticipantEngine on top shows the key really lands encrypted.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ParticipantEngine } from '../../../core/participant/engine.ts';
import { encodeInvite } from '../../../core/wire/invite.ts';
import {
  relayKeyProtector,
  safeStorageUnavailable,
  serveKeyRelay,
  type SafeStorageLike,
} from '../../../electron/key-relay.ts';
import { memoryPort } from './memory-port.ts';
import { FakeHub, fakeRuntime } from '../core/participant/fakes.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** safeStorage's contract: encryptString/decryptString, throwing on ciphertext it did not make. */
function fakeSafeStorage(backend = 'gnome_libsecret', available = true): SafeStorageLike {
  const TAG = 'v11';
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (text) => Buffer.from(TAG + Buffer.from(text).toString('hex')),
    decryptString: (cipher) => {
      const s = cipher.toString();
      if (!s.startsWith(TAG))
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(s.slice(TAG.length), 'hex').toString();
    },
  };
}

/** Main's end and the utility process's end of one port, and the relay's warnings. */
function relayPort(): ReturnType<typeof memoryPort> & { warnings: string[] } {
  return { ...memoryPort(), warnings: [] };
}

function relay(storage: SafeStorageLike) {
  const port = relayPort();
  serveKeyRelay(port.child, storage, (m) => port.warnings.push(m));
  return { protector: relayKeyProtector(port.parent, 2_000), ...port };
}

describe('keychain relay (main ↔ engine process)', () => {
  it('encrypts in main and decrypts back to the same text in the engine', async () => {
    const { protector } = relay(fakeSafeStorage());
    expect(await protector.unavailable()).toBeNull();
    const cipher = await protector.encrypt('-----BEGIN PRIVATE KEY-----');
    expect(cipher.toString()).not.toContain('PRIVATE KEY');
    expect(await protector.decrypt(cipher)).toBe('-----BEGIN PRIVATE KEY-----');
  });

  it("passes safeStorage's decryption error on as a rejection", async () => {
    const { protector } = relay(fakeSafeStorage());
    await expect(protector.decrypt(Buffer.from('garbage'))).rejects.toThrow(
      /OS keychain refused: Error while decrypting/,
    );
  });

  it('counts a Linux session without a secret store (basic_text) as unavailable, naming why', () => {
    expect(safeStorageUnavailable(fakeSafeStorage('basic_text'))).toMatch(/no OS secret store.*basic_text/);
    expect(safeStorageUnavailable(fakeSafeStorage('kwallet5', false))).toMatch(/not available/);
    const mac = { ...fakeSafeStorage(), getSelectedStorageBackend: undefined };
    expect(safeStorageUnavailable(mac)).toBeNull();
  });

  it('refuses a malformed request with a warning in main and leaves other messages to their owners', async () => {
    const port = relayPort();
    const seen: unknown[] = [];
    port.parent.onMessage((m) => seen.push(m));
    serveKeyRelay(port.child, fakeSafeStorage(), (m) => port.warnings.push(m));
    port.parent.postMessage({ kind: 'key', id: 1, op: { type: 'encrypt', plain: 'x'.repeat(100_000) } });
    port.parent.postMessage({ kind: 'request', id: 1, method: 'getState', args: [] });
    await new Promise((r) => setTimeout(r, 10));
    expect(port.warnings).toEqual(['Refused a malformed keychain request from the participant engine.']);
    expect(seen).toEqual([]);
  });
});

describe('participant engine with the keychain relay', () => {
  const INVITE = encodeInvite({
    hub: 'https://127.0.0.1:9',
    token: 't'.repeat(32),
    fingerprint: null,
    org: 'Org A',
  });

  async function joinWith(storage: SafeStorageLike) {
    const stateDir = mkdtempSync(join(tmpdir(), 'fedunify-keychain-'));
    dirs.push(stateDir);
    const hub = new FakeHub();
    const engine = new ParticipantEngine({
      invite: INVITE,
      dataSource: { kind: 'fashion-mnist' },
      stateDir,
      transport: hub.factory,
      runtime: fakeRuntime(),
      keyProtector: relay(storage).protector,
    });
    await engine.start();
    const state = engine.getState();
    await engine.leave();
    return { stateDir, state, hub };
  }

  it('keeps the identity key encrypted by the OS keychain and says so', async () => {
    const { stateDir, state, hub } = await joinWith(fakeSafeStorage());
    expect(existsSync(join(stateDir, 'identity.key'))).toBe(false);
    expect(readFileSync(join(stateDir, 'identity.key.enc')).toString()).toMatch(/^v11/);
    expect(state.identity?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(hub.auths[0]).toHaveProperty('publicKey');
    expect(state.logs.map((l) => l.message).join('\n')).toMatch(
      /Identity key .* \(encrypted by the OS keychain\)/,
    );
  });

  it('falls back to the plain 0600 file with a logged warning when there is no secret store', async () => {
    const { stateDir, state } = await joinWith(fakeSafeStorage('basic_text'));
    expect(existsSync(join(stateDir, 'identity.key'))).toBe(true);
    const entry = state.logs.find((l) => l.message.startsWith('Identity key'));
    expect(entry?.level).toBe('warn');
    expect(entry?.message).toMatch(/readable by this user only, not encrypted: no OS secret store/);
  });
});
