/**
 * The Node side of the GPU engine contract: typed requests to an engine page over any transport
 * (socket.io to headless Chromium, Electron IPC through main), each reply checked on arrival.
 */
import {
  gpuReplySchema,
  parseGpuResult,
  type GpuEnvelope,
  type GpuRequest,
  type GpuRequestType,
  type GpuResult,
} from '../wire/gpu-engine.ts';

/** Sends one envelope and resolves with whatever came back (unchecked). */
export type GpuSend = (envelope: GpuEnvelope, timeoutMs: number) => Promise<unknown>;

/** Per-request time limits: training a batch on a software adapter can take seconds. */
export const GPU_REQUEST_TIMEOUT_MS = 180_000;

/** A typed client of one engine page. */
export interface GpuEngineClient {
  request<T extends GpuRequestType>(
    req: Extract<GpuRequest, { type: T }>,
    timeoutMs?: number,
  ): Promise<GpuResult<T>>;
}

/** Builds a client over a transport's send function. */
export function createGpuClient(send: GpuSend): GpuEngineClient {
  let nextId = 1;
  return {
    async request(req, timeoutMs = GPU_REQUEST_TIMEOUT_MS) {
      const id = nextId++;
      const raw = await send({ id, request: req }, timeoutMs);
      const reply = gpuReplySchema.safeParse(raw);
      if (!reply.success) throw new Error(`GPU engine sent a malformed reply to '${req.type}'`);
      if (reply.data.id !== id)
        throw new Error(`GPU engine answered request ${reply.data.id}, expected ${id}`);
      if (!reply.data.ok) throw new Error(`GPU engine (${req.type}): ${reply.data.error}`);
      return parseGpuResult(req.type, reply.data.result);
    },
  };
}
