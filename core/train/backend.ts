/**
 * Picks the fastest in-process tfjs backend that works here and says why the better ones were not
 * used. Order (DESIGN.md "Compute"): tensorflow from tfjs-node-gpu (CUDA), tensorflow from tfjs-node
 * (CPU), wasm (SIMD, with the project's gradient kernels), then plain-JS cpu. A backend is only
 * chosen after the self-test (self-test.ts) matched the cpu reference. WebGPU/WebGL run in the GPU
 * engine page instead (training-backend.ts puts them in the order).
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// The Node build of tfjs-core registers no gradients; tfjs-layers' Node build registers them all.
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendInfo } from '../wire/protocol.ts';
import { compareSelfTest, runSelfTest, type SelfTestRun } from './self-test.ts';
import { registerWasmGradients } from './wasm-gradients.ts';

/** What the user may ask for in this process. */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** The accepted in-process preferences, for CLI validation. */
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

let reference: Promise<SelfTestRun> | null = null;

/** The self-test's cpu run, computed once per process (the cpu backend is active meanwhile). */
export function cpuSelfTestReference(): Promise<SelfTestRun> {
  reference ??= (async () => {
    const previous = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      return await runSelfTest();
    } finally {
      if (previous !== undefined && previous !== 'cpu') await tf.setBackend(previous);
    }
  })();
  return reference;
}

/** Runs the self-test on the active backend; the reason when its results are not the cpu's. */
async function selfTestFailure(name: string): Promise<string | null> {
  const ref = await cpuSelfTestReference();
  await tf.setBackend(name);
  try {
    const verdict = compareSelfTest(ref, await runSelfTest());
    return verdict.ok ? null : `${name}: ${verdict.reason}`;
  } catch (err) {
    return `${name}: self-test failed: ${errorMessage(err)}`;
  }
}

interface Attempt {
  ok: boolean;
  device: string;
  /** Why it was not used (when !ok). */
  reason: string;
}

function cpuModel(): string {
  const list = cpus();
  return `${list.length} × ${list[0]?.model.trim() ?? 'unknown CPU'}`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

function isNotInstalled(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Imports a tfjs-node package; it registers the 'tensorflow' backend as a side effect. */
async function tryTensorflow(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<Attempt> {
  const gpu = pkg.endsWith('-gpu');
  try {
    // A variable specifier: the package is optional and usually absent.
    const specifier: string = pkg;
    await import(specifier);
  } catch (err) {
    if (isNotInstalled(err)) return { ok: false, device: '', reason: `${pkg} not installed` };
    const what = gpu ? 'CUDA libraries missing' : 'libtensorflow failed to load';
    return { ok: false, device: '', reason: `${pkg}: ${what}: ${errorMessage(err)}` };
  }
  if (tf.findBackend('tensorflow') === null) {
    return {
      ok: false,
      device: '',
      reason:
        `${pkg} loaded but registered its backend into another copy of @tensorflow/tfjs-core ` +
        `(versions differ: run 'npm ls @tensorflow/tfjs-core')`,
    };
  }
  if (!(await tf.setBackend('tensorflow'))) {
    return { ok: false, device: '', reason: `${pkg}: the tensorflow backend failed to initialise` };
  }
  const failure = await selfTestFailure('tensorflow');
  if (failure !== null) return { ok: false, device: '', reason: `${pkg}: ${failure}` };
  return {
    ok: true,
    device: gpu ? 'CUDA GPU (libtensorflow)' : `CPU via libtensorflow (${cpuModel()})`,
    reason: '',
  };
}

let wasmPathsSet = false;

async function tryWasm(): Promise<Attempt> {
  try {
    registerWasmGradients();
    if (!wasmPathsSet) {
      // The .wasm binaries ship next to the package's main file; Node reads them from disk.
      const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
      setWasmPaths(`${dirname(main)}/`);
      wasmPathsSet = true;
    }
    if (!(await tf.setBackend('wasm')))
      return { ok: false, device: '', reason: 'wasm backend failed to initialise' };
    const failure = await selfTestFailure('wasm');
    if (failure !== null) return { ok: false, device: '', reason: failure };
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    return { ok: true, device: `WebAssembly${simd ? ' SIMD' : ''}, 1 thread (${cpuModel()})`, reason: '' };
  } catch (err) {
    return { ok: false, device: '', reason: `wasm: ${errorMessage(err)}` };
  }
}

async function tryCpu(): Promise<Attempt> {
  const ok = await tf.setBackend('cpu');
  return {
    ok,
    device: `plain JavaScript (${cpuModel()})`,
    reason: ok ? '' : 'cpu backend failed to initialise',
  };
}

/** Selects and activates a backend; 'auto' falls through the preference order, an explicit one must work. */
export async function selectBackend(pref: BackendPreference): Promise<BackendInfo> {
  if (!BACKEND_PREFERENCES.includes(pref)) {
    throw new Error(`unknown backend '${String(pref)}': use one of ${BACKEND_PREFERENCES.join(', ')}`);
  }
  const notes: string[] = [];
  const chosen = (backend: string, a: Attempt): BackendInfo => ({ backend, device: a.device, notes });
  if (pref === 'auto' || pref === 'tensorflow') {
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const) {
      const a = await tryTensorflow(pkg);
      if (a.ok) return chosen('tensorflow', a);
      notes.push(a.reason);
    }
    if (pref === 'tensorflow') {
      throw new Error(
        `backend 'tensorflow' is not available (${notes.join('; ')}): install @tensorflow/tfjs-node ` +
          `or @tensorflow/tfjs-node-gpu, or use --backend wasm`,
      );
    }
  }
  if (pref === 'auto' || pref === 'wasm') {
    const a = await tryWasm();
    if (a.ok) return chosen('wasm', a);
    if (pref === 'wasm') throw new Error(`backend 'wasm' is not available: ${a.reason}; try --backend cpu`);
    notes.push(a.reason);
  }
  const a = await tryCpu();
  if (!a.ok) throw new Error(`no tfjs backend works here: ${[...notes, a.reason].join('; ')}`);
  if (pref === 'auto') notes.push('using plain-JS cpu, about 100 times slower than wasm');
  return chosen('cpu', a);
}
