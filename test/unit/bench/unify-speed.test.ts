import { describe, expect, it } from 'vitest';
import {
  denseModelOf,
  methodsFor,
  randomPaperCnnUpdates,
  randomUpdates,
  timeMethod,
} from '../../../bench/unify-speed.ts';
import { paramCount } from '../../../core/model/manifest.ts';

describe('bench unify', () => {
  it('makes the same paper-CNN updates from the same seed, 106,442 parameters each', () => {
    const a = randomPaperCnnUpdates(2, 5);
    const b = randomPaperCnnUpdates(2, 5);
    expect(a.updates[1].weights.reduce((n, t) => n + t.length, 0)).toBe(106442);
    expect(a.updates[1].weights[0]).toEqual(b.updates[1].weights[0]);
    expect(a.updates[0].weights[0]).not.toEqual(a.updates[1].weights[0]);
  });

  it('skips methods K cannot satisfy, and quadratic ones past --quadratic-max unless named', () => {
    expect(methodsFor(2, undefined, 100, 0).skipped.map((s) => s.method)).toEqual([
      'krum',
      'multi-krum',
      'bulyan',
    ]);
    const big = methodsFor(1000, undefined, 100, 0);
    expect(big.run).not.toContain('krum');
    expect(big.skipped.find((s) => s.method === 'krum')?.why).toMatch(/O\(K²·P\)/);
    expect(methodsFor(1000, ['krum'], 100, 0).run).toEqual(['krum']);
    expect(methodsFor(5, ['bulyan'], 100, 1).skipped[0].why).toBe('needs K ≥ 7');
  });

  it('sizes the dense models of --params to within one hidden unit of the asked count', () => {
    for (const asked of [1_000, 1_000_000, 25_000_000]) {
      const n = paramCount(denseModelOf(asked));
      expect(Math.abs(n - asked)).toBeLessThanOrEqual(795);
    }
    const { updates } = randomUpdates(denseModelOf(10_000), 2, 3);
    expect(updates[0].weights.reduce((n, t) => n + t.length, 0)).toBe(paramCount(denseModelOf(10_000)));
  });

  it('reports a time for a call', () => {
    const { global, updates } = randomPaperCnnUpdates(3, 1);
    const r = timeMethod('median', updates, global, 1);
    expect(r).toMatchObject({ participants: 3, params: 106442, method: 'median', runs: 1 });
    expect(r.ms).toBeGreaterThanOrEqual(0);
  });
});
