/**
 * The SecAgg+ communication graph (Bell et al., CCS 2020, §3): each participant masks with and
 * shares its secrets among k neighbours only, so the cost grows with log K instead of K. The graph
 * is a Harary graph H(k, K) — every node joined to the k/2 nearest positions on each side of a ring
 * — over a random permutation of the participants, drawn from public round randomness so every
 * party derives the same graph and the hub cannot pick neighbourhoods. Small rounds use all pairs.
 */
import { createHmac } from 'node:crypto';

/** At or below this many participants every pair masks (the original Bonawitz et al. 2017 protocol). */
export const ALL_PAIRS_UP_TO = 20;

/** The degree for K participants: all pairs when K is small, else an even 2·⌈1.5·log2 K⌉. */
export function defaultDegree(participants: number): number {
  if (participants <= ALL_PAIRS_UP_TO) return participants - 1;
  return Math.min(participants - 1, 2 * Math.ceil(1.5 * Math.log2(participants)));
}

/**
 * Shares needed to rebuild one participant's secrets. Its share set is itself plus its k neighbours.
 * All-pairs: the round threshold t. Sparse: t scaled to the neighbourhood, and never less than a
 * strict majority of it (Bell et al. need an honest majority per neighbourhood).
 */
export function shareThreshold(participants: number, degree: number, threshold: number): number {
  const setSize = degree + 1;
  if (degree >= participants - 1) return Math.max(2, threshold);
  const scaled = Math.ceil((threshold * setSize) / participants);
  return Math.min(setSize, Math.max(2, scaled, Math.floor(setSize / 2) + 1));
}

/** Unbiased integer in [0, n) from an HMAC-SHA-256 stream keyed by the seed. */
function drawer(seed: Uint8Array): (n: number) => number {
  let counter = 0;
  let pool: Buffer = Buffer.alloc(0);
  let pos = 0;
  const nextWord = (): number => {
    if (pos + 4 > pool.length) {
      pool = createHmac('sha256', seed).update(`fedunify/secagg-graph/${counter++}`).digest();
      pos = 0;
    }
    const w = pool.readUInt32BE(pos);
    pos += 4;
    return w;
  };
  return (n) => {
    const limit = Math.floor(2 ** 32 / n) * n;
    for (;;) {
      const w = nextWord();
      if (w < limit) return w % n;
    }
  };
}

/** Neighbours of every participant (ids sorted, self excluded), from the public seed. */
export function neighbourGraph(
  participants: readonly string[],
  degree: number,
  seed: Uint8Array,
): Map<string, string[]> {
  const ids = [...new Set(participants)].sort();
  if (ids.length !== participants.length) throw new Error('participant ids must be distinct');
  const n = ids.length;
  if (!Number.isInteger(degree) || degree < 1 || degree > n - 1)
    throw new Error(`degree must be an integer in 1..${n - 1}, got ${degree}`);
  const graph = new Map<string, string[]>();
  if (degree === n - 1) {
    for (const id of ids)
      graph.set(
        id,
        ids.filter((o) => o !== id),
      );
    return graph;
  }
  if (degree % 2 !== 0) throw new Error(`a sparse SecAgg+ graph needs an even degree, got ${degree}`);
  // Fisher–Yates with the seeded drawer: the ring order.
  const draw = drawer(seed);
  const ring = [...ids];
  for (let i = n - 1; i > 0; i--) {
    const j = draw(i + 1);
    [ring[i], ring[j]] = [ring[j]!, ring[i]!];
  }
  for (let i = 0; i < n; i++) {
    const near: string[] = [];
    for (let d = 1; d <= degree / 2; d++) near.push(ring[(i + d) % n]!, ring[(i - d + n) % n]!);
    graph.set(ring[i]!, near.sort());
  }
  return graph;
}
