/**
 * FOR RESEARCH ONLY: the ways a simulated adversarial participant (`join --attack KIND`) corrupts
 * what it sends, so robust unification methods can be measured against them. An attacker still
 * signs with its own valid key: identity says who sent an update, not that it is honest.
 * Pure functions over plain arrays.
 */
import type { LoadedData } from './types.ts';
import { mulberry32 } from '../model/random.ts';

/** One attack, parsed. */
export type Attack =
  | { kind: 'scale'; factor: number }
  | { kind: 'zeros' }
  | { kind: 'sign-flip' }
  | { kind: 'gaussian'; sigma: number }
  | { kind: 'label-flip' }
  | { kind: 'samples'; count: number };

export const ATTACK_KINDS = 'scale:FACTOR, zeros, sign-flip, gaussian:SIGMA, label-flip, samples:COUNT';

/** Parses "scale:1e6", "zeros", ...; throws an Error naming the accepted forms. */
export function parseAttack(text: string): Attack {
  const [kind, arg, extra] = text.trim().split(':');
  const num = (what: string, check: (n: number) => boolean): number => {
    const n = Number(arg);
    if (arg === undefined || arg === '' || !Number.isFinite(n) || !check(n) || extra !== undefined) {
      throw new Error(
        `attack "${text}": ${kind} needs ${what} (e.g. ${kind}:${kind === 'samples' ? '1e12' : '10'}).`,
      );
    }
    return n;
  };
  const none = () => {
    if (arg !== undefined) throw new Error(`attack "${text}": ${kind} takes no argument.`);
  };
  switch (kind) {
    case 'scale':
      return { kind, factor: num('a finite factor', () => true) };
    case 'gaussian':
      return { kind, sigma: num('a positive sigma', (n) => n > 0) };
    case 'samples':
      return { kind, count: num('a positive whole count', (n) => Number.isSafeInteger(n) && n > 0) };
    case 'zeros':
    case 'sign-flip':
    case 'label-flip':
      none();
      return { kind };
    default:
      throw new Error(`unknown attack "${text}": use one of ${ATTACK_KINDS}.`);
  }
}

/** Standard normal samples from a seeded generator (Box-Muller over mulberry32). */
function gaussianSource(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(uniform() || 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

/** The weights an attacker sends instead of what it trained (unchanged for data and count attacks). */
export function attackWeights(attack: Attack, trained: Float32Array[], seed: number): Float32Array[] {
  switch (attack.kind) {
    case 'scale':
      return trained.map((t) => t.map((v) => v * attack.factor));
    case 'zeros':
      return trained.map((t) => new Float32Array(t.length));
    case 'sign-flip':
      return trained.map((t) => t.map((v) => -v));
    case 'gaussian': {
      const next = gaussianSource(seed);
      return trained.map((t) => t.map(() => next() * attack.sigma));
    }
    default:
      return trained;
  }
}

/** The sample count an attacker claims. */
export function attackSamples(attack: Attack, honest: number): number {
  return attack.kind === 'samples' ? attack.count : honest;
}

/** The local data as an attacker uses it: label-flip trains on class (C-1-c); samples:COUNT also declares COUNT at ready. */
export function attackData(attack: Attack, data: LoadedData): LoadedData {
  if (attack.kind === 'samples') return { ...data, summary: { ...data.summary, trainSamples: attack.count } };
  if (attack.kind !== 'label-flip') return data;
  const train = data.split.train;
  const labels = Int32Array.from(train.labels, (c) => train.numClasses - 1 - c);
  return { ...data, split: { ...data.split, train: { ...train, labels } } };
}
