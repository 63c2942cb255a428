/**
 * Streaming unification: fold each update into a running result as it arrives, so a round holds
 * O(model) memory instead of O(K × model) and closes without a final pass over K updates.
 * avg / weighted-avg keep float64 sums (paper eq. 4; FedAvg, McMahan et al. 2017), max / absmax /
 * absmax-magnitude keep the running extreme (paper eqs. 5, 6). Methods that need every value at a
 * position (median, trimmed-mean, and any robust method added to `unify`) keep the updates and
 * call the batch function at the end; their memory is reported by `memoryBytes`.
 * Pure: no I/O, no clock; the same updates in the same order give the batch methods' result
 * (bit-exact for the extremes, float64-rounding close for the sums).
 */
import type { Update, UnifyMethod, UnifyOptions } from './types.ts';
import { UnifyError, unify, validateUpdates } from './unify.ts';

/** Methods whose result can be folded one update at a time. */
export const STREAMING_METHODS: readonly UnifyMethod[] = [
  'avg',
  'weighted-avg',
  'max',
  'absmax',
  'absmax-magnitude',
];

/** Whether `method` folds updates as they arrive (else it keeps them all until the end). */
export function isStreaming(method: UnifyMethod): boolean {
  return STREAMING_METHODS.includes(method);
}

/** A running unification of one method over one round's updates. */
export interface Accumulator {
  readonly method: UnifyMethod;
  /** True when updates are folded on arrival; false when they are kept for a final pass. */
  readonly streaming: boolean;
  /** Updates folded (or kept) so far. */
  readonly count: number;
  /** Bytes this accumulator holds (running state, or the kept updates). */
  readonly memoryBytes: number;
  /** Folds (or keeps) one validated update; its tensors must not change afterwards when kept. */
  add(update: Update): void;
  /** The unified weights of everything added so far (fresh arrays). */
  result(): Float32Array[];
}

/** Starts an accumulator for `method` over tensors of the given lengths (manifest order). */
export function createAccumulator(
  method: UnifyMethod,
  lengths: number[],
  options: UnifyOptions = {},
): Accumulator {
  switch (method) {
    case 'avg':
      return sumAccumulator(method, lengths, () => 1);
    case 'weighted-avg':
      return sumAccumulator(method, lengths, (u) => u.samples);
    case 'max':
      return extremeAccumulator(method, lengths, (v, cur) => (v > cur ? v : cur), false);
    case 'absmax':
      return extremeAccumulator(method, lengths, (v, cur) => (Math.abs(v) > Math.abs(cur) ? v : cur), false);
    case 'absmax-magnitude':
      return extremeAccumulator(method, lengths, (v, cur) => Math.max(Math.abs(v), cur), true);
    default:
      return keepAllAccumulator(method, lengths, options);
  }
}

/** Checks one update's tensor count and lengths against the accumulator's. */
function checkShape(update: Update, lengths: number[]): void {
  validateUpdates([update]);
  if (update.weights.length !== lengths.length) {
    throw new UnifyError(`update has ${update.weights.length} tensors, expected ${lengths.length}`);
  }
  for (let t = 0; t < lengths.length; t++) {
    if (update.weights[t].length !== lengths[t]) {
      throw new UnifyError(`tensor ${t}: length ${update.weights[t].length}, expected ${lengths[t]}`);
    }
  }
}

function sumAccumulator(
  method: UnifyMethod,
  lengths: number[],
  weightOf: (u: Update) => number,
): Accumulator {
  // Float64 sums, like the batch method, so K identical inputs give that input back exactly.
  const sums = lengths.map((n) => new Float64Array(n));
  let total = 0;
  let count = 0;
  return {
    method,
    streaming: true,
    get count() {
      return count;
    },
    get memoryBytes() {
      return sums.reduce((a, s) => a + s.byteLength, 0);
    },
    add(update) {
      checkShape(update, lengths);
      const w = weightOf(update);
      for (let t = 0; t < sums.length; t++) {
        const acc = sums[t];
        const tensor = update.weights[t];
        for (let i = 0; i < acc.length; i++) acc[i] += w * tensor[i];
      }
      total += w;
      count++;
    },
    result() {
      if (count === 0) throw new UnifyError('no updates to unify: at least one update is needed');
      return sums.map((acc) => {
        const out = new Float32Array(acc.length);
        for (let i = 0; i < acc.length; i++) out[i] = acc[i] / total;
        return out;
      });
    },
  };
}

function extremeAccumulator(
  method: UnifyMethod,
  lengths: number[],
  pick: (v: number, current: number) => number,
  magnitude: boolean,
): Accumulator {
  const best = lengths.map((n) => new Float32Array(n));
  let count = 0;
  return {
    method,
    streaming: true,
    get count() {
      return count;
    },
    get memoryBytes() {
      return best.reduce((a, s) => a + s.byteLength, 0);
    },
    add(update) {
      checkShape(update, lengths);
      for (let t = 0; t < best.length; t++) {
        const out = best[t];
        const tensor = update.weights[t];
        if (count === 0) {
          // The first input seeds the result, so ties keep the earlier input (as the batch methods do).
          for (let i = 0; i < out.length; i++) out[i] = magnitude ? Math.abs(tensor[i]) : tensor[i];
        } else {
          for (let i = 0; i < out.length; i++) out[i] = pick(tensor[i], out[i]);
        }
      }
      count++;
    },
    result() {
      if (count === 0) throw new UnifyError('no updates to unify: at least one update is needed');
      return best.map((t) => Float32Array.from(t));
    },
  };
}

function keepAllAccumulator(method: UnifyMethod, lengths: number[], options: UnifyOptions): Accumulator {
  const kept: Update[] = [];
  const modelBytes = lengths.reduce((a, n) => a + n * 4, 0);
  return {
    method,
    streaming: false,
    get count() {
      return kept.length;
    },
    get memoryBytes() {
      return kept.length * modelBytes;
    },
    add(update) {
      checkShape(update, lengths);
      kept.push(update);
    },
    result() {
      return unify(method, kept, options);
    },
  };
}
