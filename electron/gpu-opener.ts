/**
 * The participant engine's way to its GPU engine page in the desktop app (utility-process side):
 * main opens a hidden, sandboxed window on the page and relays envelopes to it (gpu-relay.ts).
 */
import { createGpuClient } from '../core/train/gpu-client.ts';
import type { BrowserOpener } from '../core/train/training-backend.ts';
import { gpuRelayReplySchema, isSoftwareAdapter, type GpuRelayRequest } from '../core/wire/gpu-engine.ts';
import type { ParentChannel } from './process-rpc.ts';

/** An opener that reaches the page through main over this utility process's port. */
export function relayOpener(port: ParentChannel): BrowserOpener {
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  port.onMessage((message) => {
    const parsed = gpuRelayReplySchema.safeParse(message);
    if (!parsed.success) return; // Not a relay reply: the RPC layer's request.
    const waiter = pending.get(parsed.data.id);
    if (waiter === undefined) return;
    pending.delete(parsed.data.id);
    if (parsed.data.ok) waiter.resolve(parsed.data.value);
    else waiter.reject(new Error(parsed.data.error));
  });
  const call = (op: GpuRelayRequest['op'], timeoutMs: number): Promise<unknown> => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the GPU engine window did not answer within ${timeoutMs / 1000} s`));
      }, timeoutMs + 5_000);
      pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      port.postMessage({ kind: 'gpu', id, op } satisfies GpuRelayRequest);
    });
  };
  return {
    where: "the desktop app's hidden GPU window",
    unavailable: () => null,
    // The caller refuses a software adapter unless it was asked for by name.
    async open(backend, _allowSoftware) {
      await call({ type: 'open' }, 30_000);
      const client = createGpuClient((envelope, timeoutMs) =>
        call({ type: 'request', envelope, timeoutMs }, timeoutMs),
      );
      const close = async (): Promise<void> =>
        void (await call({ type: 'close' }, 10_000).catch(() => undefined));
      try {
        const info = await client.request({ type: 'init', backend });
        return { client, adapter: info.adapter, software: isSoftwareAdapter(info.adapter), notes: [], close };
      } catch (err) {
        await close();
        throw err;
      }
    },
  };
}
