/**
 * Main's relay between the participant engine (utility process) and its hidden GPU engine window:
 * open, request, close, each checked on arrival. The window is created lazily by `openWindow`.
 */
import { gpuRelayRequestSchema, type GpuRelayReply } from '../core/wire/gpu-engine.ts';
import type { ChildChannel } from './process-rpc.ts';

/** What the relay needs of a window (gpu-window.ts; a fake in tests). */
export interface RelayWindow {
  send(envelope: unknown, timeoutMs: number): Promise<unknown>;
  close(): void;
}

/** Serves the relay on `child`'s port; closes the window when the child exits. */
export function serveGpuRelay(
  child: ChildChannel,
  openWindow: () => Promise<RelayWindow>,
  warn: (message: string) => void,
): void {
  let window: RelayWindow | null = null;
  const answer = (reply: GpuRelayReply): void => child.postMessage(reply);
  child.onMessage((message) => {
    if ((message as { kind?: unknown } | null)?.kind !== 'gpu') return; // The RPC layer's.
    const parsed = gpuRelayRequestSchema.safeParse(message);
    if (!parsed.success) {
      warn('Refused a malformed GPU relay request from the participant engine.');
      return;
    }
    const { id, op } = parsed.data;
    const run = async (): Promise<unknown> => {
      switch (op.type) {
        case 'open':
          window?.close();
          window = await openWindow();
          return null;
        case 'request':
          if (window === null) throw new Error('no GPU engine window is open');
          return window.send(op.envelope, op.timeoutMs);
        case 'close':
          window?.close();
          window = null;
          return null;
      }
    };
    run().then(
      (value) => answer({ kind: 'gpu-reply', id, ok: true, value }),
      (err: unknown) =>
        answer({
          kind: 'gpu-reply',
          id,
          ok: false,
          error: (err instanceof Error ? err.message : String(err)).slice(0, 4000),
        }),
    );
  });
  child.onExit(() => {
    window?.close();
    window = null;
  });
}
