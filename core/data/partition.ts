/**
 * Dataset helpers and the ways data is divided among owners: the paper's V-environment (IID halves)
 * and H-environment (labels 0–4 vs 5–9) (Lee 2021, section 4), k-way IID, and Dirichlet label skew
 * (Hsu et al. 2019, "Measuring the Effects of Non-Identical Data Distribution"). Deterministic from a seed.
 */
import type { Dataset, OwnerSplit, Partition, PartitionSpec } from './types.ts';
import { mulberry32, seededPermutation, shuffleInPlace } from '../model/random.ts';

// The seeded PRNG and shuffle live in core/model/random.ts (training uses them too); re-exported here
// so data code and its tests keep one import. shuffledIndices(n, seed) is 0..n-1 in an order fixed by seed.
export { mulberry32, shuffleInPlace, seededPermutation as shuffledIndices };

/** Number of samples in a dataset. */
export function sizeOf(ds: Dataset): number {
  return ds.labels.length;
}

/** Copies the samples at `indices` of the virtual concatenation of `sources` (same shape) into one dataset. */
function gather(sources: Dataset[], indices: ArrayLike<number>, source: string): Dataset {
  const [first] = sources;
  const per = first.shape[0] * first.shape[1] * first.shape[2];
  const starts: number[] = [];
  let total = 0;
  for (const s of sources) {
    starts.push(total);
    total += sizeOf(s);
  }
  const images = new Float32Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const g = indices[i];
    if (!Number.isInteger(g) || g < 0 || g >= total)
      throw new RangeError(`sample index ${g} outside 0..${total - 1}`);
    let s = sources.length - 1;
    while (starts[s] > g) s--;
    const local = g - starts[s];
    images.set(sources[s].images.subarray(local * per, (local + 1) * per), i * per);
    labels[i] = sources[s].labels[local];
  }
  return { images, labels, shape: [...first.shape], numClasses: first.numClasses, source };
}

/** The samples of `ds` at `indices`, copied, in that order. */
export function subset(ds: Dataset, indices: ArrayLike<number>, source = ds.source): Dataset {
  return gather([ds], indices, source);
}

/** `a` followed by `b` (same shape and class count). */
export function concat(a: Dataset, b: Dataset, source = `${a.source} + ${b.source}`): Dataset {
  assertCompatible(a, b);
  const all = Int32Array.from({ length: sizeOf(a) + sizeOf(b) }, (_, i) => i);
  return gather([a, b], all, source);
}

/** The first `n` samples of `ds` (all of them when it has fewer), copied. */
export function take(ds: Dataset, n: number): Dataset {
  const count = Math.min(Math.max(0, Math.floor(n)), sizeOf(ds));
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  return {
    ...ds,
    images: ds.images.slice(0, count * per),
    labels: ds.labels.slice(0, count),
  };
}

/** Splits a dataset that has no test set: a seeded `fraction` (default 1/6, Fashion-MNIST's ratio) is held out. */
export function holdOut(ds: Dataset, fraction = 1 / 6, seed = 0): OwnerSplit {
  const order = seededPermutation(sizeOf(ds), seed);
  const nTest = Math.floor(sizeOf(ds) * fraction);
  return {
    train: subset(ds, order.subarray(nTest), `${ds.source} (train part)`),
    test: subset(ds, order.subarray(0, nTest), `${ds.source} (held-out test part)`),
  };
}

/** Throws when two datasets cannot be mixed. */
function assertCompatible(a: Dataset, b: Dataset): void {
  if (a.shape.join('×') !== b.shape.join('×') || a.numClasses !== b.numClasses) {
    throw new Error(
      `cannot combine ${a.source} (${a.shape.join('×')}, ${a.numClasses} classes) with ${b.source} (${b.shape.join('×')}, ${b.numClasses} classes)`,
    );
  }
}

/** Divides train + test among owners as `spec` says (see the file comment); the hub keeps a test set of its own. */
export function partition(train: Dataset, test: Dataset, spec: PartitionSpec): Partition {
  assertCompatible(train, test);
  switch (spec.env) {
    case 'V':
      return iidPartition(train, test, 2, spec.seed, 'V');
    case 'iid':
      return iidPartition(train, test, checkOwners(spec.owners), spec.seed, 'iid');
    case 'H':
      return horizontalPartition(train, test, spec.seed);
    case 'dirichlet':
      if (!(spec.alpha > 0) || !Number.isFinite(spec.alpha)) {
        throw new Error(
          `dirichlet alpha ${spec.alpha} must be a positive number (0.1 = strong skew, 100 ≈ IID)`,
        );
      }
      return dirichletPartition(train, test, checkOwners(spec.owners), spec.alpha, spec.seed);
    default:
      throw new Error(`unknown partition environment '${(spec as { env: string }).env}'`);
  }
}

/** Owner counts must be integers ≥ 1. */
function checkOwners(owners: number): number {
  if (!Number.isInteger(owners) || owners < 1)
    throw new Error(`owner count ${owners} must be an integer ≥ 1`);
  return owners;
}

/** Paper V-environment generalised to k owners: pool all samples, shuffle, re-split train/test, deal equal slices. */
function iidPartition(train: Dataset, test: Dataset, k: number, seed: number, env: string): Partition {
  const nTrain = sizeOf(train);
  const nTest = sizeOf(test);
  const order = seededPermutation(nTrain + nTest, seed);
  const trainPool = order.subarray(0, nTrain);
  const testPool = order.subarray(nTrain);
  const trainShare = Math.floor(nTrain / k);
  const testShare = Math.floor(nTest / k);
  const owners: OwnerSplit[] = [];
  for (let i = 0; i < k; i++) {
    const label = `${train.source} ${env} owner ${i + 1}/${k}`;
    owners.push({
      train: gather(
        [train, test],
        trainPool.subarray(i * trainShare, (i + 1) * trainShare),
        `${label} train`,
      ),
      test: gather([train, test], testPool.subarray(i * testShare, (i + 1) * testShare), `${label} test`),
    });
  }
  return { owners, hubTest: gather([train, test], testPool, `${train.source} ${env} hub test`) };
}

/** Paper H-environment: owner 1 gets classes below half the class count, owner 2 the rest; train/test ratio kept. */
function horizontalPartition(train: Dataset, test: Dataset, seed: number): Partition {
  const nTrain = sizeOf(train);
  const nTest = sizeOf(test);
  const half = Math.ceil(train.numClasses / 2);
  const groups: number[][] = [[], []];
  for (let g = 0; g < nTrain + nTest; g++) {
    const label = g < nTrain ? train.labels[g] : test.labels[g - nTrain];
    groups[label < half ? 0 : 1].push(g);
  }
  const rng = mulberry32(seed);
  const owners: OwnerSplit[] = [];
  const hubIndices: number[] = [];
  groups.forEach((members, i) => {
    const order = shuffleInPlace(Int32Array.from(members), rng);
    const nOwnerTest = Math.round((order.length * nTest) / (nTrain + nTest));
    const cut = order.length - nOwnerTest;
    const classes = i === 0 ? `0–${half - 1}` : `${half}–${train.numClasses - 1}`;
    const label = `${train.source} H owner ${i + 1}/2 (classes ${classes})`;
    owners.push({
      train: gather([train, test], order.subarray(0, cut), `${label} train`),
      test: gather([train, test], order.subarray(cut), `${label} test`),
    });
    pushAll(hubIndices, order.subarray(cut));
  });
  // Shuffled so that `take` on the hub test set keeps both halves of the classes.
  const hubOrder = shuffleInPlace(Int32Array.from(hubIndices), rng);
  return { owners, hubTest: gather([train, test], hubOrder, `${train.source} H hub test`) };
}

/**
 * Dirichlet label skew: for each class, owner shares ~ Dir(α·1_k) over the train set. Each owner's
 * test set follows its own label mix, drawn from the test set without replacement per owner (owners'
 * test sets may overlap; the hub tests on the whole test set).
 */
function dirichletPartition(
  train: Dataset,
  test: Dataset,
  k: number,
  alpha: number,
  seed: number,
): Partition {
  const rng = mulberry32(seed);
  const C = train.numClasses;
  const byClass = (ds: Dataset): number[][] => {
    const out: number[][] = Array.from({ length: C }, () => []);
    ds.labels.forEach((label, i) => out[label].push(i));
    return out;
  };
  const trainByClass = byClass(train);
  const testByClass = byClass(test);
  const ownerTrain: number[][] = Array.from({ length: k }, () => []);
  const counts: number[][] = Array.from({ length: k }, () => new Array<number>(C).fill(0));
  for (let c = 0; c < C; c++) {
    const members = shuffleInPlace(Int32Array.from(trainByClass[c]), rng);
    const shares = sampleDirichlet(alpha, k, rng);
    let cumulative = 0;
    let start = 0;
    for (let j = 0; j < k; j++) {
      cumulative += shares[j];
      const end = j === k - 1 ? members.length : Math.round(cumulative * members.length);
      pushAll(ownerTrain[j], members.subarray(start, end));
      counts[j][c] = end - start;
      start = end;
    }
  }
  const nTrain = sizeOf(train);
  const owners = ownerTrain.map((indices, j): OwnerSplit => {
    const label = `${train.source} dirichlet(α=${alpha}) owner ${j + 1}/${k}`;
    const testSize = Math.round((sizeOf(test) * indices.length) / Math.max(1, nTrain));
    const testIndices: number[] = [];
    for (let c = 0; c < C; c++) {
      const want = indices.length ? Math.round((testSize * counts[j][c]) / indices.length) : 0;
      const pool = shuffleInPlace(Int32Array.from(testByClass[c]), rng);
      pushAll(testIndices, pool.subarray(0, Math.min(want, pool.length)));
    }
    return {
      train: subset(train, shuffleInPlace(Int32Array.from(indices), rng), `${label} train`),
      test: subset(test, shuffleInPlace(Int32Array.from(testIndices), rng), `${label} test`),
    };
  });
  return { owners, hubTest: subset(test, seededPermutation(sizeOf(test), seed), `${test.source} hub test`) };
}

/** Appends without spreading (a spread of a large class would overflow the call stack). */
function pushAll(target: number[], values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) target.push(values[i]);
}

/** A standard normal draw (Box–Muller). */
function sampleNormal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** A Gamma(shape, 1) draw: Marsaglia & Tsang 2000, with the u^(1/a) boost for shape < 1. */
export function sampleGamma(shape: number, rng: () => number): number {
  if (shape < 1) return sampleGamma(shape + 1, rng) * Math.pow(rng(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = sampleNormal(rng);
    let v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Dirichlet(α·1_k) draw: normalised Gamma(α) draws; when every draw underflows (tiny α), one owner gets all. */
export function sampleDirichlet(alpha: number, k: number, rng: () => number): number[] {
  const g = Array.from({ length: k }, () => sampleGamma(alpha, rng));
  const sum = g.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) {
    const pick = Math.floor(rng() * k);
    return g.map((_, j) => (j === pick ? 1 : 0));
  }
  return g.map((x) => x / sum);
}

/** Keeps the first `trainPerOwner` / `testPerOwner` samples of each owner and `hubTest` of the hub's (splits are already shuffled). */
export function limitPartition(
  p: Partition,
  trainPerOwner: number,
  testPerOwner?: number,
  hubTest?: number,
): Partition {
  for (const [name, n] of [
    ['trainPerOwner', trainPerOwner],
    ['testPerOwner', testPerOwner],
    ['hubTest', hubTest],
  ] as const) {
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) {
      throw new Error(`limitPartition: ${name} ${n} must be a positive integer`);
    }
  }
  return {
    owners: p.owners.map((o) => ({
      train: take(o.train, trainPerOwner),
      test: testPerOwner === undefined ? o.test : take(o.test, testPerOwner),
    })),
    hubTest: hubTest === undefined ? p.hubTest : take(p.hubTest, hubTest),
  };
}
