/**
 * The GPU engine's request handler: holds one tfjs backend (WebGPU, WebGL or the cpu reference),
 * one model and its optimizer, and answers the requests of core/wire/gpu-engine.ts. Batches and
 * weights come in, weights, loss and metrics go out; the page has no other input or output.
 */
import * as tf from '@tensorflow/tfjs-core';
// The browser build of tfjs-layers registers every op gradient (the probes' autodiff needs them).
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { BatchTrainer } from '../../core/train/batch-trainer.ts';
import {
  injectKernelFault,
  missingKernels,
  registerMissingGradients,
} from '../../core/train/gpu-gradients.ts';
import { runKernelProbe } from '../../core/train/kernel-probes.ts';
import { runSelfTest } from '../../core/train/self-test.ts';
import type { GpuEngineBackend, GpuRequest, GpuRequestType, GpuResult } from '../../core/wire/gpu-engine.ts';

interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}
interface GpuLike {
  requestAdapter(opts?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

/** What the browser says about its WebGPU adapter, or why there is none. */
async function webgpuAdapter(): Promise<string> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (gpu === undefined)
    throw new Error('WebGPU: navigator.gpu is missing (not a secure context, or WebGPU disabled)');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null)
    throw new Error('WebGPU: no adapter (requestAdapter returned null: no usable GPU or driver)');
  const i = adapter.info ?? {};
  const parts = [i.vendor, i.architecture, i.device, i.description].filter((p): p is string => !!p);
  return parts.length > 0 ? parts.join(' / ') : 'unnamed WebGPU adapter';
}

/** The WebGL2 renderer string (unmasked where the browser allows it). */
function webglRenderer(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (gl === null) throw new Error('WebGL: no WebGL2 context (GPU blocklisted or WebGL disabled)');
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const name = ext === null ? gl.getParameter(gl.RENDERER) : gl.getParameter(ext.UNMASKED_RENDERER_WEBGL);
  return `WebGL2: ${String(name)}`;
}

async function adapterOf(backend: GpuEngineBackend): Promise<string> {
  if (backend === 'webgpu') return webgpuAdapter();
  if (backend === 'webgl') return webglRenderer();
  return `cpu backend in ${navigator.userAgent.match(/(Chrome|Electron)\/[\d.]+/g)?.join(' ') ?? 'a browser'}`;
}

type Handlers = { [T in GpuRequestType]: (req: Extract<GpuRequest, { type: T }>) => Promise<GpuResult<T>> };

/** Creates the handler of one engine page. */
export function createEngine(): (req: GpuRequest) => Promise<unknown> {
  let backend: GpuEngineBackend | null = null;
  let trainer: BatchTrainer | null = null;
  const ready = (): BatchTrainer => {
    if (trainer === null) throw new Error('the engine has no model yet: send load first');
    return trainer;
  };
  const initialised = (): void => {
    if (backend === null) throw new Error('the engine has no backend yet: send init first');
  };
  const handlers: Handlers = {
    init: async (req) => {
      if (backend !== null && backend !== req.backend) {
        throw new Error(`this engine page already runs ${backend}; open another page for ${req.backend}`);
      }
      const adapter = await adapterOf(req.backend);
      if (!(await tf.setBackend(req.backend)))
        throw new Error(`${req.backend}: the tfjs backend failed to initialise`);
      await tf.ready();
      backend = req.backend;
      const missing = missingKernels(backend);
      const registered = registerMissingGradients(backend);
      const still = missingKernels(backend);
      if (still.length > 0) throw new Error(`${backend} lacks kernels training needs: ${still.join(', ')}`);
      return { backend, adapter, missingKernels: missing, registeredKernels: registered };
    },
    load: async (req) => {
      if (backend === null) throw new Error('the engine has no backend yet: send init first');
      // A new job may bring another model; the same one keeps its compiled programs.
      if (trainer === null || JSON.stringify(trainer.spec) !== JSON.stringify(req.spec)) {
        trainer?.dispose();
        trainer = new BatchTrainer(req.spec);
      }
      return {
        parameters: trainer.load(req.weights, { optimizer: req.optimizer, learningRate: req.learningRate }),
      };
    },
    train: async (req) => {
      const out = await ready().train(req.images, req.labels, req.learningRate, req.seed);
      return { ...out, samples: req.labels.length };
    },
    gradients: async (req) => ready().gradients(req.images, req.labels),
    weights: async () => ({ weights: await ready().weights() }),
    selfTest: async (req) => {
      initialised();
      return runSelfTest(req.steps);
    },
    probe: async (req) => {
      initialised();
      return { outputs: await runKernelProbe(req.probe) };
    },
    injectFault: async (req) => {
      initialised();
      injectKernelFault(req.kernel, tf.getBackend());
      return { kernel: req.kernel };
    },
  };
  return (req) => (handlers[req.type] as (r: GpuRequest) => Promise<unknown>)(req);
}
