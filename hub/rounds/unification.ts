/**
 * Unification of a round as data in, weights out: `unifyRound` is the batch form (a pure function
 * of model, spec, updates and global weights), `createCollector` the streaming form the hub uses,
 * folding each update on arrival. Both give, per method, the unified weights and the time taken.
 */
import { createAccumulator, isStreaming, type Accumulator } from '../../core/unify/streaming.ts';
import { createPickTracker, type PickTracker, type RoundPicks } from '../../core/unify/pick-stats.ts';
import { unify } from '../../core/unify/unify.ts';
import type { Update, UnifyMethod, UnifyOptions } from '../../core/unify/types.ts';
import type { JobSpec } from '../../core/wire/job-spec.ts';
import type { WeightManifest } from '../../core/model/spec.ts';

/** One method's unified weights and how long producing them took (ms). */
export interface MethodResult {
  method: UnifyMethod;
  weights: Float32Array[];
  ms: number;
}

/** Options of the job's unification methods; `global` is the model the round started from. */
export function unifyOptions(spec: JobSpec, global: Float32Array[]): UnifyOptions {
  return { trimBeta: spec.trimBeta, maxByzantine: spec.maxByzantine, clipNorm: spec.clipNorm, global };
}

/** The job method first, then each comparison method once. */
export function roundMethods(spec: JobSpec, compare: boolean): UnifyMethod[] {
  return compare ? [spec.method, ...spec.compareMethods.filter((m) => m !== spec.method)] : [spec.method];
}

/**
 * Batch unification of a round (pure): the job method and, when `compare`, every comparison method.
 * `global` is the round's starting point, for strategies that need it (server optimizers, distances).
 */
export function unifyRound(input: {
  spec: JobSpec;
  updates: Update[];
  global: Float32Array[];
  compare: boolean;
}): MethodResult[] {
  const options = unifyOptions(input.spec, input.global);
  return roundMethods(input.spec, input.compare).map((method) => {
    const t0 = performance.now();
    const weights = unify(method, input.updates, options);
    return { method, weights, ms: performance.now() - t0 };
  });
}

/**
 * Where a round's updates go: 'streaming' folds them (O(model) memory), 'keep-all' holds them for
 * methods that need every value, 'masked-sum' (secure aggregation) only ever sees their sum.
 */
export interface UpdateCollector {
  readonly kind: 'streaming' | 'keep-all' | 'masked-sum';
  /** Updates added so far. */
  readonly count: number;
  /** Bytes held for this round's unification. */
  readonly memoryBytes: number;
  /** Folds or keeps one validated update. */
  add(participantId: string, update: Update): void;
  /** The job method's weights; O(model) when the method streams. */
  jobResult(): MethodResult;
  /** The comparison methods' weights (the batch pass, if any, happens here). */
  comparedResults(): MethodResult[];
  /** The kept updates by participant id (null when the collector keeps none). */
  kept(): Map<string, Update> | null;
  /**
   * Which owner's value max and absmax took per layer, and their distance from avg (raw updates,
   * before any server step); null when not tracked. Absent: the collector never sees an update.
   */
  picks?(): RoundPicks | null;
}

/**
 * The most participants a round may have for its max/absmax pick statistics: the record carries
 * one share per participant and layer, and the figures explain the paper's few-owner setting;
 * a larger round drops the tracker (and its memory) at the first update past the cap.
 */
export const PICK_STATS_MAX_PARTICIPANTS = 16;

/** Whether a job's rounds gather pick statistics: it uses or compares max or absmax. */
export function tracksPicks(spec: JobSpec): boolean {
  const extremes: UnifyMethod[] = ['max', 'absmax'];
  return [spec.method, ...spec.compareMethods].some((m) => extremes.includes(m));
}

/** A collector folding what streams and keeping updates only when some method needs them all. */
export function createCollector(
  spec: JobSpec,
  manifest: WeightManifest,
  global: Float32Array[],
  compare: boolean,
  keepUpdates = false,
): UpdateCollector {
  const methods = roundMethods(spec, compare);
  const options = unifyOptions(spec, global);
  const lengths = manifest.map((t) => t.shape.reduce((a, b) => a * b, 1));
  const accumulators = new Map<UnifyMethod, Accumulator>();
  for (const m of methods) if (isStreaming(m)) accumulators.set(m, createAccumulator(m, lengths, options));
  const keep = keepUpdates || methods.some((m) => !isStreaming(m));
  const kept = new Map<string, Update>();
  const modelBytes = lengths.reduce((a, n) => a + 4 * n, 0);
  let count = 0;
  let tracker: PickTracker | null = tracksPicks(spec)
    ? createPickTracker(
        manifest.map((t) => t.name),
        lengths,
      )
    : null;
  // The picks are measured against avg, which the job may not otherwise compute this round.
  let avgForPicks = tracker && !accumulators.has('avg') ? createAccumulator('avg', lengths, options) : null;
  const resultOf = (method: UnifyMethod): MethodResult => {
    const t0 = performance.now();
    const acc = accumulators.get(method);
    // Participant id order keeps a batch result independent of arrival order.
    const weights = acc
      ? acc.result()
      : unify(
          method,
          [...kept.keys()].sort().map((id) => kept.get(id) as Update),
          options,
        );
    return { method, weights, ms: performance.now() - t0 };
  };
  return {
    kind: keep ? 'keep-all' : 'streaming',
    get count() {
      return count;
    },
    get memoryBytes() {
      let bytes = keep ? kept.size * modelBytes : 0;
      for (const a of accumulators.values()) bytes += a.memoryBytes;
      if (tracker) bytes += tracker.memoryBytes + (avgForPicks?.memoryBytes ?? 0);
      return bytes;
    },
    add(participantId, update) {
      for (const acc of accumulators.values()) acc.add(update);
      if (keep) kept.set(participantId, update);
      if (tracker && tracker.count >= PICK_STATS_MAX_PARTICIPANTS) {
        tracker = null;
        avgForPicks = null;
      }
      if (tracker) {
        tracker.add(participantId, update.weights);
        avgForPicks?.add(update);
      }
      count++;
    },
    jobResult: () => resultOf(spec.method),
    comparedResults: () => methods.slice(1).map(resultOf),
    kept: () => (keep ? kept : null),
    picks() {
      if (!tracker || tracker.count === 0) return null;
      const avg = (avgForPicks ?? (accumulators.get('avg') as Accumulator)).result();
      return tracker.finish(avg, global);
    },
  };
}
