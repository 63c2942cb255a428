/**
 * Which owner's value the paper's max (eq. 5) and signed absmax (eq. 6, sign kept) pick, per
 * coordinate, and how far their unified weights land from avg (eq. 4) — gathered while a round's
 * updates stream in, in O(model) memory (the hub keeps no update after its round is unified).
 *
 * Why: max of K independently trained values sits above their mean by E[max] − mean (for K = 2,
 * exactly |a − b| / 2 per coordinate), so max shifts every weight upward; absmax picks by
 * magnitude and keeps the sign, so its shift from avg is symmetric. The per-layer figures here
 * (shares per owner, ties, relative L2 distance from avg, mean signed shift) measure both.
 * Pure: no I/O, no clock; arrival order changes nothing but which value absmax keeps at a tie.
 */
import { UnifyError } from './unify.ts';

/** The most participants the per-coordinate pick index can name (255 marks a tie). */
export const PICK_INDEX_LIMIT = 254;
const TIE = 255;

/** One rule's picks in one layer. */
export interface RulePicks {
  /** Share of the layer's coordinates whose value came from each participant alone (order of `participants`). */
  shares: number[];
  /** Share of coordinates where two or more participants held the picked value (max) or magnitude (absmax). */
  ties: number;
  /** ‖u − avg‖ / ‖avg‖ over the layer; null when avg is all zeros. */
  distance: number | null;
  /** mean(u − avg) over the layer: max's upward bias; near 0 for a symmetric rule. */
  shift: number;
}

/** One layer (weight tensor of the manifest) of a round. */
export interface LayerPicks {
  name: string;
  size: number;
  /** Root mean square of avg's values: the scale `shift` compares with. */
  avgRms: number;
  /** ‖avg − global‖ / ‖global‖: how far the round moved this layer; null when global is all zeros. */
  step: number | null;
  max: RulePicks;
  absmax: RulePicks;
}

/** A round's pick statistics: participants (sorted ids) and one entry per layer. */
export interface RoundPicks {
  participants: string[];
  layers: LayerPicks[];
}

/** A streaming tracker of max and absmax picks over one round's updates. */
export interface PickTracker {
  /** Participants added so far. */
  readonly count: number;
  /** Bytes the tracker holds. */
  readonly memoryBytes: number;
  /** Folds one participant's weights (manifest order); each participant once. */
  add(participantId: string, weights: Float32Array[]): void;
  /** The per-layer statistics, given the round's avg result and the global model it started from. */
  finish(avg: Float32Array[], global: Float32Array[]): RoundPicks;
}

/** Starts a tracker over tensors named `names` with `lengths` values each (manifest order). */
export function createPickTracker(names: string[], lengths: number[]): PickTracker {
  if (names.length !== lengths.length) {
    throw new UnifyError(`${names.length} layer names for ${lengths.length} tensors`);
  }
  const maxVal = lengths.map((n) => new Float32Array(n));
  const absVal = lengths.map((n) => new Float32Array(n));
  const maxWho = lengths.map((n) => new Uint8Array(n));
  const absWho = lengths.map((n) => new Uint8Array(n));
  const ids: string[] = [];
  return {
    get count() {
      return ids.length;
    },
    get memoryBytes() {
      return lengths.reduce((a, n) => a + 10 * n, 0);
    },
    add(participantId, weights) {
      if (ids.includes(participantId)) {
        throw new UnifyError(`participant ${participantId} was already counted in this round's picks`);
      }
      if (ids.length >= PICK_INDEX_LIMIT) {
        throw new UnifyError(`pick statistics name at most ${PICK_INDEX_LIMIT} participants`);
      }
      checkLengths(weights, lengths, 'update');
      const k = ids.length;
      for (let t = 0; t < lengths.length; t++) {
        if (k === 0) seed(weights[t], maxVal[t], absVal[t]);
        else fold(weights[t], k, maxVal[t], maxWho[t], absVal[t], absWho[t]);
      }
      ids.push(participantId);
    },
    finish(avg, global) {
      if (ids.length === 0) throw new UnifyError('no updates: pick statistics need at least one');
      checkLengths(avg, lengths, 'avg');
      checkLengths(global, lengths, 'global model');
      // Shares are reported in sorted id order, so the record does not depend on arrival order.
      const order = ids.map((id, k) => ({ id, k })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const layers = names.map((name, t) => {
        const a = avg[t];
        return {
          name,
          size: lengths[t],
          avgRms: lengths[t] > 0 ? Math.sqrt(sumSq(a) / lengths[t]) : 0,
          step: relative(global[t], a),
          max: rule(maxVal[t], maxWho[t], a, order),
          absmax: rule(absVal[t], absWho[t], a, order),
        };
      });
      return { participants: order.map((o) => o.id), layers };
    },
  };
}

function checkLengths(weights: Float32Array[], lengths: number[], what: string): void {
  if (weights.length !== lengths.length) {
    throw new UnifyError(`${what} has ${weights.length} tensors, expected ${lengths.length}`);
  }
  weights.forEach((w, t) => {
    if (w.length !== lengths[t]) {
      throw new UnifyError(`${what} tensor ${t}: length ${w.length}, expected ${lengths[t]}`);
    }
  });
}

function seed(w: Float32Array, maxVal: Float32Array, absVal: Float32Array): void {
  maxVal.set(w);
  absVal.set(w);
}

/** Folds participant k's tensor: a strictly larger value takes the pick, an equal one makes a tie. */
function fold(
  w: Float32Array,
  k: number,
  maxVal: Float32Array,
  maxWho: Uint8Array,
  absVal: Float32Array,
  absWho: Uint8Array,
): void {
  for (let i = 0; i < w.length; i++) {
    const v = w[i];
    if (v > maxVal[i]) {
      maxVal[i] = v;
      maxWho[i] = k;
    } else if (v === maxVal[i]) maxWho[i] = TIE;
    const m = Math.abs(v);
    const cur = Math.abs(absVal[i]);
    if (m > cur) {
      absVal[i] = v;
      absWho[i] = k;
    } else if (m === cur) absWho[i] = TIE; // the earlier value stays, as in the absmax accumulator
  }
}

function rule(u: Float32Array, who: Uint8Array, avg: Float32Array, order: { k: number }[]): RulePicks {
  const counts = new Array<number>(order.length + 1).fill(0);
  let d2 = 0;
  let diff = 0;
  for (let i = 0; i < u.length; i++) {
    counts[who[i] === TIE ? order.length : who[i]]++;
    const d = u[i] - avg[i];
    d2 += d * d;
    diff += d;
  }
  const n = u.length;
  const share = (c: number) => (n > 0 ? c / n : 0);
  const norm = Math.sqrt(sumSq(avg));
  return {
    shares: order.map((o) => share(counts[o.k])),
    ties: share(counts[order.length]),
    distance: norm > 0 ? Math.sqrt(d2) / norm : d2 === 0 ? 0 : null,
    shift: n > 0 ? diff / n : 0,
  };
}

/** ‖b − a‖ / ‖a‖, null when a is all zeros and b is not. */
function relative(a: Float32Array, b: Float32Array): number | null {
  let d2 = 0;
  for (let i = 0; i < a.length; i++) {
    const d = b[i] - a[i];
    d2 += d * d;
  }
  const norm = Math.sqrt(sumSq(a));
  return norm > 0 ? Math.sqrt(d2) / norm : d2 === 0 ? 0 : null;
}

function sumSq(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}
