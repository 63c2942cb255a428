import { describe, expect, it } from 'vitest';
import {
  attackData,
  attackSamples,
  attackWeights,
  parseAttack,
} from '../../../../core/participant/attack.ts';
import type { LoadedData } from '../../../../core/participant/types.ts';

const w = () => [new Float32Array([1, -2]), new Float32Array([3])];

describe('research attacks', () => {
  it('parses every kind and refuses what it does not know, saying what it takes', () => {
    expect(parseAttack('scale:1e6')).toEqual({ kind: 'scale', factor: 1e6 });
    expect(parseAttack('gaussian:0.5')).toEqual({ kind: 'gaussian', sigma: 0.5 });
    expect(parseAttack('samples:1e12')).toEqual({ kind: 'samples', count: 1e12 });
    expect(parseAttack('zeros')).toEqual({ kind: 'zeros' });
    expect(() => parseAttack('scale')).toThrow(/scale needs a finite factor/);
    expect(() => parseAttack('gaussian:-1')).toThrow(/positive sigma/);
    expect(() => parseAttack('zeros:3')).toThrow(/takes no argument/);
    expect(() => parseAttack('boom')).toThrow(/scale:FACTOR, zeros, sign-flip/);
  });

  it('corrupts weights as named', () => {
    expect(attackWeights({ kind: 'scale', factor: 10 }, w(), 1).map((t) => Array.from(t))).toEqual([
      [10, -20],
      [30],
    ]);
    expect(attackWeights({ kind: 'zeros' }, w(), 1).map((t) => Array.from(t))).toEqual([[0, 0], [0]]);
    expect(attackWeights({ kind: 'sign-flip' }, w(), 1).map((t) => Array.from(t))).toEqual([[-1, 2], [-3]]);
    const g = attackWeights({ kind: 'gaussian', sigma: 2 }, w(), 7);
    expect(g.flatMap((t) => Array.from(t)).every(Number.isFinite)).toBe(true);
    expect(Array.from(g[0])).not.toEqual([1, -2]);
    expect(attackSamples({ kind: 'samples', count: 99 }, 5)).toBe(99);
  });

  it('flips labels for label-flip and declares the claimed count for samples', () => {
    const data = {
      split: { train: { labels: Int32Array.from([0, 1, 9]), numClasses: 10 }, test: {} },
      summary: { trainSamples: 3 },
    } as unknown as LoadedData;
    expect(Array.from(attackData({ kind: 'label-flip' }, data).split.train.labels)).toEqual([9, 8, 0]);
    expect(attackData({ kind: 'samples', count: 1e12 }, data).summary.trainSamples).toBe(1e12);
  });
});
