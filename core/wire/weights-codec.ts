/**
 * The binary weights format that travels in socket.io frames (never JSON arrays). Pure: runs in the
 * browser and in Node (no Buffer, no node:*).
 *
 * Layout (all integers little-endian):
 *   0  'FUW1' magic            4 bytes
 *   4  format version          u16 (1)
 *   6  dtype                   u8  (0 = float32, 1 = float16)
 *   7  flags                   u8  (0)
 *   8  tensor count            u32
 *  12  payload offset          u32 (header size, a multiple of 8 so the payload is aligned)
 *  16  payload length          u32 bytes
 *  20  payload CRC-32          u32
 *  24  per tensor: name length u16, UTF-8 name, rank u8, rank × u32 dims; zero padding to the offset
 *  payload: each tensor's values in manifest order, little-endian float32 or IEEE 754 binary16
 */
import type { TensorSpec, WeightManifest } from '../model/spec.ts';
import { crc32 } from './crc32.ts';

/** The only format version this build reads and writes. */
export const WEIGHTS_FORMAT_VERSION = 1;

/** Element types the payload can carry. */
export type WeightsDtype = 'float32' | 'float16';

/** What the header of an encoded weights payload says. */
export interface WeightsHeader {
  version: number;
  dtype: WeightsDtype;
  tensors: TensorSpec[];
  payloadOffset: number;
  payloadLength: number;
  checksum: number;
}

/** A payload that is malformed or does not match the expected manifest; the message says exactly what. */
export class WeightsCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsCodecError';
  }
}

const MAGIC = [0x46, 0x55, 0x57, 0x31]; // 'FUW1'
const FIXED_HEADER = 24;
const MAX_RANK = 8;
const DTYPE_CODES: Record<WeightsDtype, number> = { float32: 0, float16: 1 };
const BYTES_PER: Record<WeightsDtype, number> = { float32: 4, float16: 2 };
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

const elements = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const showShape = (shape: number[]): string => `[${shape.join(',')}]`;
const align8 = (n: number): number => (n + 7) & ~7;

/** Header bytes for a manifest: the fixed part plus each tensor's name and dims, padded to 8. */
function headerSize(manifest: WeightManifest): number {
  let size = FIXED_HEADER;
  for (const t of manifest) size += 2 + utf8.encode(t.name).length + 1 + 4 * t.shape.length;
  return align8(size);
}

/** The exact encoded size of weights of `manifest` in `dtype`, so a hub can size its payload limit. */
export function maxEncodedSize(manifest: WeightManifest, dtype: WeightsDtype = 'float32'): number {
  let count = 0;
  for (const t of manifest) count += elements(t.shape);
  return headerSize(manifest) + count * BYTES_PER[dtype];
}

/** Encodes weights (manifest order) into one binary payload; rejects mismatched lengths and non-finite values. */
export function encodeWeights(
  manifest: WeightManifest,
  weights: Float32Array[],
  options: { dtype?: WeightsDtype } = {},
): Uint8Array {
  const dtype = options.dtype ?? 'float32';
  if (!(dtype in BYTES_PER)) throw new WeightsCodecError(`unknown dtype '${String(dtype)}'`);
  if (weights.length !== manifest.length) {
    throw new WeightsCodecError(`${weights.length} weight tensors, manifest has ${manifest.length}`);
  }
  manifest.forEach((spec, i) => {
    if (weights[i].length !== elements(spec.shape)) {
      throw new WeightsCodecError(
        `tensor ${i} '${spec.name}': ${weights[i].length} values, shape ${showShape(spec.shape)} needs ${elements(spec.shape)}`,
      );
    }
    if (spec.shape.length > MAX_RANK)
      throw new WeightsCodecError(`tensor ${i} '${spec.name}': rank above ${MAX_RANK}`);
    assertFinite(spec.name, weights[i]);
  });
  const offset = headerSize(manifest);
  const out = new Uint8Array(maxEncodedSize(manifest, dtype));
  const view = new DataView(out.buffer);
  const payload = out.subarray(offset);
  writePayload(manifest, weights, dtype, payload);
  out.set(MAGIC, 0);
  view.setUint16(4, WEIGHTS_FORMAT_VERSION, true);
  view.setUint8(6, DTYPE_CODES[dtype]);
  view.setUint32(8, manifest.length, true);
  view.setUint32(12, offset, true);
  view.setUint32(16, payload.length, true);
  view.setUint32(20, crc32(payload), true);
  let pos = FIXED_HEADER;
  for (const t of manifest) {
    const name = utf8.encode(t.name);
    view.setUint16(pos, name.length, true);
    out.set(name, pos + 2);
    pos += 2 + name.length;
    view.setUint8(pos++, t.shape.length);
    for (const d of t.shape) {
      view.setUint32(pos, d, true);
      pos += 4;
    }
  }
  return out;
}

/** Writes every tensor's values into `payload` in the chosen dtype, little-endian. */
function writePayload(
  manifest: WeightManifest,
  weights: Float32Array[],
  dtype: WeightsDtype,
  payload: Uint8Array,
): void {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  let pos = 0;
  weights.forEach((w, t) => {
    if (dtype === 'float32' && LITTLE_ENDIAN_HOST) {
      payload.set(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), pos);
      pos += w.byteLength;
    } else if (dtype === 'float32') {
      for (let i = 0; i < w.length; i++, pos += 4) view.setFloat32(pos, w[i], true);
    } else {
      for (let i = 0; i < w.length; i++, pos += 2) {
        const h = float32ToFloat16Bits(w[i]);
        if ((h & 0x7c00) === 0x7c00) {
          throw new WeightsCodecError(
            `tensor ${t} '${manifest[t].name}': value ${w[i]} at index ${i} is outside the float16 range (±65504)`,
          );
        }
        view.setUint16(pos, h, true);
      }
    }
  });
}

/** Reads and checks the header (magic, version, dtype, tensor table) without touching the payload. */
export function readWeightsHeader(bytes: Uint8Array): WeightsHeader {
  if (!(bytes instanceof Uint8Array) || bytes.length < 4 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new WeightsCodecError('not a FedUnify weights payload (no FUW1 magic)');
  }
  if (bytes.length < FIXED_HEADER) {
    throw new WeightsCodecError(`truncated: ${bytes.length} bytes, the header alone needs ${FIXED_HEADER}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== WEIGHTS_FORMAT_VERSION) {
    throw new WeightsCodecError(
      `weights format version ${version}, this build reads version ${WEIGHTS_FORMAT_VERSION}: update FedUnify on both sides`,
    );
  }
  const code = view.getUint8(6);
  const dtype = (Object.keys(DTYPE_CODES) as WeightsDtype[]).find((d) => DTYPE_CODES[d] === code);
  if (!dtype) throw new WeightsCodecError(`unknown dtype code ${code}`);
  const count = view.getUint32(8, true);
  const payloadOffset = view.getUint32(12, true);
  const payloadLength = view.getUint32(16, true);
  const checksum = view.getUint32(20, true);
  const headerEnd = Math.min(payloadOffset, bytes.length);
  const need = (pos: number, n: number, what: string): void => {
    if (pos + n > headerEnd) {
      throw new WeightsCodecError(
        `truncated: header ends at byte ${headerEnd} while reading ${what} (tensor table of ${count} tensors)`,
      );
    }
  };
  const tensors: TensorSpec[] = [];
  let pos = FIXED_HEADER;
  for (let t = 0; t < count; t++) {
    need(pos, 2, `the name length of tensor ${t}`);
    const nameLength = view.getUint16(pos, true);
    need(pos + 2, nameLength + 1, `the name of tensor ${t}`);
    let name: string;
    try {
      name = utf8Decoder.decode(bytes.subarray(pos + 2, pos + 2 + nameLength));
    } catch {
      throw new WeightsCodecError(`tensor ${t}: name is not valid UTF-8`);
    }
    pos += 2 + nameLength;
    const rank = view.getUint8(pos++);
    if (rank > MAX_RANK) throw new WeightsCodecError(`tensor ${t} '${name}': rank ${rank} above ${MAX_RANK}`);
    need(pos, 4 * rank, `the shape of tensor ${t} '${name}'`);
    const shape: number[] = [];
    for (let d = 0; d < rank; d++, pos += 4) shape.push(view.getUint32(pos, true));
    tensors.push({ name, shape });
  }
  if (payloadOffset !== align8(pos)) {
    throw new WeightsCodecError(
      `header says the payload starts at byte ${payloadOffset}, the tensor table ends at ${pos}`,
    );
  }
  return { version, dtype, tensors, payloadOffset, payloadLength, checksum };
}

/**
 * Decodes a payload and checks it against the expected manifest: names, shapes, size, checksum,
 * finite values. With `shared`, every tensor is a view of one SharedArrayBuffer (the hub's kept
 * updates, which order-statistic threads read in place).
 */
export function decodeWeights(
  bytes: Uint8Array,
  expected: WeightManifest,
  opts: { shared?: boolean } = {},
): Float32Array[] {
  const header = readWeightsHeader(bytes);
  const { tensors, dtype, payloadOffset, payloadLength } = header;
  if (tensors.length !== expected.length) {
    throw new WeightsCodecError(`${tensors.length} tensors, expected ${expected.length}`);
  }
  let count = 0;
  expected.forEach((want, i) => {
    const got = tensors[i];
    if (got.name !== want.name) {
      throw new WeightsCodecError(`tensor ${i}: name '${got.name}', expected '${want.name}'`);
    }
    const same = got.shape.length === want.shape.length && got.shape.every((d, k) => d === want.shape[k]);
    if (!same) {
      throw new WeightsCodecError(
        `tensor ${i} '${want.name}': shape ${showShape(got.shape)}, expected ${showShape(want.shape)}`,
      );
    }
    count += elements(want.shape);
  });
  if (payloadLength !== count * BYTES_PER[dtype]) {
    throw new WeightsCodecError(
      `header says ${payloadLength} payload bytes, ${count} ${dtype} values need ${count * BYTES_PER[dtype]}`,
    );
  }
  const available = bytes.length - payloadOffset;
  if (available < payloadLength) {
    throw new WeightsCodecError(
      `truncated: header says ${payloadLength} payload bytes, got ${Math.max(0, available)}`,
    );
  }
  if (available > payloadLength) {
    throw new WeightsCodecError(
      `${available - payloadLength} unexpected bytes after the ${payloadLength}-byte payload`,
    );
  }
  const payload = bytes.subarray(payloadOffset);
  if (crc32(payload) !== header.checksum) throw new WeightsCodecError('checksum mismatch: payload corrupted');
  const out = readPayload(expected, dtype, payload, opts.shared ? new SharedArrayBuffer(4 * count) : null);
  out.forEach((w, i) => assertFinite(expected[i].name, w));
  return out;
}

/** Copies each tensor out of the payload into its own Float32Array, or into consecutive views of `shared`. */
function readPayload(
  manifest: WeightManifest,
  dtype: WeightsDtype,
  payload: Uint8Array,
  shared: SharedArrayBuffer | null,
): Float32Array[] {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  let pos = 0;
  let at = 0;
  return manifest.map((spec) => {
    const n = elements(spec.shape);
    const out = shared ? new Float32Array(shared, 4 * at, n) : new Float32Array(n);
    at += n;
    if (dtype === 'float32' && LITTLE_ENDIAN_HOST) {
      new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(
        payload.subarray(pos, pos + out.byteLength),
      );
      pos += out.byteLength;
    } else if (dtype === 'float32') {
      for (let i = 0; i < out.length; i++, pos += 4) out[i] = view.getFloat32(pos, true);
    } else {
      const table = halfTable();
      for (let i = 0; i < out.length; i++, pos += 2) out[i] = table[view.getUint16(pos, true)];
    }
    return out;
  });
}

/** Throws naming the tensor and index of the first NaN or ±Infinity. */
function assertFinite(name: string, w: Float32Array): void {
  for (let i = 0; i < w.length; i++) {
    if (!Number.isFinite(w[i])) throw new WeightsCodecError(`tensor ${name} contains ${w[i]} at index ${i}`);
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary32 → binary16 bits, rounding to nearest, ties to even; overflow gives ±Infinity. */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: the value in units of 2^-24, from the 24-bit significand shifted right.
    const shift = 14 - e;
    if (shift > 24) return sign;
    const full = mant | 0x800000;
    let half = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, up to Infinity: exactly what rounding wants.
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

let halfValues: Float32Array | null = null;

/** All 65,536 half values, built once (256 KB): decoding by lookup is several times faster than by arithmetic. */
function halfTable(): Float32Array {
  if (!halfValues) {
    halfValues = new Float32Array(0x10000);
    for (let h = 0; h < 0x10000; h++) halfValues[h] = float16BitsToFloat32(h);
  }
  return halfValues;
}

/** IEEE 754 binary16 bits → the number they encode (exact in float32). */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >>> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}
