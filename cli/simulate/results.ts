/**
 * The simulation's results as plain data, built from the hub's round records, plus the paper's
 * reference numbers (Lee 2021, Tables 3 and 4) to print next to them.
 */
import type { RoundRecord } from '../../core/wire/protocol.ts';
import { simPicksFromRecord, type SimPicks } from './picks.ts';

export interface SimLocal {
  participant: string;
  accuracy: number | null;
  testAccuracy: number | null;
  /** Samples its update was trained on (absent in results written before this field existed). */
  samples?: number | null;
}

export interface SimRound {
  round: number;
  local: SimLocal[];
  /** The job's method: the one whose weights drive the next round. */
  unified: { method: string; hubAccuracy: number | null };
  /** Hub test accuracy of every compared method on the same updates. */
  methods: Record<string, number | null>;
  unifiedLocal: { participant: string; accuracy: number | null }[];
  /** How the round's updates were protected and the (ε, δ) spent up to it (ε null without DP). */
  privacy?: { mechanism: string; epsilon: number | null; delta: number | null };
  /** Participants whose update the hub flagged as an outlier this round. */
  outliers?: string[];
  /** Per layer, which participant's value max and absmax took and their distance from avg. */
  picks?: SimPicks;
}

export interface SimResults {
  env: string;
  method: string;
  participants: number;
  seed: number;
  limit: number | null;
  rounds: SimRound[];
  config: Record<string, unknown>;
  backend: string;
  durationSec: number;
}

/** One results row from a hub round record; participants in the order of `names`. */
export function roundFromRecord(rec: RoundRecord, names: string[]): SimRound {
  const byName = new Map(rec.participants.map((p) => [p.name, p]));
  const methods: Record<string, number | null> = {};
  for (const m of rec.methods) methods[m.method] = m.hubAccuracy;
  const picks = simPicksFromRecord(rec, names);
  return {
    round: rec.round,
    local: names.map((n) => ({
      participant: n,
      accuracy: byName.get(n)?.localAccuracy ?? null,
      testAccuracy: byName.get(n)?.localTestAccuracy ?? null,
      samples: byName.get(n)?.samples ?? null,
    })),
    unified: { method: rec.method, hubAccuracy: rec.hubAccuracy ?? methods[rec.method] ?? null },
    methods,
    unifiedLocal: names.map((n) => ({
      participant: n,
      accuracy: byName.get(n)?.unifiedLocalAccuracy ?? null,
    })),
    outliers: rec.participants.filter((p) => p.outlier).map((p) => p.name),
    ...(picks ? { picks } : {}),
  };
}

/** The method columns of a results table: every compared method and the job's, in a stable order. */
export function methodColumns(results: SimResults): string[] {
  const seen = new Set<string>();
  for (const r of results.rounds) for (const m of Object.keys(r.methods)) seen.add(m);
  seen.add(results.method);
  const order = ['avg', 'weighted-avg', 'max', 'absmax', 'absmax-magnitude', 'median', 'trimmed-mean'];
  const rank = (m: string) => (order.includes(m) ? order.indexOf(m) : order.length);
  return [...seen].sort((a, b) => rank(a) - rank(b));
}

/** One row of the paper's tables: two local accuracies, then avg/max/absmax, in percent. */
export interface PaperRow {
  epoch: number;
  local: [number, number];
  avg: number;
  max: number;
  absmax: number;
}

/** Lee 2021, Table 3 (V-environment) and Table 4 (H-environment); epoch 5000 is the final row. */
export const PAPER_REFERENCE: Record<'V' | 'H', PaperRow[]> = {
  V: [
    { epoch: 1, local: [91.41, 91.51], avg: 76.13, max: 18.28, absmax: 71.1 },
    { epoch: 2, local: [92.43, 92.13], avg: 93.0, max: 85.32, absmax: 91.53 },
    { epoch: 3, local: [92.46, 92.96], avg: 93.44, max: 58.03, absmax: 92.5 },
    { epoch: 5000, local: [93.26, 92.43], avg: 93.73, max: 89.6, absmax: 93.22 },
  ],
  H: [
    { epoch: 1, local: [93.71, 98.33], avg: 47.33, max: 11.49, absmax: 47.08 },
    { epoch: 2, local: [94.58, 98.28], avg: 56.4, max: 49.51, absmax: 56.95 },
    { epoch: 3, local: [95.01, 98.48], avg: 64.49, max: 27.14, absmax: 62.76 },
    { epoch: 5000, local: [95.02, 98.41], avg: 78.68, max: 71.49, absmax: 70.73 },
  ],
};

/** An accuracy (0..1) as a percentage with two decimals, or '–' when absent. */
export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '–' : `${(x * 100).toFixed(2)}%`;
}
