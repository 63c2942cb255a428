import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createAccumulator, isStreaming, STREAMING_METHODS } from '../../../../core/unify/streaming.ts';
import { unify, UnifyError } from '../../../../core/unify/unify.ts';
import type { Update, UnifyMethod } from '../../../../core/unify/types.ts';

/** Updates over 1-3 tensors of 1-6 values, finite and bounded so float64 sums stay well-conditioned. */
const updatesArb = fc
  .array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 })
  .chain((lengths) =>
    fc.array(
      fc.tuple(
        fc.tuple(
          ...lengths.map((n) =>
            fc.float32Array({
              minLength: n,
              maxLength: n,
              min: -1e6,
              max: 1e6,
              noNaN: true,
              noDefaultInfinity: true,
            }),
          ),
        ),
        fc.integer({ min: 1, max: 1000 }),
      ),
      { minLength: 1, maxLength: 12 },
    ),
  )
  .map((raw): Update[] => raw.map(([weights, samples]) => ({ weights: [...weights], samples })));

const lengthsOf = (updates: Update[]) => updates[0].weights.map((t) => t.length);

function streamed(method: UnifyMethod, updates: Update[]): Float32Array[] {
  const acc = createAccumulator(method, lengthsOf(updates));
  for (const u of updates) acc.add(u);
  return acc.result();
}

describe('streaming unification equals the batch methods', () => {
  for (const method of ['max', 'absmax', 'absmax-magnitude'] as const) {
    it(`${method}: bit-exact for any updates in the same order`, () => {
      fc.assert(
        fc.property(updatesArb, (updates) => {
          const a = streamed(method, updates).map((t) => Array.from(t, (v) => v + 0));
          const b = unify(method, updates).map((t) => Array.from(t, (v) => v + 0));
          expect(a).toEqual(b);
        }),
      );
    });
  }

  for (const method of ['avg', 'weighted-avg'] as const) {
    it(`${method}: equal within float32 rounding (float64 sums), also in any arrival order`, () => {
      fc.assert(
        fc.property(updatesArb, fc.boolean(), (updates, reversed) => {
          const order = reversed ? [...updates].reverse() : updates;
          const a = streamed(method, order);
          const b = unify(method, updates);
          a.forEach((t, ti) =>
            t.forEach((v, i) => {
              const scale = Math.max(1, ...updates.map((u) => Math.abs(u.weights[ti][i])));
              expect(Math.abs(v - b[ti][i])).toBeLessThanOrEqual(scale * 1e-6);
            }),
          );
        }),
      );
    });
  }

  it('methods that need every value keep the updates and report their memory', () => {
    fc.assert(
      fc.property(updatesArb, (updates) => {
        const acc = createAccumulator('median', lengthsOf(updates));
        for (const u of updates) acc.add(u);
        expect(acc.streaming).toBe(false);
        expect(acc.memoryBytes).toBe(updates.length * lengthsOf(updates).reduce((a, n) => a + 4 * n, 0));
        expect(acc.result()).toEqual(unify('median', updates));
      }),
    );
  });

  it('a streaming accumulator holds one model whatever the number of updates', () => {
    const acc = createAccumulator('avg', [1000]);
    for (let k = 0; k < 50; k++) acc.add({ weights: [new Float32Array(1000).fill(k)], samples: 1 });
    expect(acc.memoryBytes).toBe(8 * 1000);
    expect(acc.count).toBe(50);
    expect(acc.result()[0][0]).toBe(24.5);
  });

  it('only avg, weighted-avg and the extremes stream', () => {
    expect(STREAMING_METHODS.every(isStreaming)).toBe(true);
    expect(isStreaming('median')).toBe(false);
    expect(isStreaming('trimmed-mean')).toBe(false);
  });

  it('refuses a wrong shape, a non-finite value and an empty result with a clear error', () => {
    const acc = createAccumulator('avg', [2]);
    expect(() => acc.result()).toThrow(/no updates/);
    expect(() => acc.add({ weights: [new Float32Array(3)], samples: 1 })).toThrow(UnifyError);
    expect(() => acc.add({ weights: [new Float32Array([1, NaN])], samples: 1 })).toThrow(/NaN/);
    expect(acc.count).toBe(0);
  });
});
