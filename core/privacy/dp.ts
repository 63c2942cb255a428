/**
 * Differential privacy for model updates, DP-FedAvg style (McMahan et al., ICLR 2018): each
 * participant's update delta is clipped to L2 norm C (its sensitivity), and Gaussian noise of
 * standard deviation σ = z·C is added to the sum of the clipped deltas, either by the hub (central),
 * split across the K participants of a secure-aggregation round as N(0, σ²/K') each (distributed),
 * or by each participant to its own delta (local). Noise comes from the CSPRNG (crypto.randomBytes)
 * through the Box–Muller transform, so it cannot be predicted or replayed from a seed.
 */
import { randomBytes } from 'node:crypto';

/** Where the noise is added. */
export type DpMode = 'central' | 'local';

/** Clipped copy of `delta` with L2 norm at most C, the original norm, and whether it was scaled. */
export function clipL2(
  delta: ArrayLike<number>,
  clip: number,
): { clipped: Float32Array; norm: number; scaled: boolean } {
  if (!(clip > 0) || !Number.isFinite(clip))
    throw new Error(`the clip norm must be a positive number, got ${clip}`);
  let sq = 0;
  for (let i = 0; i < delta.length; i++) {
    const v = delta[i]!;
    if (!Number.isFinite(v)) throw new Error(`delta element ${i} is not finite (${v})`);
    sq += v * v;
  }
  const norm = Math.sqrt(sq);
  const factor = norm > clip ? clip / norm : 1;
  const clipped = new Float32Array(delta.length);
  for (let i = 0; i < delta.length; i++) clipped[i] = delta[i]! * factor;
  // Float32 rounding can push the norm a hair over C; shrink by one ulp-ish margin when it does.
  if (factor < 1) for (let i = 0; i < clipped.length; i++) clipped[i] = clipped[i]! * (1 - 1e-6);
  return { clipped, norm, scaled: factor < 1 };
}

/** Source of uniformly random bytes (crypto.randomBytes by default; tests may pass another). */
export type RandomSource = (bytes: number) => Uint8Array;

/** n independent N(0, σ²) samples from the CSPRNG via Box–Muller (53-bit uniforms in (0, 1]). */
export function gaussianNoise(n: number, sigma: number, random: RandomSource = randomBytes): Float64Array {
  if (!(sigma >= 0) || !Number.isFinite(sigma))
    throw new Error(`σ must be a non-negative number, got ${sigma}`);
  const out = new Float64Array(n);
  if (sigma === 0) return out;
  const pairs = Math.ceil(n / 2);
  const bytes = random(pairs * 16);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const uniform = (offset: number): number => {
    // 53 random bits → (0, 1]: never 0, so log(u) is finite.
    const hi = view.getUint32(offset) >>> 5;
    const lo = view.getUint32(offset + 4) >>> 6;
    return (hi * 67108864 + lo + 1) / 9007199254740992;
  };
  for (let p = 0; p < pairs; p++) {
    const u1 = uniform(p * 16);
    const u2 = uniform(p * 16 + 8);
    const r = Math.sqrt(-2 * Math.log(u1)) * sigma;
    out[2 * p] = r * Math.cos(2 * Math.PI * u2);
    if (2 * p + 1 < n) out[2 * p + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** Adds N(0, σ²) noise to every element (in place; returns the vector). */
export function addGaussianNoise<T extends Float32Array | Float64Array>(
  vec: T,
  sigma: number,
  random?: RandomSource,
): T {
  const noise = gaussianNoise(vec.length, sigma, random);
  for (let i = 0; i < vec.length; i++) vec[i] = vec[i]! + noise[i]!;
  return vec;
}

/**
 * The noise standard deviation one party adds. Central: the hub adds z·C once. Distributed (central
 * DP over secure aggregation): each participant adds z·C/√t, so any t or more survivors together
 * add at least the central amount (t = the round's survival threshold; more survivors only add
 * noise). Local: each participant adds z·C to its own delta.
 */
export function noiseStd(opts: {
  mode: DpMode;
  noiseMultiplier: number;
  clip: number;
  /** Survival threshold t of a secure-aggregation round; set only for distributed central DP. */
  distributedOver?: number;
}): number {
  const base = opts.noiseMultiplier * opts.clip;
  if (opts.mode === 'central' && opts.distributedOver !== undefined) {
    if (!Number.isInteger(opts.distributedOver) || opts.distributedOver < 1)
      throw new Error(`distributedOver must be a positive integer, got ${opts.distributedOver}`);
    return base / Math.sqrt(opts.distributedOver);
  }
  return base;
}
