import { describe, expect, it } from 'vitest';
import { layerShapes, paramCount, weightManifest } from '../../../../core/model/manifest.ts';
import { PAPER_CNN, type ModelSpec } from '../../../../core/model/spec.ts';

describe('weightManifest', () => {
  it('lists the paper CNN weights in tfjs getWeights() order', () => {
    expect(weightManifest(PAPER_CNN)).toEqual([
      { name: 'conv2d_1/kernel', shape: [3, 3, 1, 128] },
      { name: 'conv2d_1/bias', shape: [128] },
      { name: 'conv2d_2/kernel', shape: [3, 3, 128, 64] },
      { name: 'conv2d_2/bias', shape: [64] },
      { name: 'dense_1/kernel', shape: [3136, 10] },
      { name: 'dense_1/bias', shape: [10] },
    ]);
  });

  it('gives the paper CNN 106,442 parameters', () => {
    expect(paramCount(PAPER_CNN)).toBe(106_442);
  });

  it('follows valid padding and strides through the layers', () => {
    const spec: ModelSpec = {
      name: 'strided',
      inputShape: [13, 11, 3],
      numClasses: 4,
      layers: [
        { type: 'conv2d', filters: 5, kernelSize: 3, strides: 2 },
        { type: 'maxPool2d', poolSize: 2, padding: 'same' },
        { type: 'flatten' },
        { type: 'dropout', rate: 0.5 },
        { type: 'dense', units: 4, activation: 'softmax' },
      ],
    };
    // 13x11 -> valid 3x3 stride 2 -> 6x5 -> same pool 2 -> 3x3 -> 45 values
    expect(layerShapes(spec).map((l) => l.outputShape)).toEqual([[6, 5, 5], [3, 3, 5], [45], [45], [4]]);
    expect(weightManifest(spec)[2]).toEqual({ name: 'dense_1/kernel', shape: [45, 4] });
  });
});

describe('spec validation', () => {
  const base = PAPER_CNN.layers;
  it('rejects pooling below 1×1 with a message that says what to change', () => {
    const spec: ModelSpec = { ...PAPER_CNN, inputShape: [3, 3, 1], layers: [...base] };
    expect(() => weightManifest(spec)).toThrow(/turns a 1×1 input into 0×0.*fewer pooling layers/);
  });

  it('rejects a dense layer on an image without flatten', () => {
    const spec: ModelSpec = {
      ...PAPER_CNN,
      layers: [base[0], { type: 'dense', units: 10, activation: 'softmax' }],
    };
    expect(() => weightManifest(spec)).toThrow(/put a flatten layer before/);
  });

  it('requires a softmax output of numClasses units', () => {
    const spec: ModelSpec = { ...PAPER_CNN, numClasses: 7 };
    expect(() => weightManifest(spec)).toThrow(/dense layer of 7 units/);
  });

  it('rejects non-integer sizes', () => {
    const spec: ModelSpec = {
      ...PAPER_CNN,
      layers: [{ type: 'conv2d', filters: 2.5, kernelSize: 3 }, ...base.slice(1)],
    };
    expect(() => weightManifest(spec)).toThrow(/filters must be a positive integer, got 2.5/);
  });
});
