/**
 * The hidden GPU engine window (main process): a sandboxed page holding WebGPU/WebGL that trains
 * on the batches it is sent. Only envelopes of core/wire/gpu-engine.ts go in and replies come out;
 * every reply's sender and shape is checked. One window at a time (the relay closes the old one).
 */
import { BrowserWindow, ipcMain } from 'electron';
import type { GpuEnvelope } from '../core/wire/gpu-engine.ts';
import { GPU_REPLY_CHANNEL, GPU_REQUEST_CHANNEL } from './gpu-channels.ts';
import { checkGpuReply, gpuWindowOptions, isAllowedAppNavigation } from './security.ts';

/** An open GPU engine window. */
export interface GpuWindow {
  send(envelope: GpuEnvelope, timeoutMs: number): Promise<unknown>;
  close(): void;
}

/** Opens the window on `page` and resolves once the page has loaded. */
export async function createGpuWindow(opts: {
  preload: string;
  page: string;
  warn: (message: string) => void;
}): Promise<GpuWindow> {
  const win = new BrowserWindow(gpuWindowOptions(opts.preload));
  const guard = (details: { url: string; preventDefault(): void }): void => {
    if (!isAllowedAppNavigation(details.url, [opts.page])) {
      details.preventDefault();
      opts.warn(`Blocked navigation of the GPU engine window to ${details.url}`);
    }
  };
  win.webContents.on('will-navigate', (details) => guard(details));
  win.webContents.on('will-redirect', (details) => guard(details));
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const failAll = (reason: string): void => {
    for (const waiter of pending.values()) waiter.reject(new Error(reason));
    pending.clear();
  };
  win.webContents.on('render-process-gone', (_event, details) =>
    failAll(`the GPU engine window's renderer stopped (${details.reason})`),
  );
  ipcMain.removeHandler(GPU_REPLY_CHANNEL);
  ipcMain.handle(GPU_REPLY_CHANNEL, (event, payload) => {
    if (event.sender !== win.webContents) return;
    const checked = checkGpuReply(event.senderFrame?.url, opts.page, payload);
    if (!checked.ok) {
      opts.warn(checked.error);
      return;
    }
    const waiter = pending.get(checked.reply.id);
    pending.delete(checked.reply.id);
    waiter?.resolve(checked.reply);
  });
  await win.loadFile(opts.page);
  return {
    send(envelope, timeoutMs) {
      if (win.isDestroyed()) return Promise.reject(new Error('the GPU engine window is closed'));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(envelope.id);
          reject(new Error(`the GPU engine window did not answer within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        pending.set(envelope.id, {
          resolve: (v) => (clearTimeout(timer), resolve(v)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
        win.webContents.send(GPU_REQUEST_CHANNEL, envelope);
      });
    },
    close() {
      failAll('the GPU engine window was closed');
      ipcMain.removeHandler(GPU_REPLY_CHANNEL);
      if (!win.isDestroyed()) win.close();
    },
  };
}
