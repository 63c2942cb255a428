/** Initial weights from a spec and a seed, without tfjs: the hub makes round 0's weights with it. */
import { weightManifest } from './manifest.ts';
import { deriveSeed, mulberry32 } from './random.ts';
import type { ModelSpec } from './spec.ts';

/** Keras fan-in/fan-out of a kernel shape: [in, out] for dense, [kh, kw, in, out] for conv2d. */
function fans(shape: number[]): [number, number] {
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [receptive * shape[shape.length - 2], receptive * shape[shape.length - 1]];
}

/**
 * Deterministic initial weights in manifest order: Glorot-uniform kernels (Keras' default,
 * limit sqrt(6 / (fanIn + fanOut))) and zero biases. Same spec and seed give identical bytes.
 */
export function initialWeights(spec: ModelSpec, seed: number): Float32Array[] {
  if (!Number.isInteger(seed)) throw new Error(`initialWeights: seed must be an integer, got ${seed}`);
  return weightManifest(spec).map((t, i) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (t.name.endsWith('/bias')) return values;
    const [fanIn, fanOut] = fans(t.shape);
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const rand = mulberry32(deriveSeed(seed, i));
    for (let j = 0; j < size; j++) values[j] = (rand() * 2 - 1) * limit;
    return values;
  });
}
