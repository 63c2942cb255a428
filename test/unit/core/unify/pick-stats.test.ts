import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createPickTracker, type RoundPicks } from '../../../../core/unify/pick-stats.ts';
import { unify, UnifyError } from '../../../../core/unify/unify.ts';
import type { Update } from '../../../../core/unify/types.ts';

/** Values from a small integer set (many ties, opposite signs of equal magnitude) or any float. */
const valueArb = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.float({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true }),
);

/** K (2–6) participants with shuffled ids over 1–3 tensors of 1–8 values, plus a global model. */
const roundArb = fc
  .tuple(
    fc.integer({ min: 2, max: 6 }),
    fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 3 }),
  )
  .chain(([k, lengths]) => {
    const model = fc.tuple(...lengths.map((n) => fc.array(valueArb, { minLength: n, maxLength: n })));
    return fc.record({
      ids: fc.shuffledSubarray(['p1', 'p2', 'p3', 'p4', 'p5', 'p6'], { minLength: k, maxLength: k }),
      updates: fc.array(model, { minLength: k, maxLength: k }),
      global: model,
    });
  })
  .map(({ ids, updates, global }) => ({
    ids,
    updates: updates.map((ts) => ts.map((t) => Float32Array.from(t))),
    global: global.map((t) => Float32Array.from(t)),
  }));

/** Asserts a ≈ b to `digits` significant digits (relative: the ratios can be huge for tiny norms). */
function expectNear(a: number | null, b: number | null, digits = 6): void {
  if (b === null) return void expect(a).toBeNull();
  expect(a).not.toBeNull();
  expect(Math.abs((a as number) - b)).toBeLessThanOrEqual(Math.abs(b) * 10 ** -digits + 1e-12);
}

/** d / norm; 0 when both are 0, null for a difference from an all-zero reference. */
function rel(d: number, norm: number): number | null {
  return norm > 0 ? d / norm : d === 0 ? 0 : null;
}

/** The statistics computed directly from all K updates at once (the reference). */
function batch(ids: string[], updates: Float32Array[][], global: Float32Array[]): RoundPicks {
  const asUpdates: Update[] = updates.map((weights) => ({ weights, samples: 1 }));
  const avg = unify('avg', asUpdates);
  const results = { max: unify('max', asUpdates), absmax: unify('absmax', asUpdates) };
  const sorted = [...ids].sort();
  const layers = global.map((g, t) => {
    const n = g.length;
    const a = avg[t];
    const norm = Math.hypot(...a);
    const rule = (r: 'max' | 'absmax') => {
      const key = (v: number) => (r === 'max' ? v : Math.abs(v));
      const counts = new Map<string, number>(sorted.map((id) => [id, 0]));
      let ties = 0;
      for (let i = 0; i < n; i++) {
        const best = Math.max(...updates.map((u) => key(u[t][i])));
        const winners = ids.filter((_, k) => key(updates[k][t][i]) === best);
        if (winners.length > 1) ties++;
        else counts.set(winners[0], (counts.get(winners[0]) ?? 0) + 1);
      }
      const u = results[r][t];
      const diffs = Array.from(u, (v, i) => v - a[i]);
      return {
        shares: sorted.map((id) => (counts.get(id) ?? 0) / n),
        ties: ties / n,
        distance: rel(Math.hypot(...diffs), norm),
        shift: diffs.reduce((s, d) => s + d, 0) / n,
      };
    };
    const gNorm = Math.hypot(...g);
    return {
      name: `t${t}`,
      size: n,
      avgRms: Math.sqrt(a.reduce((s, v) => s + v * v, 0) / n),
      step: rel(Math.hypot(...Array.from(a, (v, i) => v - g[i])), gNorm),
      max: rule('max'),
      absmax: rule('absmax'),
    };
  });
  return { participants: sorted, layers };
}

function streamed(ids: string[], updates: Float32Array[][], global: Float32Array[]): RoundPicks {
  const tracker = createPickTracker(
    global.map((_, t) => `t${t}`),
    global.map((g) => g.length),
  );
  ids.forEach((id, k) => tracker.add(id, updates[k]));
  const avg = unify(
    'avg',
    updates.map((weights) => ({ weights, samples: 1 })),
  );
  return tracker.finish(avg, global);
}

describe('pick statistics streamed equal the batch computation', () => {
  it('shares, ties, distance from avg and mean shift, for K = 2..6 and any arrival order', () => {
    fc.assert(
      fc.property(roundArb, ({ ids, updates, global }) => {
        const got = streamed(ids, updates, global);
        const want = batch(ids, updates, global);
        expect(got.participants).toEqual(want.participants);
        got.layers.forEach((l, t) => {
          const w = want.layers[t];
          expect([l.name, l.size]).toEqual([w.name, w.size]);
          for (const r of ['max', 'absmax'] as const) {
            expect(l[r].shares).toEqual(w[r].shares);
            expect(l[r].ties).toBe(w[r].ties);
            expectNear(l[r].distance, w[r].distance);
            expectNear(l[r].shift, w[r].shift);
          }
          expectNear(l.avgRms, w.avgRms);
          expectNear(l.step, w.step);
        });
      }),
    );
  });

  it('shares and ties of each rule add up to 1', () => {
    fc.assert(
      fc.property(roundArb, ({ ids, updates, global }) => {
        for (const l of streamed(ids, updates, global).layers) {
          for (const r of [l.max, l.absmax]) {
            expect(r.shares.reduce((a, b) => a + b, 0) + r.ties).toBeCloseTo(1, 9);
          }
        }
      }),
    );
  });
});

describe('pick statistics by hand', () => {
  it('K = 2: max picks the larger value and shifts up by |a − b| / 2; absmax keeps signs', () => {
    const t = createPickTracker(['dense/kernel'], [4]);
    t.add('b', [new Float32Array([1, -3, 2, 5])]);
    t.add('a', [new Float32Array([3, -1, 2, -5])]);
    const avg = [new Float32Array([2, -2, 2, 0])];
    const s = t.finish(avg, [new Float32Array([1, 1, 1, 1])]);
    expect(s.participants).toEqual(['a', 'b']);
    const l = s.layers[0];
    // max: coord 0 a, 1 a, 2 tie, 3 b; absmax: 0 a, 1 b, 2 tie, 3 tie (5 vs −5).
    expect(l.max.shares).toEqual([0.5, 0.25]);
    expect(l.max.ties).toBe(0.25);
    expect(l.absmax.shares).toEqual([0.25, 0.25]);
    expect(l.absmax.ties).toBe(0.5);
    // max = [3, −1, 2, 5]: u − avg = [1, 1, 0, 5] = |a − b| / 2 per coordinate.
    expect(l.max.shift).toBe(7 / 4);
    expect(l.max.distance).toBeCloseTo(Math.sqrt(27) / Math.sqrt(12), 12);
    // absmax = [3, −3, 2, 5] (5 arrived first): u − avg = [1, −1, 0, 5].
    expect(l.absmax.shift).toBe(5 / 4);
    expect(l.step).toBeCloseTo(Math.sqrt(1 + 9 + 1 + 1) / 2, 12);
  });

  it('K = 3: a value equal to the running max but below a later one is not a tie', () => {
    const t = createPickTracker(['b'], [2]);
    t.add('p1', [new Float32Array([1, 2])]);
    t.add('p2', [new Float32Array([1, -2])]);
    t.add('p3', [new Float32Array([4, 1])]);
    const s = t.finish([new Float32Array([2, 1 / 3])], [new Float32Array(2)]);
    expect(s.layers[0].max.shares).toEqual([0.5, 0, 0.5]);
    expect(s.layers[0].max.ties).toBe(0);
    expect(s.layers[0].absmax.shares).toEqual([0, 0, 0.5]);
    expect(s.layers[0].absmax.ties).toBe(0.5);
    expect(s.layers[0].step).toBeNull();
  });

  it('one participant supplies every value; avg of zeros gives distance 0 for an equal result', () => {
    const t = createPickTracker(['w'], [2]);
    t.add('only', [new Float32Array([0, 0])]);
    const s = t.finish([new Float32Array([0, 0])], [new Float32Array([0, 0])]);
    expect(s.layers[0].max).toEqual({ shares: [1], ties: 0, distance: 0, shift: 0 });
    expect(s.layers[0].step).toBe(0);
  });

  it('refuses a repeated participant, a wrong shape and an empty round with a clear error', () => {
    const t = createPickTracker(['w'], [2]);
    expect(() => t.finish([new Float32Array(2)], [new Float32Array(2)])).toThrow(/no updates/);
    t.add('p', [new Float32Array(2)]);
    expect(() => t.add('p', [new Float32Array(2)])).toThrow(/already counted/);
    expect(() => t.add('q', [new Float32Array(3)])).toThrow(UnifyError);
    expect(() => t.finish([new Float32Array(2)], [])).toThrow(/global model has 0 tensors/);
    expect(t.count).toBe(1);
    expect(t.memoryBytes).toBe(20);
  });
});
