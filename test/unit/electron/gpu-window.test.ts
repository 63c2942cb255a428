import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GPU_REPLY_CHANNEL, GPU_REQUEST_CHANNEL } from '../../../electron/gpu-channels.ts';
import { createGpuPreloadApi } from '../../../electron/gpu-preload-api.ts';
import { serveGpuRelay, type RelayWindow } from '../../../electron/gpu-relay.ts';
import type { ChildChannel } from '../../../electron/process-rpc.ts';
import {
  checkGpuReply,
  gpuWindowOptions,
  isTrustedSender,
  SECURE_WEB_PREFERENCES,
} from '../../../electron/security.ts';

const gpuPage = path.resolve('dist/electron/gpu-engine/index.html');
const participantPage = path.resolve('dist/renderer/participant/index.html');

describe('the hidden GPU engine window keeps Electron secure defaults', () => {
  it('is sandboxed, context-isolated, without Node, never shown and without devtools', () => {
    const o = gpuWindowOptions('/app/dist/electron/gpu-preload.cjs');
    expect(o.show).toBe(false);
    expect(o.webPreferences).toMatchObject({
      ...SECURE_WEB_PREFERENCES,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      devTools: false,
      preload: '/app/dist/electron/gpu-preload.cjs',
    });
  });

  it('accepts replies only from the GPU page, and only well-formed ones', () => {
    const reply = { id: 3, ok: true, result: { loss: 1 } };
    expect(checkGpuReply(pathToFileURL(gpuPage).href, gpuPage, reply)).toMatchObject({ ok: true });
    expect(checkGpuReply(pathToFileURL(participantPage).href, gpuPage, reply)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not the GPU engine page/),
    });
    expect(checkGpuReply('https://evil.example/', gpuPage, reply).ok).toBe(false);
    expect(checkGpuReply(null, gpuPage, reply).ok).toBe(false);
    expect(checkGpuReply(pathToFileURL(gpuPage).href, gpuPage, { id: -1, ok: true }).ok).toBe(false);
  });

  it('does not make the GPU page a trusted sender of the participant bridge', () => {
    expect(isTrustedSender(pathToFileURL(gpuPage).href, [participantPage])).toBe(false);
  });

  it('exposes exactly two functions to the page: receive one request stream, send replies', async () => {
    const calls: unknown[][] = [];
    const listeners: ((event: unknown, ...args: unknown[]) => void)[] = [];
    const api = createGpuPreloadApi({
      on: (channel, listener) => (calls.push(['on', channel]), listeners.push(listener)),
      invoke: async (channel, ...args) => void calls.push(['invoke', channel, ...args]),
    });
    expect(Object.keys(api).sort()).toEqual(['onRequest', 'reply']);
    const seen: unknown[] = [];
    api.onRequest((e) => seen.push(e));
    expect(() => api.onRequest(() => undefined)).toThrow(/already subscribed/);
    listeners[0]({ sender: 'ipc event, not passed on' }, { id: 1 });
    api.reply({ id: 1, ok: true, result: null });
    expect(seen).toEqual([{ id: 1 }]);
    expect(calls).toEqual([
      ['on', GPU_REQUEST_CHANNEL],
      ['invoke', GPU_REPLY_CHANNEL, { id: 1, ok: true, result: null }],
    ]);
  });
});

describe('the GPU relay in main', () => {
  function fakeChild(): ChildChannel & { sent: unknown[]; deliver(m: unknown): void; exit(): void } {
    const onMessage: ((m: unknown) => void)[] = [];
    const onExit: ((c: number) => void)[] = [];
    const sent: unknown[] = [];
    return {
      sent,
      postMessage: (m) => sent.push(m),
      onMessage: (l) => onMessage.push(l),
      onExit: (l) => onExit.push(l),
      kill: () => undefined,
      deliver: (m) => onMessage.forEach((l) => l(m)),
      exit: () => onExit.forEach((l) => l(0)),
    };
  }
  const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 10));

  it('opens the window on request, forwards checked envelopes, closes it when the engine exits', async () => {
    const child = fakeChild();
    const forwarded: unknown[] = [];
    let closed = 0;
    const window: RelayWindow = {
      send: async (envelope) => (forwarded.push(envelope), { id: 1, ok: true, result: { kernel: 'x' } }),
      close: () => void closed++,
    };
    const warnings: string[] = [];
    serveGpuRelay(
      child,
      async () => window,
      (m) => warnings.push(m),
    );
    child.deliver({ kind: 'request', id: 9, method: 'getState', args: [] }); // the RPC layer's: ignored
    child.deliver({ kind: 'gpu', id: 1, op: { type: 'open' } });
    await tick();
    const envelope = { id: 1, request: { type: 'init', backend: 'webgpu' } };
    child.deliver({ kind: 'gpu', id: 2, op: { type: 'request', envelope, timeoutMs: 1000 } });
    child.deliver({
      kind: 'gpu',
      id: 3,
      op: { type: 'request', envelope: { id: 2, request: { type: 'rm -rf' } }, timeoutMs: 1000 },
    });
    await tick();
    expect(forwarded).toEqual([envelope]);
    expect(warnings).toEqual(['Refused a malformed GPU relay request from the participant engine.']);
    expect(child.sent).toEqual([
      { kind: 'gpu-reply', id: 1, ok: true, value: null },
      { kind: 'gpu-reply', id: 2, ok: true, value: { id: 1, ok: true, result: { kernel: 'x' } } },
    ]);
    child.exit();
    expect(closed).toBe(1);
  });

  it('answers a request before any window was opened with an error', async () => {
    const child = fakeChild();
    serveGpuRelay(
      child,
      async () => ({ send: async () => null, close: () => undefined }),
      () => undefined,
    );
    child.deliver({
      kind: 'gpu',
      id: 5,
      op: { type: 'request', envelope: { id: 1, request: { type: 'weights' } }, timeoutMs: 10 },
    });
    await tick();
    expect(child.sent).toEqual([
      { kind: 'gpu-reply', id: 5, ok: false, error: 'no GPU engine window is open' },
    ]);
  });
});
