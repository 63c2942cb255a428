import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { buildModel, getWeights, setWeights, toTfjsArtifacts } from '../../../../core/model/build.ts';
import { initialWeights } from '../../../../core/model/init.ts';
import { weightManifest } from '../../../../core/model/manifest.ts';
import { PAPER_CNN } from '../../../../core/model/spec.ts';

describe('buildModel', () => {
  it('has the manifest weights in the same order, and round-trips them', async () => {
    await tf.setBackend('cpu');
    const model = buildModel(PAPER_CNN);
    expect(model.weights.map((w) => [w.originalName, w.shape])).toEqual(
      weightManifest(PAPER_CNN).map((t) => [t.name, t.shape]),
    );
    const weights = initialWeights(PAPER_CNN, 5);
    setWeights(model, weights);
    expect(getWeights(model)).toEqual(weights);
    model.dispose();
  });

  it('rejects weights of the wrong size with the tensor name', async () => {
    await tf.setBackend('cpu');
    const model = buildModel(PAPER_CNN);
    const weights = initialWeights(PAPER_CNN, 5);
    weights[2] = new Float32Array(10);
    expect(() => setWeights(model, weights)).toThrow(/conv2d_2\/kernel has shape \[3,3,128,64\]/);
    model.dispose();
  });
});

describe('toTfjsArtifacts', () => {
  it('is loaded by tf.loadLayersModel with the same weights and predictions', async () => {
    await tf.setBackend('cpu');
    const weights = initialWeights(PAPER_CNN, 9);
    const { modelJson, weightsBin } = await toTfjsArtifacts(PAPER_CNN, weights);
    const json = JSON.parse(JSON.stringify(modelJson)) as {
      modelTopology: object;
      weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    };
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const loaded = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weightsBin.slice().buffer,
      }),
    );
    expect(getWeights(loaded)).toEqual(weights);
    const original = buildModel(PAPER_CNN);
    setWeights(original, weights);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1);
    const a = (loaded.predict(x) as tf.Tensor).dataSync();
    const b = (original.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    loaded.dispose();
    original.dispose();
  });
});
