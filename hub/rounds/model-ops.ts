/**
 * The hub's one doorway to the model, codec and unification code of core: everything the round
 * coordinator does to weights goes through a ModelOps, so tests can count or fake it.
 */
import { createHash } from 'node:crypto';
import { decodeWeights, encodeWeights, maxEncodedSize } from '../../core/wire/weights-codec.ts';
import { unify } from '../../core/unify/unify.ts';
import { initialWeights } from '../../core/model/init.ts';
import { weightManifest } from '../../core/model/manifest.ts';
import { resolveModel } from '../../core/wire/job-spec.ts';
import type { JobSpec } from '../../core/wire/job-spec.ts';
import type { WeightManifest } from '../../core/model/spec.ts';
import type { Update, UnifyMethod, UnifyOptions } from '../../core/unify/types.ts';

/** Weight operations of one job's model. */
export interface JobModel {
  manifest: WeightManifest;
  /** Largest accepted encoded update (float32 encoding of the manifest). */
  maxBytes: number;
  initial(): Float32Array[];
  encode(weights: Float32Array[]): Uint8Array;
  /** Decodes and checks an update against the manifest; throws a message fit for the sender. */
  decode(bytes: Uint8Array): Float32Array[];
  unify(method: UnifyMethod, updates: Update[], options: UnifyOptions): Float32Array[];
}

/** Builds the weight operations of a job's model from its spec. */
export function jobModel(spec: JobSpec): JobModel {
  const model = resolveModel(spec);
  const manifest = weightManifest(model);
  return {
    manifest,
    maxBytes: maxEncodedSize(manifest, 'float32'),
    initial: () => initialWeights(model, spec.seed),
    encode: (weights) => encodeWeights(manifest, weights, { dtype: 'float32' }),
    // Shared memory, so order-statistic threads read kept updates where they lie.
    decode: (bytes) => decodeWeights(bytes, manifest, { shared: true }),
    unify: (method, updates, options) => unify(method, updates, options),
  };
}

/** SHA-256 hex of a byte array (update and checkpoint hashes in the audit log). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
