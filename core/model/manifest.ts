/**
 * Weight manifests and geometry checks for model specs. Pure (no tfjs): the hub uses it to validate
 * jobs and to check the shapes of incoming weights.
 */
import type { LayerSpec, ModelSpec, WeightManifest } from './spec.ts';

/** The output shape of every layer of a spec, after validation. */
export interface LayerShape {
  layer: LayerSpec;
  /** Keras-style layer name, e.g. `conv2d_1`: also the prefix of its weight names. */
  name: string;
  outputShape: number[];
}

const KERAS_PREFIX: Record<LayerSpec['type'], string> = {
  conv2d: 'conv2d',
  maxPool2d: 'max_pooling2d',
  flatten: 'flatten',
  dense: 'dense',
  dropout: 'dropout',
};

function positiveInt(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${what} must be a positive integer, got ${value}`);
  }
}

/** Output length of a conv/pool window along one axis, as Keras computes it. */
function windowOut(size: number, window: number, stride: number, padding: 'same' | 'valid'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - window) / stride) + 1;
}

function spatial(
  where: string,
  shape: number[],
  window: number,
  stride: number,
  padding: 'same' | 'valid',
): [number, number] {
  if (shape.length !== 3) {
    throw new Error(
      `${where} needs an image input [h, w, c] but gets shape [${shape}]: remove the flatten before it`,
    );
  }
  const h = windowOut(shape[0], window, stride, padding);
  const w = windowOut(shape[1], window, stride, padding);
  if (h < 1 || w < 1) {
    throw new Error(
      `${where} turns a ${shape[0]}×${shape[1]} input into ${h}×${w} (window ${window}, stride ${stride}, ` +
        `padding '${padding}'): use a larger input, 'same' padding, or fewer pooling layers`,
    );
  }
  return [h, w];
}

/** Validates a spec's geometry and returns each layer's name and output shape; throws a clear error otherwise. */
export function layerShapes(spec: ModelSpec): LayerShape[] {
  const [h0, w0, c0] = spec.inputShape;
  positiveInt(h0, `model '${spec.name}': input height`);
  positiveInt(w0, `model '${spec.name}': input width`);
  positiveInt(c0, `model '${spec.name}': input channels`);
  positiveInt(spec.numClasses, `model '${spec.name}': numClasses`);
  if (spec.layers.length === 0) throw new Error(`model '${spec.name}' has no layers`);
  const counters = new Map<string, number>();
  let shape: number[] = [h0, w0, c0];
  const out: LayerShape[] = [];
  spec.layers.forEach((layer, i) => {
    const prefix = KERAS_PREFIX[layer.type];
    if (prefix === undefined) throw new Error(`layer ${i + 1}: unknown type '${String(layer.type)}'`);
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    const where = `model '${spec.name}' layer ${i + 1} (${layer.type})`;
    switch (layer.type) {
      case 'conv2d': {
        positiveInt(layer.filters, `${where}: filters`);
        positiveInt(layer.kernelSize, `${where}: kernelSize`);
        const s = layer.strides ?? 1;
        positiveInt(s, `${where}: strides`);
        const [h, w] = spatial(where, shape, layer.kernelSize, s, layer.padding ?? 'valid');
        shape = [h, w, layer.filters];
        break;
      }
      case 'maxPool2d': {
        positiveInt(layer.poolSize, `${where}: poolSize`);
        const s = layer.strides ?? layer.poolSize;
        positiveInt(s, `${where}: strides`);
        const [h, w] = spatial(where, shape, layer.poolSize, s, layer.padding ?? 'valid');
        shape = [h, w, shape[2]];
        break;
      }
      case 'flatten':
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'dense':
        positiveInt(layer.units, `${where}: units`);
        if (shape.length !== 1) {
          throw new Error(`${where} gets shape [${shape}]: put a flatten layer before the first dense layer`);
        }
        shape = [layer.units];
        break;
      case 'dropout':
        if (!(layer.rate >= 0 && layer.rate < 1))
          throw new Error(`${where}: rate must be in [0, 1), got ${layer.rate}`);
        break;
    }
    out.push({ layer, name: `${prefix}_${n}`, outputShape: shape });
  });
  const last = spec.layers[spec.layers.length - 1];
  if (last.type !== 'dense' || last.units !== spec.numClasses || last.activation !== 'softmax') {
    throw new Error(
      `model '${spec.name}' must end with a dense layer of ${spec.numClasses} units (numClasses) and ` +
        `activation 'softmax': training minimises cross-entropy on its output (paper eq. 3)`,
    );
  }
  return out;
}

/** Ordered names and shapes of the weights, exactly as tfjs `model.getWeights()` returns them for buildModel(spec). */
export function weightManifest(spec: ModelSpec): WeightManifest {
  const manifest: WeightManifest = [];
  let inShape: number[] = spec.inputShape;
  for (const { layer, name, outputShape } of layerShapes(spec)) {
    if (layer.type === 'conv2d') {
      const k = layer.kernelSize;
      manifest.push({ name: `${name}/kernel`, shape: [k, k, inShape[2], layer.filters] });
      manifest.push({ name: `${name}/bias`, shape: [layer.filters] });
    } else if (layer.type === 'dense') {
      manifest.push({ name: `${name}/kernel`, shape: [inShape[0], layer.units] });
      manifest.push({ name: `${name}/bias`, shape: [layer.units] });
    }
    inShape = outputShape;
  }
  return manifest;
}

/** Number of scalar parameters of a spec (PAPER_CNN: 106,442). */
export function paramCount(spec: ModelSpec): number {
  return weightManifest(spec).reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
}
