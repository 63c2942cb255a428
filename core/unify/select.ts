/**
 * Selection (the k-th smallest of a range) in place, for the order-statistic methods: introselect
 * (Hoare's FIND with a median-of-three pivot, Numerical Recipes `select`), falling back to a full
 * sort when partitions keep coming out lopsided, so adversarial values cannot make it quadratic.
 */

/**
 * Reorders a[lo..hi] (inclusive) so that a[k] holds the value a sorted range would hold there,
 * with every value before k ≤ a[k] ≤ every value after it. Values must not be NaN.
 */
export function nthElement(a: Float32Array | Float64Array, lo: number, hi: number, k: number): void {
  // Two lopsided partitions per halving of the range are allowed before giving up on pivots.
  let budget = 2 * (32 - Math.clz32(hi - lo + 1)) + 4;
  while (hi - lo > 12) {
    if (--budget < 0) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const mid = (lo + hi) >>> 1;
    swap(a, mid, lo + 1);
    if (a[lo] > a[hi]) swap(a, lo, hi);
    if (a[lo + 1] > a[hi]) swap(a, lo + 1, hi);
    if (a[lo] > a[lo + 1]) swap(a, lo, lo + 1);
    // a[lo] ≤ pivot ≤ a[hi] act as sentinels for the two scans.
    const pivot = a[lo + 1];
    let i = lo + 1;
    let j = hi;
    for (;;) {
      do i++;
      while (a[i] < pivot);
      do j--;
      while (a[j] > pivot);
      if (j < i) break;
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    a[lo + 1] = a[j];
    a[j] = pivot;
    if (j >= k) hi = j - 1;
    if (j <= k) lo = i;
  }
  insertionSort(a, lo, hi);
}

/** Sorts a[lo..hi] (inclusive) in place; for the short ranges selection ends on. */
export function insertionSort(a: Float32Array | Float64Array, lo: number, hi: number): void {
  for (let i = lo + 1; i <= hi; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

/** The largest of a[lo..hi] (inclusive). */
export function maxOf(a: Float32Array | Float64Array, lo: number, hi: number): number {
  let m = a[lo];
  for (let i = lo + 1; i <= hi; i++) if (a[i] > m) m = a[i];
  return m;
}

function swap(a: Float32Array | Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
