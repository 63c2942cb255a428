/**
 * The GPU engine page in the participant UI's own browser tab (`fedunify join --ui`): the page mounts
 * the engine page in a hidden same-origin frame, which connects back to the UI server on its own
 * socket.io path with the page's session (cli/ui-server.ts). The user's browser has the user's GPU
 * (Metal, D3D12, Vulkan) even where no Chromium is installed for the CLI. This opener trains there
 * first and falls back to headless Chromium; only batches, weights and metrics cross, as everywhere.
 */
import type { Socket } from 'socket.io';
import { createGpuClient } from '../core/train/gpu-client.ts';
import type { BrowserEngineHandle, BrowserOpener } from '../core/train/training-backend.ts';
import { isSoftwareAdapter } from '../core/wire/gpu-engine.ts';

/** How long `open` waits for the frame of a page that has a session but has not connected it yet. */
export const FRAME_WAIT_MS = 15_000;

const TAB = "the participant UI's browser tab";

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The engine frames connected to one UI server, newest last. */
export class TabEngines {
  private frames: Socket[] = [];
  private sessions = 0;
  private waiters = new Set<() => void>();

  constructor(private readonly frameWaitMs = FRAME_WAIT_MS) {}

  /** A page traded its one-time token for a session: its frame is on the way. */
  sessionStarted(): void {
    this.sessions += 1;
  }

  /** An authenticated engine frame connected. */
  attach(socket: Socket): void {
    this.frames.push(socket);
    socket.once('disconnect', () => {
      this.frames = this.frames.filter((s) => s !== socket);
    });
    for (const wake of this.waiters) wake();
  }

  /** The newest connected frame, if any. */
  newest(): Socket | null {
    return this.frames.findLast((s) => s.connected) ?? null;
  }

  private async waitForFrame(): Promise<Socket | null> {
    const now = this.newest();
    if (now !== null || this.sessions === 0) return now;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve(this.newest());
      };
      const timer = setTimeout(done, this.frameWaitMs);
      this.waiters.add(done);
    });
  }

  /**
   * The opener for the participant engine: the tab's frame first, then `fallback` (headless
   * Chromium) when there is no tab or the tab's backend fails to start. FEDUNIFY_BROWSER_GPU=off
   * turns both off.
   */
  opener(fallback: BrowserOpener | null, env: NodeJS.ProcessEnv = process.env): BrowserOpener {
    return {
      where: TAB,
      pageAtHand: () => this.newest()?.id ?? null,
      unavailable: (explicit) => {
        if (env.FEDUNIFY_BROWSER_GPU === 'off') return 'not tried: FEDUNIFY_BROWSER_GPU=off';
        if (this.newest() !== null || this.sessions > 0) return null;
        const other = fallback === null ? 'not available here' : fallback.unavailable(explicit);
        if (other === null) return null;
        return `the participant UI was not open in a browser (open it before joining to train on that browser's GPU); ${fallback?.where ?? 'headless Chromium'}: ${other}`;
      },
      open: async (backend, allowSoftware) => {
        const notes: string[] = [];
        const frame = await this.waitForFrame();
        if (frame !== null) {
          try {
            return await openOnFrame(frame, backend);
          } catch (err) {
            notes.push(`in ${TAB}: ${message(err)}`);
          }
        } else if (this.sessions > 0) {
          notes.push(
            `the GPU engine frame of the participant UI did not connect within ${this.frameWaitMs / 1000} s`,
          );
        }
        const why = fallback === null ? 'not available here' : fallback.unavailable(allowSoftware);
        if (fallback === null || why !== null) {
          throw new Error([...notes, `${fallback?.where ?? 'headless Chromium'}: ${why}`].join('; '));
        }
        const handle = await fallback.open(backend, allowSoftware);
        return { ...handle, where: handle.where ?? fallback.where, notes: [...notes, ...handle.notes] };
      },
    };
  }
}

/** Starts `backend` on one frame; requests fail at once when the frame has gone (tab closed, reloaded). */
async function openOnFrame(frame: Socket, backend: 'webgpu' | 'webgl'): Promise<BrowserEngineHandle> {
  let closed = false;
  const client = createGpuClient(async (envelope, timeoutMs) => {
    if (closed) throw new Error('this GPU engine handle was closed');
    if (!frame.connected) throw new Error(`the GPU engine in ${TAB} has gone away (tab closed or reloaded)`);
    return new Promise((resolve, reject) => {
      const gone = (): void =>
        reject(new Error(`the GPU engine in ${TAB} has gone away (tab closed or reloaded)`));
      frame.once('disconnect', gone);
      frame
        .timeout(timeoutMs)
        .emitWithAck('gpu:request', envelope)
        .then(resolve, reject)
        .finally(() => frame.off('disconnect', gone));
    });
  });
  const info = await client.request({ type: 'init', backend });
  return {
    client,
    adapter: info.adapter,
    software: isSoftwareAdapter(info.adapter),
    notes: [],
    where: TAB,
    close: async () => {
      closed = true;
    },
  };
}
