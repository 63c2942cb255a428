/**
 * The participant's real runtime: TensorFlow.js through core/train (backend), core/model (the
 * network) and the binary weights codec. Loaded lazily by the engine, so tests that pass a fake
 * runtime never load tfjs.
 */
import { buildModel, getWeights, setWeights } from '../model/build.ts';
import { weightManifest } from '../model/manifest.ts';
import type { ModelSpec } from '../model/spec.ts';
import { BACKEND_PREFERENCES, selectBackend, type BackendPreference } from '../train/backend.ts';
import { decodeWeights, encodeWeights } from '../wire/weights-codec.ts';
import { checkAgainstModel, loadLocalData } from './local-data.ts';
import { evaluate } from '../train/evaluate.ts';
import { trainLocal } from '../train/train-loop.ts';
import type { LocalModel, ParticipantRuntime, TrainOptions, TrainResult } from './types.ts';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** The TensorFlow.js runtime used outside tests. */
export function createDefaultRuntime(): ParticipantRuntime {
  return {
    async selectBackend(pref) {
      if (!(BACKEND_PREFERENCES as readonly string[]).includes(pref)) {
        throw new Error(`Unknown backend "${pref}"; use one of ${BACKEND_PREFERENCES.join(', ')}.`);
      }
      return selectBackend(pref as BackendPreference);
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
        train: (opts) => train(model, opts),
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

/** One round of local training; a fractional epoch count becomes the matching number of batches. */
async function train(model: LayersModel, o: TrainOptions): Promise<TrainResult> {
  const n = o.data.labels.length;
  const steps =
    o.steps ??
    (Number.isInteger(o.epochs) ? undefined : Math.max(1, Math.round(o.epochs * Math.ceil(n / o.batchSize))));
  return trainLocal({
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
