/**
 * Selection (the k-th smallest of a range), for the order-statistic methods. `selectValue` is
 * quickselect with a branch-free partition (each value is written to both ends of a second
 * buffer and one cursor advances), so its speed does not depend on the branch predictor guessing
 * comparisons of random data. `nthElement` is the classic in-place introselect. Both fall back to
 * a full sort when partitions keep coming out lopsided, so adversarial values cannot make them quadratic.
 */

/**
 * The k-th smallest (0-based) of a[lo .. lo + n). Destroys a[lo .. lo + n) and tmp[0 .. n).
 * Values must not be NaN.
 */
export function selectValue(
  a: Float32Array,
  lo: number,
  n: number,
  k: number,
  tmp: Float32Array,
  lowerOut?: Float64Array,
): number {
  // With lowerOut, the (k−1)-th smallest goes to lowerOut[0] (-Infinity when k = 0): the largest
  // value of every part discarded below the target is tracked on the way (a running maximum,
  // whose branch is almost always predicted).
  const wantLower = lowerOut !== undefined;
  let lower = -Infinity;
  let src = a;
  let s0 = lo;
  let other = tmp;
  let o0 = 0;
  let budget = 2 * (32 - Math.clz32(n)) + 8;
  while (n > 24) {
    if (--budget < 0) {
      const range = src.subarray(s0, s0 + n).sort();
      if (lowerOut) lowerOut[0] = k > 0 ? range[k - 1] : lower;
      return range[k];
    }
    const p = pivotOf(src, s0, n);
    let l = o0;
    let h = o0 + n - 1;
    for (let i = s0, e = s0 + n; i < e; i++) {
      const v = src[i];
      const lt = +(v < p);
      other[l] = v;
      other[h] = v;
      l += lt;
      h += lt - 1;
    }
    const below = l - o0;
    if (k < below) {
      n = below;
      [src, s0, other, o0] = [other, o0, src, s0];
    } else if (below > 0) {
      // Everything discarded now is below the target and above everything discarded before.
      if (wantLower) {
        let m = other[o0];
        for (let i = o0 + 1; i < l; i++) if (other[i] > m) m = other[i];
        lower = m;
      }
      n -= below;
      k -= below;
      [src, s0, other, o0] = [other, l, src, s0];
    } else {
      // Nothing below the pivot: it is the minimum. Split off its copies so the range shrinks.
      let e = s0;
      let g = s0 + n - 1;
      for (let i = o0, end = o0 + n; i < end; i++) {
        const v = other[i];
        const eq = +(v <= p);
        src[e] = v;
        src[g] = v;
        e += eq;
        g += eq - 1;
      }
      const equal = e - s0;
      if (k < equal) {
        if (lowerOut) lowerOut[0] = k > 0 ? p : lower;
        return p;
      }
      lower = p;
      n -= equal;
      k -= equal;
      s0 = e;
    }
  }
  nthElement(src, s0, s0 + n - 1, s0 + k);
  if (lowerOut) {
    for (let i = s0; i < s0 + k; i++) if (src[i] > lower) lower = src[i];
    lowerOut[0] = lower;
  }
  return src[s0 + k];
}

/**
 * The a-th and b-th smallest (a < b) of s[lo .. lo + n), leaving s untouched: one partition
 * around a middle pivot, then each rank selected in its own part (about 3n values visited
 * instead of 4.4n for two separate selections). work and tmp hold n values each.
 */
export function selectTwo(
  s: Float32Array,
  lo: number,
  n: number,
  a: number,
  b: number,
  work: Float32Array,
  tmp: Float32Array,
): [number, number] {
  if (n > 24) {
    const p = pivotOf(s, lo, n);
    let l = 0;
    let h = n - 1;
    for (let i = lo, e = lo + n; i < e; i++) {
      const v = s[i];
      const lt = +(v < p);
      tmp[l] = v;
      tmp[h] = v;
      l += lt;
      h += lt - 1;
    }
    if (a < l && b >= l) {
      // Selecting in tmp[0, l) only writes to tmp[0, l) and work[0, l): the upper part survives.
      const va = selectValue(tmp, 0, l, a, work);
      return [va, selectValue(tmp, l, n - l, b - l, work)];
    }
  }
  work.set(s.subarray(lo, lo + n));
  const va = selectValue(work, 0, n, a, tmp);
  work.set(s.subarray(lo, lo + n));
  return [va, selectValue(work, 0, n, b, tmp)];
}

/** Median of three, or of three medians of three (Tukey's ninther) on long ranges: a pivot near the middle. */
function pivotOf(a: Float32Array, lo: number, n: number): number {
  if (n < 256) return median3(a[lo], a[lo + (n >> 1)], a[lo + n - 1]);
  const step = Math.floor(n / 8);
  const m = lo + (n >> 1);
  return median3(
    median3(a[lo], a[lo + step], a[lo + 2 * step]),
    median3(a[m - step], a[m], a[m + step]),
    median3(a[lo + n - 1 - 2 * step], a[lo + n - 1 - step], a[lo + n - 1]),
  );
}

function median3(x: number, y: number, z: number): number {
  if (x < y) return y < z ? y : x < z ? z : x;
  return x < z ? x : y < z ? z : y;
}

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

function swap(a: Float32Array | Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
