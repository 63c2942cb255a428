/**
 * Rényi-DP accountant for the sampled Gaussian mechanism (Mironov, "Rényi Differential Privacy",
 * CSF 2017; Mironov, Talwar, Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism",
 * 2019, §3.2, integer orders). One step samples each record (here: each participant) with
 * probability q and adds N(0, (zC)²) to the sum of updates clipped to C. For integer α ≥ 2,
 *   A_α = Σ_{i=0}^{α} C(α,i) (1−q)^{α−i} q^i exp((i²−i)/(2z²)),   RDP_α = log(A_α)/(α−1)
 * per step; RDP composes additively over steps. Conversion to (ε, δ):
 *   standard (Mironov 2017, Prop. 3):  ε = min_α  T·RDP_α + log(1/δ)/(α−1)
 *   tighter (Balle et al. 2020, Thm. 21; Canonne, Kamath, Steinke 2020):
 *                                      ε = min_α  T·RDP_α + log((α−1)/α) − (log δ + log α)/(α−1)
 * Only integer orders are used (the closed form above is exact for them); the fractional orders
 * of Opacus/TF-privacy's list can only lower ε slightly.
 */

/** Integer Rényi orders searched: 2..64 (as in Opacus/TF-privacy's integer part) and a few larger. */
export const DEFAULT_ORDERS: readonly number[] = [
  ...Array.from({ length: 63 }, (_, i) => i + 2),
  80,
  96,
  128,
  192,
  256,
  512,
];

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** log A_α for the sampled Gaussian mechanism at integer α (log-space sum of the binomial expansion). */
export function logA(q: number, z: number, alpha: number): number {
  let logBinom = 0; // log C(α, 0)
  let acc = -Infinity;
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinom += Math.log(alpha - i + 1) - Math.log(i);
    const term = logBinom + i * logQ + (alpha - i) * log1mQ + (i * i - i) / (2 * z * z);
    acc = logAdd(acc, term);
  }
  return acc;
}

/** RDP of one step of the sampled Gaussian mechanism at integer order α. */
export function rdpSampledGaussian(q: number, z: number, alpha: number): number {
  if (!Number.isInteger(alpha) || alpha < 2) throw new Error(`order α must be an integer ≥ 2, got ${alpha}`);
  if (!(q >= 0 && q <= 1)) throw new Error(`the sample rate must be in [0, 1], got ${q}`);
  if (!(z >= 0) || !Number.isFinite(z)) throw new Error(`the noise multiplier must be ≥ 0, got ${z}`);
  if (q === 0) return 0;
  if (z === 0) return Infinity;
  if (q === 1) return alpha / (2 * z * z);
  return logA(q, z, alpha) / (alpha - 1);
}

/** How RDP is turned into (ε, δ). */
export type RdpConversion = 'standard' | 'tight';

/** The (ε, δ) of T steps, minimized over the orders; also the best order. */
export function epsilonFromRdp(
  orders: readonly number[],
  rdp: readonly number[],
  delta: number,
  conversion: RdpConversion,
): { epsilon: number; order: number } {
  if (!(delta > 0 && delta < 1)) throw new Error(`δ must be in (0, 1), got ${delta}`);
  let best = { epsilon: Infinity, order: orders[0]! };
  orders.forEach((a, k) => {
    const r = rdp[k]!;
    const eps =
      conversion === 'standard'
        ? r + Math.log(1 / delta) / (a - 1)
        : r + Math.log((a - 1) / a) - (Math.log(delta) + Math.log(a)) / (a - 1);
    if (eps < best.epsilon) best = { epsilon: Math.max(0, eps), order: a };
  });
  return best;
}

/** What a private training run costs. */
export interface PrivacySpent {
  /** ε with the tighter conversion (the number to report). */
  epsilon: number;
  /** ε with the standard conversion (an upper bound on `epsilon`). */
  epsilonStandard: number;
  delta: number;
  /** The Rényi order that gave `epsilon`. */
  order: number;
}

/** (ε, δ) after `steps` steps of the sampled Gaussian mechanism with rate q and noise multiplier z. */
export function privacySpent(opts: {
  noiseMultiplier: number;
  sampleRate: number;
  steps: number;
  delta: number;
  orders?: readonly number[];
}): PrivacySpent {
  const { noiseMultiplier: z, sampleRate: q, steps, delta } = opts;
  if (!Number.isInteger(steps) || steps < 0)
    throw new Error(`steps must be a non-negative integer, got ${steps}`);
  const orders = opts.orders ?? DEFAULT_ORDERS;
  const rdp = orders.map((a) => steps * rdpSampledGaussian(q, z, a));
  const tight = epsilonFromRdp(orders, rdp, delta, 'tight');
  const standard = epsilonFromRdp(orders, rdp, delta, 'standard');
  return { epsilon: tight.epsilon, epsilonStandard: standard.epsilon, delta, order: tight.order };
}

/** The smallest noise multiplier (to 0.1 %) whose ε after `steps` steps is at most `targetEpsilon`. */
export function noiseForEpsilon(opts: {
  targetEpsilon: number;
  sampleRate: number;
  steps: number;
  delta: number;
}): number {
  const { targetEpsilon, sampleRate, steps, delta } = opts;
  if (!(targetEpsilon > 0) || !Number.isFinite(targetEpsilon))
    throw new Error(`the target ε must be a positive number, got ${targetEpsilon}`);
  const eps = (z: number): number => privacySpent({ noiseMultiplier: z, sampleRate, steps, delta }).epsilon;
  let lo = 0;
  let hi = 1;
  while (eps(hi) > targetEpsilon) {
    lo = hi;
    hi *= 2;
    if (hi > 1e6) throw new Error(`no noise multiplier up to 1e6 reaches ε = ${targetEpsilon}`);
  }
  while (hi - lo > 1e-3 * hi) {
    const mid = (lo + hi) / 2;
    if (eps(mid) > targetEpsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}
