/**
 * Fixed-point encoding of model updates into the ring Z_2^32, so that masked vectors can be summed
 * with wrap-around arithmetic (Uint32Array stores every sum mod 2^32) and the sum decoded exactly.
 *
 * Encoding of one participant's values x (Float32) with weight w (an integer sample count):
 *   q_i = round(scale · w · clip(x_i, -R, R))   stored as two's complement in 32 bits,
 * plus one trailing slot holding w itself, so the sum of weights comes out of the same masked sum
 * and no individual weight needs to travel in the clear.
 *
 * Headroom: the decoded sum of K contributors is exact as long as |Σ q_i| < 2^31. Each |q_i| is at
 * most scale·W·R + 1/2 (W = maxWeight), so `fixedPointParams` picks the largest integer scale with
 *   K·(scale·W·R + 1/2) ≤ 2^31 − 1   for K = maxParticipants
 * and refuses a range that leaves scale < 1. Quantization: rounding to nearest errs by at most
 * 1/2 per element per contributor, so the decoded Σ w·x is within K/(2·scale) of the true clipped
 * sum (`quantizationBound`), and the weighted average within K/(2·scale·Σw).
 */

/** 2^31 − 1: the largest magnitude a decoded signed element may have. */
const SIGNED_MAX = 2 ** 31 - 1;

/** How updates are mapped into the ring; all participants of a round must use the same. */
export interface FixedPointParams {
  /** Element clipping range R: values are clipped to [−R, R] before encoding. */
  clipRange: number;
  /** Largest weight (sample count) one participant may claim. */
  maxWeight: number;
  /** Largest number of contributors whose sum must not overflow. */
  maxParticipants: number;
  /** Integer multiplier applied to w·x before rounding. */
  scale: number;
}

/** The largest scale that keeps the sum of maxParticipants clipped, weighted values in range. */
export function fixedPointParams(opts: {
  clipRange: number;
  maxWeight: number;
  maxParticipants: number;
}): FixedPointParams {
  const { clipRange, maxWeight, maxParticipants } = opts;
  if (!(clipRange > 0) || !Number.isFinite(clipRange))
    throw new Error(`clipRange must be a positive finite number, got ${clipRange}`);
  if (!Number.isSafeInteger(maxWeight) || maxWeight < 1)
    throw new Error(`maxWeight must be a positive integer, got ${maxWeight}`);
  if (!Number.isSafeInteger(maxParticipants) || maxParticipants < 1)
    throw new Error(`maxParticipants must be a positive integer, got ${maxParticipants}`);
  if (maxParticipants * maxWeight > SIGNED_MAX)
    throw new Error(
      `maxParticipants × maxWeight = ${maxParticipants * maxWeight} does not fit in 31 bits: lower the weight bound`,
    );
  const scale = Math.floor((SIGNED_MAX / maxParticipants - 0.5) / (maxWeight * clipRange));
  if (scale < 1)
    throw new Error(
      `clip range ${clipRange} × weight ${maxWeight} × ${maxParticipants} participants leaves no precision in 32 bits: ` +
        'lower the clip range or the weight bound',
    );
  return { clipRange, maxWeight, maxParticipants, scale };
}

/** Largest error of the decoded Σ w·x (per element) for `contributors` encoded vectors. */
export function quantizationBound(params: FixedPointParams, contributors: number): number {
  return contributors / (2 * params.scale);
}

/** Encodes w·clip(x) into the ring, with w in the last slot; also counts clipped elements. */
export function encodeFixedPoint(
  values: ArrayLike<number>,
  weight: number,
  params: FixedPointParams,
): { encoded: Uint32Array; clipped: number } {
  if (!Number.isSafeInteger(weight) || weight < 1 || weight > params.maxWeight)
    throw new Error(`weight must be an integer in 1..${params.maxWeight}, got ${weight}`);
  const { clipRange, scale } = params;
  const out = new Uint32Array(values.length + 1);
  const factor = scale * weight;
  let clipped = 0;
  for (let i = 0; i < values.length; i++) {
    let v = values[i]!;
    if (!Number.isFinite(v)) throw new Error(`value ${i} is not finite (${v}): refusing to encode it`);
    if (v > clipRange) {
      v = clipRange;
      clipped++;
    } else if (v < -clipRange) {
      v = -clipRange;
      clipped++;
    }
    // Uint32Array stores ToUint32 of the integer: two's complement for negatives.
    out[i] = Math.round(v * factor);
  }
  out[values.length] = weight;
  return { encoded: out, clipped };
}

/** Decodes the ring sum of `contributors` encodings into Σ w·x and Σ w, checking the range. */
export function decodeFixedPointSum(
  sum: Uint32Array,
  contributors: number,
  params: FixedPointParams,
): { weightedSum: Float64Array; weightSum: number } {
  if (!Number.isSafeInteger(contributors) || contributors < 1 || contributors > params.maxParticipants)
    throw new Error(
      `the sum has ${contributors} contributors; the encoding has headroom for 1..${params.maxParticipants}`,
    );
  if (sum.length < 1) throw new Error('an encoded sum has at least the weight slot');
  const n = sum.length - 1;
  const weightSum = sum[n]!;
  if (weightSum < contributors || weightSum > contributors * params.maxWeight)
    throw new Error(
      `the summed weight ${weightSum} is outside ${contributors}..${contributors * params.maxWeight}: ` +
        'a contribution was not encoded with these parameters',
    );
  const limit = contributors * (params.scale * params.maxWeight * params.clipRange + 0.5);
  const weightedSum = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = sum[i]!;
    const signed = u >= 2 ** 31 ? u - 2 ** 32 : u;
    if (Math.abs(signed) > limit)
      throw new Error(
        `element ${i} of the sum (${signed}) exceeds what ${contributors} clipped contributions can reach (${Math.floor(limit)}): ` +
          'a contribution was out of range or masks did not cancel',
      );
    weightedSum[i] = signed / params.scale;
  }
  return { weightedSum, weightSum };
}

/** Adds b into a, element-wise mod 2^32 (in place; returns a). */
export function ringAddInto(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length !== b.length) throw new Error(`ring vectors differ in length: ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
  return a;
}

/** Subtracts b from a, element-wise mod 2^32 (in place; returns a). */
export function ringSubInto(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length !== b.length) throw new Error(`ring vectors differ in length: ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) a[i] = a[i]! - b[i]!;
  return a;
}
