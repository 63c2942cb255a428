/**
 * Speed of every unification method on the paper CNN's weights: K random updates (seeded) of the
 * PAPER_CNN manifest, each method called a few times, the median time per call reported. Wall
 * time and this process's CPU time are both kept: the second is less disturbed by other load.
 */
import { unify } from '../core/unify/unify.ts';
import { minParticipantsFor } from '../core/unify/byzantine.ts';
import { UNIFY_METHODS, type Update, type UnifyMethod } from '../core/unify/types.ts';
import { weightManifest } from '../core/model/manifest.ts';
import { PAPER_CNN, type ModelSpec } from '../core/model/spec.ts';
import { mulberry32 } from '../core/model/random.ts';

/** One measured (K, method) pair. */
export interface UnifySpeedResult {
  participants: number;
  /** Parameters per update. */
  params: number;
  method: UnifyMethod;
  /** Median wall-clock ms per call. */
  ms: number;
  /** Median CPU ms (user + system) per call. */
  cpuMs: number;
  runs: number;
}

/** Methods whose cost grows as K² · P: measured only up to `quadraticMax` participants unless named. */
export const QUADRATIC_METHODS: readonly UnifyMethod[] = ['krum', 'multi-krum', 'bulyan'];

/**
 * A dense model of about `params` parameters (28×28×1 → `units` ReLU → 10 softmax, 795·units + 10
 * parameters), for model-size curves: unification cost depends on the parameter count, not the layers.
 */
export function denseModelOf(params: number): ModelSpec {
  const units = Math.max(1, Math.round((params - 10) / 795));
  return {
    name: `dense-${units}`,
    inputShape: [28, 28, 1],
    numClasses: 10,
    layers: [
      { type: 'flatten' },
      { type: 'dense', units, activation: 'relu' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  };
}

/**
 * K updates of `model`: a shared random global model plus small per-update random changes. With
 * `shared`, each update's tensors are views of one SharedArrayBuffer, as the hub decodes them (the
 * values are the same either way).
 */
export function randomUpdates(
  model: ModelSpec,
  k: number,
  seed: number,
  shared = false,
): { global: Float32Array[]; updates: Update[] } {
  const next = mulberry32(seed);
  const shapes = weightManifest(model).map((t) => t.shape.reduce((a, b) => a * b, 1));
  const total = shapes.reduce((a, b) => a + b, 0);
  const global = shapes.map((n) => Float32Array.from({ length: n }, () => (next() - 0.5) * 0.2));
  const updates = Array.from({ length: k }, () => {
    const buffer = shared ? new SharedArrayBuffer(4 * total) : null;
    let at = 0;
    const weights = global.map((g) => {
      const w = buffer ? new Float32Array(buffer, 4 * at, g.length) : new Float32Array(g.length);
      at += g.length;
      for (let i = 0; i < g.length; i++) w[i] = g[i] + (next() - 0.5) * 0.01;
      return w;
    });
    return { weights, samples: 1 + Math.floor(next() * 1000) };
  });
  return { global, updates };
}

/** K updates of the paper CNN (106,442 parameters), as `randomUpdates`. */
export function randomPaperCnnUpdates(
  k: number,
  seed: number,
  shared = false,
): { global: Float32Array[]; updates: Update[] } {
  return randomUpdates(PAPER_CNN, k, seed, shared);
}

const medianOf = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1];
};

/** Times `method` on the updates `runs` times (after one untimed warm-up call when runs > 1). */
export function timeMethod(
  method: UnifyMethod,
  updates: Update[],
  global: Float32Array[],
  runs: number,
  maxByzantine = 0,
): UnifySpeedResult {
  const options = { global, maxByzantine };
  if (runs > 1) unify(method, updates, options);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    unify(method, updates, options);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const params = updates[0]?.weights.reduce((n, t) => n + t.length, 0) ?? 0;
  return { participants: updates.length, params, method, ms: medianOf(wall), cpuMs: medianOf(cpu), runs };
}

/** Which methods run at K: those asked for, less the quadratic ones past `quadraticMax` unless named, less those K cannot satisfy. */
export function methodsFor(
  k: number,
  asked: UnifyMethod[] | undefined,
  quadraticMax: number,
  maxByzantine: number,
): { run: UnifyMethod[]; skipped: { method: UnifyMethod; why: string }[] } {
  const run: UnifyMethod[] = [];
  const skipped: { method: UnifyMethod; why: string }[] = [];
  for (const method of asked ?? UNIFY_METHODS) {
    const need = minParticipantsFor(method, maxByzantine);
    if (k < need) skipped.push({ method, why: `needs K ≥ ${need}` });
    else if (!asked && QUADRATIC_METHODS.includes(method) && k > quadraticMax)
      skipped.push({ method, why: `O(K²·P), measured up to K = ${quadraticMax} unless named in --methods` });
    else run.push(method);
  }
  return { run, skipped };
}
