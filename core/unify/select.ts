/**
 * Selection (the k-th smallest of a range), for the order-statistic methods. `selectValue` is
 * quickselect with a branch-free partition (each value is written to both ends of a second
 * buffer and one cursor advances), so its speed does not depend on the branch predictor guessing
 * comparisons of random data. `nthElement` is the classic in-place introselect. Both fall back to
 * a full sort when partitions keep coming out lopsided, so adversarial values cannot make them quadratic.
 */

/**
 * The k-th smallest (0-based) of a[lo .. lo + n). Destroys a[lo .. lo + n) and tmp[0 .. n).
 * Values must not be NaN. With `stats`, also stats[0] = the (k−1)-th smallest (-Infinity when
 * k = 0), stats[1] = the float64 sum of the k smallest and stats[2] = that of the values ranked
 * above k: each part dropped is summed (and, below the target, its maximum kept: a running
 * maximum, whose branch is almost always predicted) as it is dropped, so ties are counted by
 * rank exactly as a sort would, and no sum is a difference of larger sums. With `sums` false,
 * stats[2] is not computed.
 */
export function selectValue(
  a: Float32Array,
  lo: number,
  n: number,
  k: number,
  tmp: Float32Array,
  stats?: Float64Array,
  sums = true,
): number {
  // The sums cost a pass over each dropped part; the median of an even count needs only stats[0].
  const above = stats !== undefined && sums;
  let lower = -Infinity;
  let sumBelow = 0;
  let sumAbove = 0;
  let src = a;
  let s0 = lo;
  let other = tmp;
  let o0 = 0;
  let budget = 2 * (32 - Math.clz32(n)) + 8;
  while (n > 24) {
    if (--budget < 0) break;
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
    const was = src;
    const wasStart = s0;
    if (k < below) {
      if (above) {
        let sum = 0;
        for (let i = l, e = o0 + n; i < e; i++) sum += other[i];
        sumAbove += sum;
      }
      n = below;
      src = other;
      s0 = o0;
    } else if (below > 0) {
      // Everything dropped now is below the target and above everything dropped before.
      if (stats) {
        let m = other[o0];
        let sum = 0;
        for (let i = o0; i < l; i++) {
          const v = other[i];
          sum += v;
          if (v > m) m = v;
        }
        lower = m;
        sumBelow += sum;
      }
      n -= below;
      k -= below;
      src = other;
      s0 = l;
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
        if (stats) {
          stats[0] = k > 0 ? p : lower;
          stats[1] = sumBelow + k * p;
          let sum = (equal - k - 1) * p;
          for (let i = e, end = s0 + n; i < end; i++) sum += src[i];
          stats[2] = sumAbove + sum;
        }
        return p;
      }
      lower = p;
      sumBelow += equal * p;
      n -= equal;
      k -= equal;
      s0 = e;
      continue;
    }
    other = was;
    o0 = wasStart;
  }
  if (n > 24) src.subarray(s0, s0 + n).sort();
  else nthElement(src, s0, s0 + n - 1, s0 + k);
  if (stats) {
    for (let i = s0; i < s0 + k; i++) {
      const v = src[i];
      sumBelow += v;
      if (v > lower) lower = v;
    }
    let sum = 0;
    for (let i = s0 + k + 1, e = s0 + n; i < e; i++) sum += src[i];
    stats[0] = lower;
    stats[1] = sumBelow;
    stats[2] = sumAbove + sum;
  }
  return src[s0 + k];
}

/**
 * The a-th and b-th smallest (a < b) of s[lo .. lo + n) into out[0], out[1], and the float64 sum
 * of the values ranked a … b into out[2]; s is left untouched. One partition around a middle
 * pivot, then each rank selected in its own part (about 3n values visited instead of 4.4n for two
 * separate selections); when the pivot does not fall between them, two selections and one pass.
 * work and tmp hold n values each.
 */
export function selectTwo(
  s: Float32Array,
  lo: number,
  n: number,
  a: number,
  b: number,
  work: Float32Array,
  tmp: Float32Array,
  out: Float64Array,
): void {
  const stats = scratchStats;
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
      out[0] = selectValue(tmp, 0, l, a, work, stats);
      const keptLow = out[0] + stats[2];
      out[1] = selectValue(tmp, l, n - l, b - l, work, stats);
      out[2] = keptLow + stats[1] + out[1];
      return;
    }
  }
  work.set(s.subarray(lo, lo + n));
  const va = selectValue(work, 0, n, a, tmp);
  work.set(s.subarray(lo, lo + n));
  const vb = selectValue(work, 0, n, b, tmp);
  out[0] = va;
  out[1] = vb;
  out[2] = sumRanked(s, lo, n, a, b, va, vb);
}

/** Sum of the values ranked a … b of s[lo .. lo + n), given the values va, vb at those ranks. */
function sumRanked(
  s: Float32Array,
  lo: number,
  n: number,
  a: number,
  b: number,
  va: number,
  vb: number,
): number {
  if (va === vb) return (b - a + 1) * va;
  // Strictly between va and vb, plus the copies of va ranked ≥ a and of vb ranked ≤ b.
  let between = 0;
  let notAboveA = 0;
  let belowB = 0;
  for (let i = lo, e = lo + n; i < e; i++) {
    const v = s[i];
    const gtA = +(v > va);
    const ltB = +(v < vb);
    between += v * (gtA & ltB);
    notAboveA += 1 - gtA;
    belowB += ltB;
  }
  return between + (notAboveA - a) * va + (b + 1 - belowB) * vb;
}

const scratchStats = new Float64Array(3);

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
