import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeWeights,
  encodeWeights,
  float16BitsToFloat32,
  float32ToFloat16Bits,
  maxEncodedSize,
  readWeightsHeader,
  WeightsCodecError,
} from '../../../../core/wire/weights-codec.ts';
import { crc32 } from '../../../../core/wire/crc32.ts';
import type { WeightManifest } from '../../../../core/model/spec.ts';

const manifest: WeightManifest = [
  { name: 'conv2d_1/kernel', shape: [3, 3, 1, 4] },
  { name: 'conv2d_1/bias', shape: [4] },
  { name: 'dense_1/kernel', shape: [6, 3] },
  { name: 'dense_1/bias', shape: [3] },
];
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const randomWeights = (m: WeightManifest, seed = 1): Float32Array[] => {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return m.map((t) => Float32Array.from({ length: size(t.shape) }, next));
};
const codecError = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsCodecError);
    return (e as Error).message;
  }
  throw new Error('expected a WeightsCodecError');
};

describe('weights codec: round trips', () => {
  it('float32 round-trips exactly, any values', () => {
    fc.assert(
      fc.property(
        fc.float32Array({ minLength: 18, maxLength: 18, noNaN: true, noDefaultInfinity: true }),
        (dense) => {
          const weights = randomWeights(manifest);
          weights[2] = dense;
          const decoded = decodeWeights(encodeWeights(manifest, weights), manifest);
          expect(decoded.map((w) => Array.from(w))).toEqual(weights.map((w) => Array.from(w)));
        },
      ),
    );
  });

  it('float16 round-trips within half precision (relative 2^-11)', () => {
    const weights = randomWeights(manifest, 7);
    const decoded = decodeWeights(encodeWeights(manifest, weights, { dtype: 'float16' }), manifest);
    weights.forEach((w, t) =>
      w.forEach((v, i) =>
        expect(Math.abs(decoded[t][i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25),
      ),
    );
  });

  it('float16 halves the payload and the header reports the dtype', () => {
    const weights = randomWeights(manifest);
    const f32 = encodeWeights(manifest, weights);
    const f16 = encodeWeights(manifest, weights, { dtype: 'float16' });
    const h32 = readWeightsHeader(f32);
    const h16 = readWeightsHeader(f16);
    expect(h16.dtype).toBe('float16');
    expect(h16.payloadLength * 2).toBe(h32.payloadLength);
    expect(h32.tensors).toEqual(manifest);
  });

  it('maxEncodedSize equals the encoded length, and the payload is 8-byte aligned', () => {
    for (const dtype of ['float32', 'float16'] as const) {
      const bytes = encodeWeights(manifest, randomWeights(manifest), { dtype });
      expect(bytes.length).toBe(maxEncodedSize(manifest, dtype));
      expect(readWeightsHeader(bytes).payloadOffset % 8).toBe(0);
    }
  });

  it('decodes from a view at an odd offset of a larger buffer', () => {
    const weights = randomWeights(manifest);
    const bytes = encodeWeights(manifest, weights);
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    const decoded = decodeWeights(big.subarray(3), manifest);
    expect(Array.from(decoded[3])).toEqual(Array.from(weights[3]));
  });
});

describe('float16 conversion', () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [0.1, 0x2e66],
    [2 ** -14, 0x0400],
    [2 ** -24, 0x0001],
    [2 ** -25, 0x0000], // tie between 0 and the smallest subnormal: to even (0)
    [1.5 * 2 ** -25, 0x0001],
    [1 + 2 ** -11, 0x3c00], // tie: to even
    [1 + 3 * 2 ** -11, 0x3c02], // tie: to even (up)
    [65520, 0x7c00], // rounds past the largest half
    [0, 0x0000],
  ])('%f → half bits %i', (value, bits) => {
    expect(float32ToFloat16Bits(value)).toBe(bits);
  });

  it('every finite half value survives half → float → half', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      const back = float32ToFloat16Bits(float16BitsToFloat32(h));
      if (back !== h) expect(back.toString(16)).toBe(h.toString(16));
    }
  });
});

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('weights codec: errors', () => {
  const good = () => encodeWeights(manifest, randomWeights(manifest));

  it('wrong magic', () => {
    expect(codecError(() => decodeWeights(new Uint8Array(64), manifest))).toMatch(
      /^not a FedUnify weights payload/,
    );
  });

  it('shape mismatch names the tensor and both shapes', () => {
    const other = manifest.map((t, i) => (i === 2 ? { ...t, shape: [6, 2] } : t));
    const bytes = encodeWeights(other, randomWeights(other));
    expect(codecError(() => decodeWeights(bytes, manifest))).toBe(
      "tensor 2 'dense_1/kernel': shape [6,2], expected [6,3]",
    );
  });

  it('name mismatch', () => {
    const other = manifest.map((t, i) => (i === 1 ? { ...t, name: 'conv2d_9/bias' } : t));
    expect(codecError(() => decodeWeights(encodeWeights(other, randomWeights(other)), manifest))).toBe(
      "tensor 1: name 'conv2d_9/bias', expected 'conv2d_1/bias'",
    );
  });

  it('tensor count mismatch', () => {
    const other = manifest.slice(0, 3);
    expect(codecError(() => decodeWeights(encodeWeights(other, randomWeights(other)), manifest))).toBe(
      '3 tensors, expected 4',
    );
  });

  it('corrupted payload fails the checksum', () => {
    const bytes = good();
    bytes[bytes.length - 5] ^= 0x10;
    expect(codecError(() => decodeWeights(bytes, manifest))).toBe('checksum mismatch: payload corrupted');
  });

  it('truncated payload says how many bytes were expected and received', () => {
    const bytes = good();
    const { payloadOffset, payloadLength } = readWeightsHeader(bytes);
    expect(codecError(() => decodeWeights(bytes.subarray(0, payloadOffset + 10), manifest))).toBe(
      `truncated: header says ${payloadLength} payload bytes, got 10`,
    );
  });

  it('truncated tensor table', () => {
    expect(codecError(() => decodeWeights(good().subarray(0, 30), manifest))).toMatch(
      /^truncated: header ends at byte 30/,
    );
  });

  it('trailing bytes', () => {
    const bytes = good();
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(codecError(() => decodeWeights(longer, manifest))).toMatch(/^4 unexpected bytes after/);
  });

  it('unknown format version', () => {
    const bytes = good();
    bytes[4] = 9;
    expect(codecError(() => decodeWeights(bytes, manifest))).toMatch(/^weights format version 9/);
  });

  it('NaN in a decoded tensor names the tensor and index', () => {
    const bytes = good();
    const { payloadOffset } = readWeightsHeader(bytes);
    const biasStart = payloadOffset + 4 * (36 + 4 + 18);
    new DataView(bytes.buffer).setFloat32(biasStart + 4 * 2, NaN, true);
    // Re-stamp the checksum so the NaN check, not the CRC, is what fails.
    new DataView(bytes.buffer).setUint32(20, crc32(bytes.subarray(payloadOffset)), true);
    expect(codecError(() => decodeWeights(bytes, manifest))).toBe(
      'tensor dense_1/bias contains NaN at index 2',
    );
  });

  it('encode rejects non-finite values and wrong lengths', () => {
    const weights = randomWeights(manifest);
    weights[3][1] = Infinity;
    expect(codecError(() => encodeWeights(manifest, weights))).toBe(
      'tensor dense_1/bias contains Infinity at index 1',
    );
    expect(codecError(() => encodeWeights(manifest, randomWeights(manifest).slice(1)))).toBe(
      '3 weight tensors, manifest has 4',
    );
  });

  it('encode to float16 rejects values beyond its range', () => {
    const weights = randomWeights(manifest);
    weights[1][0] = 1e6;
    expect(codecError(() => encodeWeights(manifest, weights, { dtype: 'float16' }))).toBe(
      "tensor 1 'conv2d_1/bias': value 1000000 at index 0 is outside the float16 range (±65504)",
    );
  });
});
