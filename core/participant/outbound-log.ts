/**
 * The record of every frame this participant sent: event, size and SHA-256 of its serialized
 * payload. Written to stateDir/outbound.log (JSON lines) so an organization can prove what left.
 */
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutboundRecord } from '../wire/bridge.ts';

/** Size and SHA-256 of a payload: raw bytes for weights, JSON (binary fields by digest) otherwise. */
export function payloadDigest(payload: unknown): { bytes: number; sha256: string } {
  if (payload instanceof Uint8Array) {
    return { bytes: payload.byteLength, sha256: createHash('sha256').update(payload).digest('hex') };
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const json = JSON.stringify(payload, (_key, value: unknown) => {
    if (value instanceof Uint8Array) {
      hash.update(value);
      bytes += value.byteLength;
      return { binaryBytes: value.byteLength };
    }
    return value;
  });
  const text = Buffer.from(json ?? 'null');
  hash.update(text);
  bytes += text.byteLength;
  return { bytes, sha256: hash.digest('hex') };
}

/** SHA-256 (hex) of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Appends outbound records to the state dir's outbound.log. */
export class OutboundLog {
  private readonly path: string;

  constructor(stateDir: string) {
    this.path = join(stateDir, 'outbound.log');
  }

  /** Size and SHA-256 of the weights about to be sent (what the user approves). */
  digest(weights: Uint8Array): { bytes: number; sha256: string } {
    return { bytes: weights.byteLength, sha256: sha256Hex(weights) };
  }

  /** Records one sent frame and returns the record. */
  record(
    round: number,
    event: string,
    payload: unknown,
    approvedBy: OutboundRecord['approvedBy'],
  ): OutboundRecord {
    const { bytes, sha256 } =
      event === 'round:update' && isUpdate(payload)
        ? { bytes: payload.weights.byteLength, sha256: sha256Hex(payload.weights) }
        : payloadDigest(payload);
    const rec: OutboundRecord = { round, event, bytes, sha256, at: new Date().toISOString(), approvedBy };
    try {
      appendFileSync(this.path, JSON.stringify(rec) + '\n');
    } catch {
      // Keep going: the record is still returned and shown in the UI.
    }
    return rec;
  }
}

function isUpdate(p: unknown): p is { weights: Uint8Array } {
  return typeof p === 'object' && p !== null && (p as { weights?: unknown }).weights instanceof Uint8Array;
}
