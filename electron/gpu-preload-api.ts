/**
 * What the GPU engine window's preload exposes, built over an ipcRenderer-like object so it can be
 * tested without Electron: receive a request, send a reply; nothing else reaches the page.
 */
import { GPU_REPLY_CHANNEL, GPU_REQUEST_CHANNEL } from './gpu-channels.ts';

/** The part of ipcRenderer the GPU preload uses. */
export interface GpuIpc {
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
}

/** The object the page sees as `window.fedunifyGpu` (renderer/gpu-engine/main.ts's GpuPreloadApi). */
export function createGpuPreloadApi(ipc: GpuIpc): {
  onRequest(handler: (envelope: unknown) => void): void;
  reply(reply: unknown): void;
} {
  let subscribed = false;
  return {
    onRequest(handler) {
      // One handler: a second call cannot add a listener that sees other requests.
      if (subscribed) throw new Error('fedunifyGpu.onRequest: already subscribed');
      subscribed = true;
      ipc.on(GPU_REQUEST_CHANNEL, (_event, envelope) => handler(envelope));
    },
    reply(reply) {
      void ipc.invoke(GPU_REPLY_CHANNEL, reply);
    },
  };
}
