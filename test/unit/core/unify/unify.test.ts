import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { unify, UnifyError, validateUpdates } from '../../../../core/unify/unify.ts';
import { UNIFY_METHODS, type Update } from '../../../../core/unify/types.ts';
import { minParticipantsFor } from '../../../../core/unify/byzantine.ts';

const upd = (samples: number, ...tensors: number[][]): Update => ({
  weights: tensors.map((t) => new Float32Array(t)),
  samples,
});
// `+ 0` folds -0 into 0: the methods promise numerical equality, not sign-of-zero preservation.
const arr = (tensors: Float32Array[]) => tensors.map((t) => Array.from(t, (v) => v + 0));

describe('unify: literal examples', () => {
  const a = upd(1, [1, -4, 2], [0.5]);
  const b = upd(3, [3, 2, -6], [1.5]);

  it('avg is the plain mean (eq. 4)', () => {
    expect(arr(unify('avg', [a, b]))).toEqual([[2, -1, -2], [1]]);
  });

  it('weighted-avg weights by sample count (FedAvg)', () => {
    expect(arr(unify('weighted-avg', [a, b]))).toEqual([[2.5, 0.5, -4], [1.25]]);
  });

  it('max is element-wise (eq. 5)', () => {
    expect(arr(unify('max', [a, b]))).toEqual([[3, 2, 2], [1.5]]);
  });

  it('absmax keeps the signed value of largest magnitude (eq. 6)', () => {
    expect(arr(unify('absmax', [a, b]))).toEqual([[3, -4, -6], [1.5]]);
  });

  it('absmax breaks magnitude ties in favour of the first input', () => {
    expect(arr(unify('absmax', [upd(1, [-2, 2]), upd(1, [2, -2])]))).toEqual([[-2, 2]]);
  });

  it('absmax-magnitude is the literal |w| maximum', () => {
    expect(arr(unify('absmax-magnitude', [a, b]))).toEqual([[3, 4, 6], [1.5]]);
  });

  it('median takes the middle value, or the mean of the two middle ones', () => {
    const c = upd(1, [2, 10, 0], [7]);
    expect(arr(unify('median', [a, b, c]))).toEqual([[2, 2, 0], [1.5]]);
    expect(arr(unify('median', [a, b]))).toEqual([[2, -1, -2], [1]]);
  });

  it('trimmed-mean drops the extremes at each end', () => {
    const ups = [0, 1, 2, 3, 100].map((v) => upd(1, [v]));
    expect(arr(unify('trimmed-mean', ups, { trimBeta: 0.2 }))).toEqual([[2]]);
    expect(arr(unify('trimmed-mean', ups, { trimBeta: 0 }))).toEqual([[21.2].map(Math.fround)]);
  });

  it('trimmed-mean defaults to β = 0.1 (nothing trimmed below 10 inputs)', () => {
    const ups = [0, 1, 2, 3, 4, 5, 6, 7, 8, 1000].map((v) => upd(1, [v]));
    expect(arr(unify('trimmed-mean', ups))).toEqual([[4.5]]);
  });
});

const tensorsArb = fc
  .array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 })
  .chain((lengths) =>
    fc.tuple(
      ...lengths.map((n) =>
        fc.float32Array({ minLength: n, maxLength: n, noNaN: true, noDefaultInfinity: true }),
      ),
    ),
  );
const updatesArb = tensorsArb.chain((first) =>
  fc.array(
    fc.tuple(
      fc.tuple(
        ...first.map((t) =>
          fc.float32Array({ minLength: t.length, maxLength: t.length, noNaN: true, noDefaultInfinity: true }),
        ),
      ),
      fc.integer({ min: 1, max: 1000 }),
    ),
    { minLength: 1, maxLength: 6 },
  ),
);
const toUpdates = (raw: [Float32Array[], number][]): Update[] =>
  raw.map(([weights, samples]) => ({ weights, samples }));
// Bounded values keep sums far from float32 overflow for the mean-based properties.
const boundedUpdatesArb = updatesArb.map((raw) =>
  raw.map(
    ([ws, s]) =>
      [ws.map((t) => t.map((v) => Math.max(-1e6, Math.min(1e6, v)))), s] as [Float32Array[], number],
  ),
);

describe('unify: properties', () => {
  it('unifying identical models returns that model, for every method', () => {
    fc.assert(
      fc.property(boundedUpdatesArb, fc.integer({ min: 1, max: 7 }), (raw, copies) => {
        const model = raw[0][0];
        const ups = Array.from({ length: copies }, (_, i) => ({ weights: model, samples: i + 1 }));
        for (const method of UNIFY_METHODS) {
          // Krum and Bulyan need K ≥ 3 even with f = 0; norm-clip-avg needs the global model.
          if (copies < minParticipantsFor(method, 0)) continue;
          const out = unify(method, ups, { global: model });
          const expected = method === 'absmax-magnitude' ? model.map((t) => t.map(Math.abs)) : model;
          expect(arr(out), method).toEqual(arr(expected));
        }
      }),
    );
  });

  it('max is ≥ every input at every position', () => {
    fc.assert(
      fc.property(updatesArb, (raw) => {
        const ups = toUpdates(raw);
        const out = unify('max', ups);
        for (const u of ups)
          u.weights.forEach((t, ti) => t.forEach((v, i) => expect(out[ti][i]).toBeGreaterThanOrEqual(v)));
      }),
    );
  });

  it('absmax picks one of the inputs at every position', () => {
    fc.assert(
      fc.property(updatesArb, (raw) => {
        const ups = toUpdates(raw);
        const out = unify('absmax', ups);
        out.forEach((t, ti) =>
          t.forEach((v, i) => expect(ups.some((u) => Object.is(u.weights[ti][i], v))).toBe(true)),
        );
      }),
    );
  });

  it('avg lies within [min, max] of the inputs', () => {
    fc.assert(
      fc.property(boundedUpdatesArb, (raw) => {
        const ups = toUpdates(raw);
        const out = unify('avg', ups);
        out.forEach((t, ti) =>
          t.forEach((v, i) => {
            const vals = ups.map((u) => u.weights[ti][i]);
            expect(v).toBeGreaterThanOrEqual(Math.min(...vals));
            expect(v).toBeLessThanOrEqual(Math.max(...vals));
          }),
        );
      }),
    );
  });

  it('weighted-avg equals avg when every sample count is equal', () => {
    fc.assert(
      fc.property(boundedUpdatesArb, fc.integer({ min: 1, max: 100000 }), (raw, n) => {
        const ups = toUpdates(raw).map((u) => ({ ...u, samples: n }));
        const avg = unify('avg', ups);
        const wavg = unify('weighted-avg', ups);
        avg.forEach((t, ti) =>
          t.forEach((v, i) => expect(wavg[ti][i]).toBeCloseTo(v, Math.abs(v) > 1 ? 2 : 5)),
        );
      }),
    );
  });

  it('median and trimmed-mean lie within [min, max] of the inputs', () => {
    fc.assert(
      fc.property(boundedUpdatesArb, (raw) => {
        const ups = toUpdates(raw);
        for (const method of ['median', 'trimmed-mean'] as const) {
          unify(method, ups, { trimBeta: 0.25 }).forEach((t, ti) =>
            t.forEach((v, i) => {
              const vals = ups.map((u) => u.weights[ti][i]);
              expect(v).toBeGreaterThanOrEqual(Math.min(...vals));
              expect(v).toBeLessThanOrEqual(Math.max(...vals));
            }),
          );
        }
      }),
    );
  });
});

describe('validateUpdates: errors', () => {
  it('rejects an empty list', () => {
    expect(() => validateUpdates([])).toThrow(/at least one update/);
  });

  it('names the update, tensor and index of a NaN', () => {
    const bad = upd(1, [0], [0, 0, 0]);
    bad.weights[1][2] = NaN;
    expect(() => validateUpdates([upd(1, [0], [0, 0, 0]), bad])).toThrow(
      new UnifyError('update 1, tensor 1: value NaN at index 2'),
    );
  });

  it('rejects infinite values', () => {
    expect(() => unify('avg', [upd(1, [0, Infinity])])).toThrow(
      'update 0, tensor 0: value Infinity at index 1',
    );
  });

  it('rejects a different tensor count', () => {
    expect(() => unify('max', [upd(1, [0], [1]), upd(1, [0])])).toThrow('update 1: 1 tensors, expected 2');
  });

  it('rejects a different tensor length', () => {
    expect(() => unify('max', [upd(1, [0, 1]), upd(1, [0])])).toThrow(
      'update 1, tensor 0: length 1, expected 2',
    );
  });

  it('checks lengths against expected shapes', () => {
    expect(() => validateUpdates([upd(1, [0, 1, 2])], [[2, 2]])).toThrow(
      'update 0, tensor 0: length 3, expected 4 (shape [2,2])',
    );
  });

  it('rejects non-positive or fractional sample counts', () => {
    expect(() => unify('weighted-avg', [upd(1, [0]), upd(0, [0])])).toThrow(
      'update 1: sample count 0 is not a positive integer',
    );
    expect(() => unify('weighted-avg', [upd(1.5, [0])])).toThrow(/sample count 1.5/);
  });

  it('rejects a trim fraction outside [0, 0.5)', () => {
    expect(() => unify('trimmed-mean', [upd(1, [0])], { trimBeta: 0.5 })).toThrow(/trimBeta 0.5/);
  });

  it('rejects an unknown method', () => {
    expect(() => unify('mode' as never, [upd(1, [0])])).toThrow("unknown unification method 'mode'");
  });
});
