/**
 * The participant's identity key under the OS keychain. Electron's safeStorage exists only in the
 * main process, while the engine (which owns the key file) runs in a utility process: main serves
 * encrypt/decrypt over the utility process's port (serveKeyRelay), and the engine gets a
 * KeyProtector that asks main (relayKeyProtector). Neither side imports Electron: main passes
 * safeStorage in, so both ends are tested in memory.
 */
import { z } from 'zod';
import type { KeyProtector } from '../core/participant/identity-store.ts';
import type { ChildChannel, ParentChannel } from './process-rpc.ts';

/** The part of Electron's safeStorage this uses (getSelectedStorageBackend exists on Linux only). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

// A PKCS#8 Ed25519 PEM is ~120 bytes; the bounds only keep a confused peer from sending megabytes.
const MAX_TEXT = 16 * 1024;
const requestSchema = z.object({
  kind: z.literal('key'),
  id: z.number().int().nonnegative(),
  op: z.discriminatedUnion('type', [
    z.object({ type: z.literal('unavailable') }),
    z.object({ type: z.literal('encrypt'), plain: z.string().min(1).max(MAX_TEXT) }),
    z.object({
      type: z.literal('decrypt'),
      cipherBase64: z
        .string()
        .min(1)
        .max(MAX_TEXT * 2),
    }),
  ]),
});
type KeyRequest = z.output<typeof requestSchema>;
const replySchema = z.discriminatedUnion('ok', [
  z.object({
    kind: z.literal('key-reply'),
    id: z.number().int(),
    ok: z.literal(true),
    value: z.string().nullable(),
  }),
  z.object({ kind: z.literal('key-reply'), id: z.number().int(), ok: z.literal(false), error: z.string() }),
]);
type KeyReply = z.output<typeof replySchema>;

/**
 * Why safeStorage cannot protect a key here, or null when it can. On Linux without a secret store
 * Electron "encrypts" with a hard-coded password (backend 'basic_text'): that protects nothing, so
 * it counts as unavailable and the key stays a plain 0600 file, which says so honestly.
 */
export function safeStorageUnavailable(storage: SafeStorageLike): string | null {
  if (!storage.isEncryptionAvailable()) return 'the OS keychain is not available in this session';
  const backend = storage.getSelectedStorageBackend?.();
  if (backend === 'basic_text' || backend === 'unknown') {
    return `no OS secret store (Electron's safeStorage backend is "${backend}", which would use a built-in password)`;
  }
  return null;
}

/** Main side: answers the engine's keychain requests on `child`'s port with `storage`. */
export function serveKeyRelay(
  child: ChildChannel,
  storage: SafeStorageLike,
  warn: (message: string) => void,
): void {
  const answer = (reply: KeyReply): void => child.postMessage(reply);
  child.onMessage((message) => {
    if ((message as { kind?: unknown } | null)?.kind !== 'key') return; // The RPC layer's or the GPU relay's.
    const parsed = requestSchema.safeParse(message);
    if (!parsed.success) {
      warn('Refused a malformed keychain request from the participant engine.');
      return;
    }
    const { id, op } = parsed.data;
    try {
      const value =
        op.type === 'unavailable'
          ? safeStorageUnavailable(storage)
          : op.type === 'encrypt'
            ? storage.encryptString(op.plain).toString('base64')
            : storage.decryptString(Buffer.from(op.cipherBase64, 'base64'));
      answer({ kind: 'key-reply', id, ok: true, value });
    } catch (err) {
      const error = (err instanceof Error ? err.message : String(err)).slice(0, 1000);
      answer({ kind: 'key-reply', id, ok: false, error });
    }
  });
}

/** How long the engine waits for main: a macOS keychain prompt waits for the person to answer it. */
const REPLY_TIMEOUT_MS = 5 * 60_000;

/** Utility-process side: a KeyProtector that asks main over `port`. */
export function relayKeyProtector(port: ParentChannel, timeoutMs = REPLY_TIMEOUT_MS): KeyProtector {
  let nextId = 1;
  const pending = new Map<number, { resolve(v: string | null): void; reject(e: Error): void }>();
  port.onMessage((message) => {
    const parsed = replySchema.safeParse(message);
    if (!parsed.success) return; // Not a keychain reply.
    const waiter = pending.get(parsed.data.id);
    if (waiter === undefined) return;
    pending.delete(parsed.data.id);
    if (parsed.data.ok) waiter.resolve(parsed.data.value);
    else waiter.reject(new Error(`the OS keychain refused: ${parsed.data.error}`));
  });
  const call = (op: KeyRequest['op']): Promise<string | null> => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the desktop app did not answer a keychain request within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      port.postMessage({ kind: 'key', id, op } satisfies KeyRequest);
    });
  };
  const text = async (op: KeyRequest['op']): Promise<string> => {
    const value = await call(op);
    if (value === null) throw new Error('the desktop app answered a keychain request with nothing');
    return value;
  };
  return {
    unavailable: () => call({ type: 'unavailable' }),
    encrypt: async (plain) => Buffer.from(await text({ type: 'encrypt', plain }), 'base64'),
    decrypt: (cipher) => text({ type: 'decrypt', cipherBase64: Buffer.from(cipher).toString('base64') }),
  };
}
