/**
 * Model specs as data: a job carries one, so every participant and the hub build the same network.
 * Pure (no tfjs): the renderer and the hub import it to show and validate models.
 */

/** One layer of a sequential CNN. Only what the paper's family of models needs. */
export type LayerSpec =
  | {
      type: 'conv2d';
      filters: number;
      kernelSize: number;
      strides?: number;
      padding?: 'same' | 'valid';
      activation?: 'relu' | 'linear';
    }
  | { type: 'maxPool2d'; poolSize: number; strides?: number; padding?: 'same' | 'valid' }
  | { type: 'flatten' }
  | { type: 'dense'; units: number; activation?: 'relu' | 'softmax' | 'linear' }
  | { type: 'dropout'; rate: number };

/** A sequential model: input shape [height, width, channels], class count, layers in order. */
export interface ModelSpec {
  name: string;
  inputShape: [number, number, number];
  numClasses: number;
  layers: LayerSpec[];
}

/** One weight tensor of a model, in the order tfjs `model.getWeights()` returns them. */
export interface TensorSpec {
  name: string;
  shape: number[];
}

/** Ordered names and shapes of every weight tensor of a model. */
export type WeightManifest = TensorSpec[];

/**
 * The CNN of the paper (Lee 2021, Fig. 5): Conv 128 3×3 same ReLU → MaxPool 2 → Conv 64 3×3 same
 * ReLU → MaxPool 2 → Flatten → Dense 10 softmax; 106,442 parameters on 28×28×1 input.
 */
export const PAPER_CNN: ModelSpec = {
  name: 'paper-cnn',
  inputShape: [28, 28, 1],
  numClasses: 10,
  layers: [
    { type: 'conv2d', filters: 128, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'conv2d', filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
};
