/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial 0xEDB88320); pure, for browser and Node.
 * Slicing-by-8 (Intel, "A Systematic Approach to Building High Performance Software-Based CRC
 * Generators", 2006): eight bytes per step through eight tables, several times faster than the
 * byte-at-a-time loop on 400 KB updates, with the same result.
 */

let tables: Uint32Array[] | null = null;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Builds the 8 × 256-entry lookup tables once, on first use. */
function crcTables(): Uint32Array[] {
  if (tables) return tables;
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  tables = [t0];
  for (let s = 1; s < 8; s++) {
    const prev = tables[s - 1];
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (prev[n] >>> 8) ^ t0[prev[n] & 0xff];
    tables.push(t);
  }
  return tables;
}

/** The CRC-32 of `bytes` as an unsigned 32-bit integer (crc32("123456789") = 0xCBF43926). */
export function crc32(bytes: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = crcTables();
  let c = 0xffffffff;
  let i = 0;
  // Byte steps up to a 4-byte boundary, then two aligned little-endian words per step.
  while (i < bytes.length && (bytes.byteOffset + i) % 4 !== 0) c = t0[(c ^ bytes[i++]) & 0xff] ^ (c >>> 8);
  const words = Math.floor((bytes.length - i) / 8) * 2;
  if (words > 0 && LITTLE_ENDIAN) {
    const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let w = 0; w < words; w += 2) {
      const a = (c ^ u32[w]) >>> 0;
      const b = u32[w + 1];
      c =
        t7[a & 0xff] ^
        t6[(a >>> 8) & 0xff] ^
        t5[(a >>> 16) & 0xff] ^
        t4[a >>> 24] ^
        t3[b & 0xff] ^
        t2[(b >>> 8) & 0xff] ^
        t1[(b >>> 16) & 0xff] ^
        t0[b >>> 24];
    }
    i += words * 4;
  }
  for (; i < bytes.length; i++) c = t0[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
