/**
 * Builds tfjs Layers models from specs and moves weights in and out of them.
 *
 * tfjs is imported here directly (`@tensorflow/tfjs-core` + `@tensorflow/tfjs-layers`, one shared
 * copy of core); callers pick the backend first with core/train/backend.ts. `buildModel` also accepts
 * a leading tf namespace argument, which it ignores, so callers written as `buildModel(tf, spec)` work.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
// The cpu backend is always registered, so models can be built even before a backend was selected.
import '@tensorflow/tfjs-backend-cpu';
import { layerShapes, weightManifest } from './manifest.ts';
import type { LayerSpec, ModelSpec } from './spec.ts';

function addLayer(
  model: tfl.Sequential,
  layer: LayerSpec,
  name: string,
  first: { inputShape?: number[] },
): void {
  switch (layer.type) {
    case 'conv2d':
      model.add(
        tfl.layers.conv2d({
          ...first,
          name,
          filters: layer.filters,
          kernelSize: layer.kernelSize,
          strides: layer.strides ?? 1,
          padding: layer.padding ?? 'valid',
          activation: layer.activation ?? 'linear',
        }),
      );
      return;
    case 'maxPool2d':
      model.add(
        tfl.layers.maxPooling2d({
          ...first,
          name,
          poolSize: layer.poolSize,
          strides: layer.strides ?? layer.poolSize,
          padding: layer.padding ?? 'valid',
        }),
      );
      return;
    case 'flatten':
      model.add(tfl.layers.flatten({ ...first, name }));
      return;
    case 'dense':
      model.add(
        tfl.layers.dense({ ...first, name, units: layer.units, activation: layer.activation ?? 'linear' }),
      );
      return;
    case 'dropout':
      model.add(tfl.layers.dropout({ ...first, name, rate: layer.rate }));
      return;
  }
}

/** Builds the Keras-style sequential model of a spec (layer names conv2d_1, dense_1, ... as in weightManifest). */
export function buildModel(...args: [ModelSpec] | [unknown, ModelSpec]): tfl.LayersModel {
  const spec = args.length === 1 ? args[0] : args[1];
  const model = tfl.sequential({ name: spec.name });
  layerShapes(spec).forEach(({ layer, name }, i) => {
    addLayer(model, layer, name, i === 0 ? { inputShape: [...spec.inputShape] } : {});
  });
  return model;
}

/** Loads weights (manifest order) into a model; throws if their count or sizes do not match. */
export function setWeights(model: tfl.LayersModel, weights: Float32Array[]): void {
  const vars = model.weights;
  if (weights.length !== vars.length) {
    throw new Error(
      `setWeights: model '${model.name}' has ${vars.length} weight tensors, got ${weights.length}`,
    );
  }
  const tensors = vars.map((v, i) => {
    const size = v.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    if (weights[i].length !== size) {
      throw new Error(
        `setWeights: ${v.originalName} has shape [${v.shape}] (${size} values), got ${weights[i].length} values`,
      );
    }
    return tf.tensor(weights[i], v.shape as number[], 'float32');
  });
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/** Copies a model's weights out in manifest order. */
export function getWeights(model: tfl.LayersModel): Float32Array[] {
  // getWeights returns the variables themselves: copy, never dispose them.
  return model.getWeights().map((t) => new Float32Array(t.dataSync()));
}

/**
 * Makes sure tfjs has a backend to build a model on: the one already chosen (awaiting its start),
 * else cpu. Without this, tfjs picks the highest-priority registered backend on first use, and
 * when that is wasm (registered by merely importing it) a synchronous call throws "backend 'wasm'
 * has not yet been initialized" (a hub process never chooses a backend itself).
 */
export async function ensureBackend(): Promise<string> {
  // engine.backendName is set by setBackend (and by tfjs' own first choice); null means none yet.
  if (tf.engine().backendName == null) {
    if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend failed to start');
  } else {
    await tf.ready();
  }
  return tf.getBackend();
}

/** TF.js Layers artifacts (model.json object + weights.bin bytes) that `tf.loadLayersModel` loads. */
export async function toTfjsArtifacts(
  spec: ModelSpec,
  weights: Float32Array[],
): Promise<{ modelJson: Record<string, unknown>; weightsBin: Uint8Array }> {
  const manifest = weightManifest(spec);
  if (weights.length !== manifest.length) {
    throw new Error(
      `toTfjsArtifacts: '${spec.name}' has ${manifest.length} weight tensors, got ${weights.length}`,
    );
  }
  let bytes = 0;
  manifest.forEach((t, i) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (weights[i].length !== size) {
      throw new Error(
        `toTfjsArtifacts: ${t.name} has shape [${t.shape}] (${size} values), got ${weights[i].length}`,
      );
    }
    bytes += size * 4;
  });
  const weightsBin = new Uint8Array(bytes);
  let offset = 0;
  for (const w of weights) {
    weightsBin.set(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), offset);
    offset += w.byteLength;
  }
  // The topology comes from tfjs itself so that its loader always understands it.
  await ensureBackend();
  const model = buildModel(spec);
  const modelTopology = model.toJSON(null, false) as Record<string, unknown>;
  model.dispose();
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
      convertedBy: null,
      modelTopology,
      weightsManifest: [
        {
          paths: ['weights.bin'],
          weights: manifest.map((t) => ({ name: t.name, shape: t.shape, dtype: 'float32' })),
        },
      ],
    },
    weightsBin,
  };
}
