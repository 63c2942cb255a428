/**
 * The per-hub ceiling on a job's model: checked from the spec's shapes alone (no weights are
 * allocated) before a job is stored, so a spec the hub cannot hold is refused instead of stored
 * and failing at every later start.
 */
import { weightManifest } from '../../core/model/manifest.ts';
import { resolveModel, type JobSpec } from '../../core/wire/job-spec.ts';
import { maxEncodedSize } from '../../core/wire/weights-codec.ts';

/** How large a job's model may be on this hub. */
export interface ModelLimits {
  /** Trainable parameters in all layers. */
  maxParams: number;
  /** Bytes of one float32-encoded model (an update, a checkpoint). */
  maxBytes: number;
}

/** 50 M parameters (200 MB as float32): far above the paper CNN (106,442), well within one hub's memory. */
export const DEFAULT_MODEL_LIMITS: ModelLimits = { maxParams: 50_000_000, maxBytes: 256 * 1024 * 1024 };

/** A model that breaks a limit: the spec field at fault and a message naming the limit. */
export interface ModelLimitIssue {
  path: string;
  message: string;
}

const fmt = (n: number): string => (n < 1e15 ? Math.round(n).toLocaleString('en-US') : n.toExponential(2));

/** The first limit a job's model breaks, or null when it fits. Throws when the model cannot be built. */
export function modelLimitIssue(spec: JobSpec, limits: ModelLimits): ModelLimitIssue | null {
  const manifest = weightManifest(resolveModel(spec));
  let params = 0;
  let largest = { name: '', count: 0 };
  for (const t of manifest) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    params += count;
    if (count > largest.count) largest = { name: t.name, count };
  }
  const where = largest.name ? ` (largest tensor ${largest.name}: ${fmt(largest.count)} values)` : '';
  if (params > limits.maxParams) {
    return {
      path: 'model',
      message: `the model has ${fmt(params)} parameters, over this hub's limit of ${fmt(limits.maxParams)}${where}. Use a smaller model, or start the hub with a higher --max-model-params.`,
    };
  }
  const bytes = maxEncodedSize(manifest, 'float32');
  if (bytes > limits.maxBytes) {
    return {
      path: 'model',
      message: `the model is ${fmt(bytes)} bytes as float32, over this hub's limit of ${fmt(limits.maxBytes)} bytes${where}. Use a smaller model, or start the hub with a higher --max-model-bytes.`,
    };
  }
  return null;
}
