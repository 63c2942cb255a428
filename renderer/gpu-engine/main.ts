/**
 * Entry of the GPU engine page. It is driven either by the desktop app (a hidden, sandboxed window
 * whose preload exposes `fedunifyGpu`) or by a local socket.io server on 127.0.0.1 that put a token
 * in the page's URL fragment: headless Chromium's one-time token, or, in a hidden frame of the
 * participant UI's own tab (`join --ui`), that page's session. Every request is validated on arrival.
 */
import { io } from 'socket.io-client';
import {
  describeIssue,
  gpuEnvelopeSchema,
  TAB_ENGINE_SOCKET_PATH,
  type GpuReply,
} from '../../core/wire/gpu-engine.ts';
import { createEngine } from './engine.ts';

/** What the desktop app's GPU preload exposes (see electron/gpu-preload.ts). */
export interface GpuPreloadApi {
  onRequest(handler: (envelope: unknown) => void): void;
  reply(reply: GpuReply): void;
}

const handle = createEngine();
// One request at a time: tfjs state (model, optimizer) is not safe to interleave.
let queue: Promise<unknown> = Promise.resolve();

function answer(envelope: unknown): Promise<GpuReply> {
  const parsed = gpuEnvelopeSchema.safeParse(envelope);
  const id = (envelope as { id?: unknown } | null)?.id;
  if (!parsed.success) {
    return Promise.resolve({
      id: typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : 0,
      ok: false,
      error: `invalid request: ${describeIssue(parsed.error)}`,
    });
  }
  const run = queue.then(() => handle(parsed.data.request));
  queue = run.catch(() => undefined);
  return run.then(
    (result): GpuReply => ({ id: parsed.data.id, ok: true, result }),
    (err: unknown): GpuReply => ({
      id: parsed.data.id,
      ok: false,
      error: (err instanceof Error ? err.message : String(err)).slice(0, 4000),
    }),
  );
}

const preload = (window as unknown as { fedunifyGpu?: GpuPreloadApi }).fedunifyGpu;
if (preload !== undefined) {
  preload.onRequest((envelope) => void answer(envelope).then((reply) => preload.reply(reply)));
} else {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token') ?? '';
  // Headless Chromium's page uses socket.io's default path; the participant UI's frame its own.
  const path = params.get('path') === TAB_ENGINE_SOCKET_PATH ? TAB_ENGINE_SOCKET_PATH : '/socket.io';
  const socket = io(location.origin, {
    path,
    auth: { token },
    // The participant UI's server checks the session already on the upgrade request.
    query: path === TAB_ENGINE_SOCKET_PATH ? { token } : {},
    transports: ['websocket'],
    reconnection: false,
  });
  socket.on('gpu:request', (envelope: unknown, ack: (reply: GpuReply) => void) => {
    if (typeof ack === 'function') void answer(envelope).then(ack);
  });
}
