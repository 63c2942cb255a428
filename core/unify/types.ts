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
] as const;

/** A unification method name. */
export type UnifyMethod = (typeof UNIFY_METHODS)[number];

/** Options some methods take. */
export interface UnifyOptions {
  /** trimmed-mean: fraction trimmed from each end, 0 ≤ β < 0.5. */
  trimBeta?: number;
}
