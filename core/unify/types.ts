/** One participant's contribution to a round: its weight tensors (manifest order) and sample count. */
export interface Update {
  weights: Float32Array[];
  samples: number;
}

/** Every unification method the hub offers. */
export const UNIFY_METHODS = [
  'avg',
  'weighted-avg',
  'max',
  'absmax',
  'absmax-magnitude',
  'median',
  'trimmed-mean',
  'krum',
  'multi-krum',
  'bulyan',
  'norm-clip-avg',
] as const;

/** A unification method name. */
export type UnifyMethod = (typeof UNIFY_METHODS)[number];

/** Options some methods take. */
export interface UnifyOptions {
  /** trimmed-mean: fraction trimmed from each end, 0 ≤ β < 0.5 (default 0.1; never fewer than maxByzantine values). */
  trimBeta?: number;
  /** f, the number of Byzantine (arbitrarily bad) updates the robust methods must tolerate (default 0). */
  maxByzantine?: number;
  /** norm-clip-avg: bound on each update's L2 distance from the global model (default: the round's median distance). */
  clipNorm?: number;
  /** The global model the round started from (manifest order); norm-clip-avg needs it. */
  global?: Float32Array[];
}
