/**
 * The whole backend order for training: tfjs-node-gpu (CUDA) → WebGPU → WebGL → tfjs-node → wasm
 * → cpu. WebGPU and WebGL run in the GPU engine page (headless Chromium for `join`, a hidden window
 * in the desktop app), opened through a BrowserOpener; like every backend they are only chosen after
 * the self-test matched the cpu reference. The notes say why each better backend was not used.
 */
import type { BackendInfo } from '../wire/protocol.ts';
import {
  BACKEND_PREFERENCES,
  cpuSelfTestReference,
  selectBackend,
  type BackendPreference,
} from './backend.ts';
import type { GpuEngineClient } from './gpu-client.ts';
import { compareSelfTest, SELF_TEST_STEPS } from './self-test.ts';

/** What a user may ask for: an in-process backend or a browser one. */
export type TrainingBackendPreference = BackendPreference | 'webgpu' | 'webgl';

/** Every accepted preference, for CLI and UI validation. */
export const TRAINING_BACKEND_PREFERENCES: readonly TrainingBackendPreference[] = [
  ...BACKEND_PREFERENCES,
  'webgpu',
  'webgl',
];

/** An open engine page on its backend. */
export interface BrowserEngineHandle {
  client: GpuEngineClient;
  adapter: string;
  software: boolean;
  notes: string[];
  /** Where this page runs, when the opener has more than one place (else the opener's `where`). */
  where?: string;
  close(): Promise<void>;
}

/** How this process reaches a GPU engine page (headless Chromium, or the desktop app's window). */
export interface BrowserOpener {
  /** Where the page runs, for the device description. */
  where: string;
  /** Why the page cannot be used here (null when it can); `explicit` when the user asked for it by name. */
  unavailable(explicit: boolean): string | null;
  /**
   * An id of a page that is there now, ready to use without launching anything (a browser tab's
   * frame), or null; an opener that launches its page on demand does not say. After a page is lost,
   * a new id is what makes training try that page again.
   */
  pageAtHand?(): string | null;
  open(backend: 'webgpu' | 'webgl', allowSoftware: boolean): Promise<BrowserEngineHandle>;
}

/** The chosen backend, and the engine page when it is a browser one. */
export interface TrainingBackend {
  info: BackendInfo;
  browser: BrowserEngineHandle | null;
  /** The in-process backend (it evaluates; it trains when the page is lost). */
  inProcess: BackendInfo;
}

const NOTE_MAX = 480;
const clip = (note: string): string => (note.length > NOTE_MAX ? `${note.slice(0, NOTE_MAX - 1)}…` : note);

/** Opens, checks and self-tests one browser backend; the handle, or why it was not used. */
async function tryBrowser(
  backend: 'webgpu' | 'webgl',
  opener: BrowserOpener,
  explicit: boolean,
  faster: string,
): Promise<{ handle: BrowserEngineHandle } | { reason: string }> {
  const why = opener.unavailable(explicit);
  if (why !== null) return { reason: `${backend}: ${why}` };
  let handle: BrowserEngineHandle;
  try {
    handle = await opener.open(backend, explicit);
  } catch (err) {
    return { reason: `${backend}: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (handle.software && !explicit) {
    await handle.close();
    return {
      reason: `${backend}: only a software adapter (${handle.adapter}), slower than ${faster}; not used`,
    };
  }
  try {
    const run = await handle.client.request({ type: 'selfTest', steps: SELF_TEST_STEPS });
    const verdict = compareSelfTest(await cpuSelfTestReference(), run);
    if (verdict.ok) return { handle };
    await handle.close();
    return { reason: `${backend}: ${verdict.reason}` };
  } catch (err) {
    await handle.close();
    return { reason: `${backend}: self-test failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * Selects the training backend. The in-process backend is always selected too: it evaluates the
 * model, and trains when no browser backend is used. An explicit webgpu/webgl must work (software
 * adapters allowed, and said so); `auto` uses them only on a real GPU that passes the self-test.
 */
export async function selectTrainingBackend(
  pref: TrainingBackendPreference,
  opener: BrowserOpener | null,
): Promise<TrainingBackend> {
  if (!TRAINING_BACKEND_PREFERENCES.includes(pref)) {
    throw new Error(
      `unknown backend '${String(pref)}': use one of ${TRAINING_BACKEND_PREFERENCES.join(', ')}`,
    );
  }
  const browserPref = pref === 'webgpu' || pref === 'webgl';
  const inProcess = await selectBackend(browserPref ? 'auto' : pref);
  if (pref !== 'auto' && !browserPref) return { info: inProcess, browser: null, inProcess };
  const cuda = inProcess.backend === 'tensorflow' && inProcess.device.startsWith('CUDA');
  if (pref === 'auto' && cuda) return { info: inProcess, browser: null, inProcess };
  const notes: string[] = [];
  for (const backend of pref === 'auto' ? (['webgpu', 'webgl'] as const) : [pref]) {
    const r =
      opener === null
        ? { reason: `${backend}: this process has no GPU engine page to run it in` }
        : await tryBrowser(backend, opener, browserPref, inProcess.backend);
    if ('handle' in r) {
      const h = r.handle;
      const kind = h.software ? 'software renderer, not a GPU' : 'GPU';
      const where = h.where ?? opener?.where ?? '';
      return {
        info: {
          backend,
          // The adapter may be long; the evaluation backend's name must survive the 256-character limit.
          device: `${h.adapter.slice(0, 150)} (${kind}) in ${where}; evaluation on ${inProcess.backend}`,
          notes: [
            ...(pref === 'auto' ? inProcess.notes.filter((n) => n.includes('tfjs-node-gpu')) : []),
            ...notes,
            ...h.notes,
          ]
            .map(clip)
            .slice(0, 10),
        },
        browser: h,
        inProcess,
      };
    }
    notes.push(r.reason);
  }
  if (browserPref) {
    throw new Error(`backend '${pref}' is not available: ${notes.join('; ')}; use --backend auto`);
  }
  // The CUDA note stays first: the order of the notes is the order of the backends tried.
  const [first, ...rest] = inProcess.notes;
  const merged = first?.includes('tfjs-node-gpu')
    ? [first, ...notes, ...rest]
    : [...notes, ...inProcess.notes];
  return { info: { ...inProcess, notes: merged.map(clip).slice(0, 10) }, browser: null, inProcess };
}
