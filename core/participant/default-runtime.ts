/**
 * The participant's real runtime: TensorFlow.js through core/train (backend), core/model (the
 * network) and the binary weights codec. Loaded lazily by the engine, so tests that pass a fake
 * runtime never load tfjs.
 */
import { buildModel, getWeights, setWeights } from '../model/build.ts';
import { weightManifest } from '../model/manifest.ts';
import type { ModelSpec } from '../model/spec.ts';
import { chromiumOpener } from '../train/chromium-engine.ts';
import { trainRemote } from '../train/remote-train.ts';
import {
  selectTrainingBackend,
  TRAINING_BACKEND_PREFERENCES,
  type BrowserEngineHandle,
  type BrowserOpener,
  type TrainingBackendPreference,
} from '../train/training-backend.ts';
import { decodeWeights, encodeWeights } from '../wire/weights-codec.ts';
import { checkAgainstModel, loadLocalData } from './local-data.ts';
import { evaluate } from '../train/evaluate.ts';
import { trainLocal, TrainingAbortedError } from '../train/train-loop.ts';
import type { LocalModel, ParticipantRuntime, TrainOptions, TrainResult } from './types.ts';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { BackendInfo } from '../wire/protocol.ts';

/**
 * The TensorFlow.js runtime used outside tests. `browser` reaches the GPU engine page for WebGPU/WebGL
 * (default: headless Chromium; the desktop app passes its hidden window; null: in-process only).
 */
export function createDefaultRuntime(opts: { browser?: BrowserOpener | null } = {}): ParticipantRuntime {
  const opener = opts.browser === undefined ? chromiumOpener() : opts.browser;
  // The engine page when a browser backend was chosen: training goes there, evaluation stays here.
  let page: BrowserEngineHandle | null = null;
  let inProcess: BackendInfo | null = null;
  let preference: TrainingBackendPreference = 'auto';
  // After the page was lost: the id of the last page tried, so a new one (a reloaded tab) is tried once.
  let lostTried: string | null | undefined;
  // A page is back after one was lost: choose again (self-test included); a failure keeps training here.
  const regain = async (o: TrainOptions): Promise<void> => {
    const atHand = opener?.pageAtHand?.() ?? null;
    if (lostTried === undefined || atHand === null || atHand === lostTried) return;
    lostTried = atHand;
    try {
      const chosen = await selectTrainingBackend(preference, opener);
      if (chosen.browser === null) return;
      page = chosen.browser;
      inProcess = chosen.inProcess;
      lostTried = undefined;
      o.onBackendChange?.(
        chosen.info,
        `the GPU engine page is back; training on ${chosen.info.backend} (${chosen.info.device}) again.`,
        'info',
      );
    } catch {
      // The page is there but its backend did not start or pass the self-test: stay in-process.
    }
  };
  return {
    async selectBackend(pref) {
      if (!(TRAINING_BACKEND_PREFERENCES as readonly string[]).includes(pref)) {
        throw new Error(`Unknown backend "${pref}"; use one of ${TRAINING_BACKEND_PREFERENCES.join(', ')}.`);
      }
      await page?.close();
      preference = pref as TrainingBackendPreference;
      const chosen = await selectTrainingBackend(preference, opener);
      page = chosen.browser;
      inProcess = chosen.inProcess;
      lostTried = undefined;
      return chosen.info;
    },
    loadData: (source, opts) => loadLocalData(source, opts),
    checkData: (data, model) => checkAgainstModel(data.summary, model),
    manifest: (model) => weightManifest(model),
    async createModel(spec: ModelSpec): Promise<LocalModel> {
      const model = buildModel(spec);
      const manifest = weightManifest(spec);
      return {
        manifest,
        setWeights: (w) => setWeights(model, w),
        getWeights: () => getWeights(model),
        // The engine page has no FedProx term yet: a job with proximalMu trains here, never without it.
        async train(o) {
          if (page === null) await regain(o);
          const onPage = page;
          if (onPage === null || (o.proximalMu ?? 0) > 0) return train(model, o);
          try {
            return await trainOnPage(onPage, spec, model, o);
          } catch (err) {
            if (o.signal.aborted || err instanceof TrainingAbortedError) throw err;
            // The page is gone or broken: this round (from its start weights) and the next ones train
            // here, until a new page is at hand (a reloaded tab).
            if (page === onPage) page = null;
            lostTried = opener?.pageAtHand?.() ?? null;
            await onPage.close().catch(() => undefined);
            const reason = `the GPU engine page failed (${err instanceof Error ? err.message : String(err)})`;
            if (inProcess !== null) {
              o.onBackendChange?.(
                withNote(inProcess, reason),
                `${reason}; training again from the round's start on ${inProcess.backend} (${inProcess.device}).${opener?.pageAtHand ? ' Reload the participant UI to train on its GPU again.' : ''}`,
                'warn',
              );
            }
            return train(model, o);
          }
        },
        evaluate: async (data) => {
          const m = await evaluate(model, data);
          return { accuracy: m.accuracy, loss: m.loss, samples: data.labels.length };
        },
        dispose: () => model.dispose(),
      };
    },
    encodeWeights: (manifest, weights) => encodeWeights(manifest, weights),
    decodeWeights: (bytes, manifest) => decodeWeights(bytes, manifest),
  };
}

/** The in-process backend, noting why training came back to it. */
function withNote(info: BackendInfo, reason: string): BackendInfo {
  return { ...info, notes: [`${reason}; training moved here`.slice(0, 480), ...info.notes].slice(0, 10) };
}

/** Steps for a fractional epoch count (the matching number of batches), or undefined for whole epochs. */
function stepsOf(o: TrainOptions): number | undefined {
  const n = o.data.labels.length;
  return (
    o.steps ??
    (Number.isInteger(o.epochs) ? undefined : Math.max(1, Math.round(o.epochs * Math.ceil(n / o.batchSize))))
  );
}

/** One round of local training on the GPU engine page. */
async function trainOnPage(
  page: BrowserEngineHandle,
  spec: ModelSpec,
  model: LayersModel,
  o: TrainOptions,
): Promise<TrainResult> {
  const steps = stepsOf(o);
  return trainRemote({
    client: page.client,
    spec,
    model,
    data: o.data,
    ...(steps !== undefined ? { steps } : { epochs: o.epochs }),
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    optimizer: o.optimizer,
    seed: o.seed,
    signal: o.signal,
    onProgress: (p) => o.onProgress(p),
  });
}

/** One round of local training; a fractional epoch count becomes the matching number of batches. */
async function train(model: LayersModel, o: TrainOptions): Promise<TrainResult> {
  const steps = stepsOf(o);
  return trainLocal({
    model,
    data: o.data,
    ...(steps !== undefined ? { steps } : { epochs: o.epochs }),
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    optimizer: o.optimizer,
    seed: o.seed,
    proximalMu: o.proximalMu,
    signal: o.signal,
    onProgress: (p) => o.onProgress(p),
  });
}
