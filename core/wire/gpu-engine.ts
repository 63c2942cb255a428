/**
 * The one contract between a GPU engine page (WebGPU/WebGL in a browser renderer) and the Node
 * process that drives it: requests carry batches and weights in, replies carry weights, loss and
 * metrics out. Nothing else crosses. Both sides check every message on arrival with these schemas.
 * Tensors travel as binary (any ArrayBuffer or view on the wire) and arrive as fresh, aligned
 * Float32Array/Int32Array copies, whatever the transport (socket.io, Electron IPC) delivered.
 */
import { z } from 'zod';
import { modelSpecSchema } from './job-spec.ts';

/** Backends the engine page can hold; `cpu` is the reference the others are checked against. */
export const GPU_ENGINE_BACKENDS = ['webgpu', 'webgl', 'cpu'] as const;
export type GpuEngineBackend = (typeof GPU_ENGINE_BACKENDS)[number];

/**
 * Where `fedunify join --ui` serves the engine page to the participant UI's own browser tab (a hidden
 * same-origin frame), and the socket.io path that frame connects back on (see cli/ui-server.ts).
 */
export const TAB_ENGINE_PAGE = '/gpu-engine/';
export const TAB_ENGINE_SOCKET_PATH = '/gpu.io';

/** Kernels a test may deliberately break to prove that the self-test refuses wrong results. */
export const FAULT_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'] as const;

/** Deterministic kernel checks the page runs on its backend; the host compares them with cpu. */
export const KERNEL_PROBES = [
  'conv2d-fused-relu',
  'conv2d-backprop-filter',
  'conv2d-backprop-input',
  'max-pool',
  'max-pool-grad',
  'relu-step',
  'mat-mul-transposed',
  'softmax-cross-entropy-grad',
  'adam-update',
] as const;
export type KernelProbe = (typeof KERNEL_PROBES)[number];

/** Upper bound on one tensor (64 Mi floats = 256 MiB), far above the paper CNN's batches and weights. */
const MAX_VALUES = 64 * 1024 * 1024;

function bytesOf(value: unknown): Uint8Array | null {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

function binary<T>(name: string, make: (buf: ArrayBuffer) => T) {
  return z.unknown().transform((value, ctx): T => {
    const bytes = bytesOf(value);
    if (bytes === null || bytes.byteLength % 4 !== 0 || bytes.byteLength / 4 > MAX_VALUES) {
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be binary data of 4-byte values (at most ${MAX_VALUES}), got ${
          bytes === null ? typeof value : `${bytes.byteLength} bytes`
        }`,
      });
      return z.NEVER;
    }
    // A copy: aligned, and never aliasing a transport's pooled buffer.
    return make(bytes.slice().buffer);
  });
}

const f32 = binary('float32 tensor', (b): Float32Array => new Float32Array(b));
const i32 = binary('int32 labels', (b): Int32Array => new Int32Array(b));
const finite = z.number().finite();
const rate = z.number().positive().max(10);
const weightList = z.array(f32).max(256);

export const gpuRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('init'), backend: z.enum(GPU_ENGINE_BACKENDS) }),
  z.object({
    type: z.literal('load'),
    spec: modelSpecSchema,
    weights: weightList,
    optimizer: z.enum(['adam', 'sgd']),
    learningRate: rate,
  }),
  z.object({
    type: z.literal('train'),
    images: f32,
    labels: i32,
    learningRate: rate,
    seed: z.number().int().nonnegative(),
  }),
  z.object({ type: z.literal('gradients'), images: f32, labels: i32 }),
  z.object({ type: z.literal('weights') }),
  z.object({ type: z.literal('selfTest'), steps: z.number().int().min(1).max(10) }),
  z.object({ type: z.literal('probe'), probe: z.enum(KERNEL_PROBES) }),
  z.object({ type: z.literal('injectFault'), kernel: z.enum(FAULT_KERNELS) }),
]);
export type GpuRequest = z.output<typeof gpuRequestSchema>;
export type GpuRequestType = GpuRequest['type'];

export const gpuResultSchemas = {
  init: z.object({
    backend: z.enum(GPU_ENGINE_BACKENDS),
    /** The adapter or renderer the browser reports ("swiftshader", "ANGLE (NVIDIA …)"). */
    adapter: z.string().max(500),
    /** Kernels training needs that this backend lacked, and which of them the page registered. */
    missingKernels: z.array(z.string().max(100)).max(100),
    registeredKernels: z.array(z.string().max(100)).max(100),
  }),
  load: z.object({ parameters: z.number().int().nonnegative() }),
  train: z.object({ loss: finite, correct: z.number().int().nonnegative(), samples: z.number().int() }),
  gradients: z.object({ loss: finite, grads: weightList }),
  weights: z.object({ weights: weightList }),
  selfTest: z.object({ losses: z.array(finite).max(10), weights: weightList }),
  probe: z.object({ outputs: z.array(f32).max(16) }),
  injectFault: z.object({ kernel: z.enum(FAULT_KERNELS) }),
} satisfies Record<GpuRequestType, z.ZodType>;
export type GpuResult<T extends GpuRequestType> = z.output<(typeof gpuResultSchemas)[T]>;

/** A request as it travels: an id the reply echoes. */
export const gpuEnvelopeSchema = z.object({ id: z.number().int().nonnegative(), request: gpuRequestSchema });
export type GpuEnvelope = z.output<typeof gpuEnvelopeSchema>;

/** A reply before its result is checked against the request it answers. */
export const gpuReplySchema = z.union([
  z.object({ id: z.number().int().nonnegative(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int().nonnegative(), ok: z.literal(false), error: z.string().max(4000) }),
]);
export type GpuReply = z.output<typeof gpuReplySchema>;

/** Parses a reply's result for the request type it answers; throws a readable error otherwise. */
export function parseGpuResult<T extends GpuRequestType>(type: T, result: unknown): GpuResult<T> {
  const parsed = gpuResultSchemas[type].safeParse(result);
  if (!parsed.success) {
    throw new Error(`GPU engine sent a malformed '${type}' result: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data as GpuResult<T>;
}

/** The first issue of a failed parse as one line, for error replies. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue === undefined ? 'invalid message' : `${issue.path.join('.') || 'message'}: ${issue.message}`;
}

/** True for adapters that are software renderers (SwiftShader, llvmpipe, WARP): not a GPU. */
export function isSoftwareAdapter(adapter: string): boolean {
  return /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i.test(adapter);
}

/**
 * The desktop app's relay: the participant engine (utility process) asks main to open the hidden
 * GPU engine window, to pass it an envelope, or to close it; main answers on the same port.
 */
export const gpuRelayRequestSchema = z.object({
  kind: z.literal('gpu'),
  id: z.number().int().nonnegative(),
  op: z.discriminatedUnion('type', [
    z.object({ type: z.literal('open') }),
    z.object({
      type: z.literal('request'),
      envelope: gpuEnvelopeSchema,
      timeoutMs: z.number().int().positive(),
    }),
    z.object({ type: z.literal('close') }),
  ]),
});
export type GpuRelayRequest = z.output<typeof gpuRelayRequestSchema>;

export const gpuRelayReplySchema = z.union([
  z.object({
    kind: z.literal('gpu-reply'),
    id: z.number().int().nonnegative(),
    ok: z.literal(true),
    value: z.unknown(),
  }),
  z.object({
    kind: z.literal('gpu-reply'),
    id: z.number().int().nonnegative(),
    ok: z.literal(false),
    error: z.string().max(4000),
  }),
]);
export type GpuRelayReply = z.output<typeof gpuRelayReplySchema>;
