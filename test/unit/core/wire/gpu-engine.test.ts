import { describe, expect, it } from 'vitest';
import { gpuEnvelopeSchema, gpuRequestSchema, parseGpuResult } from '../../../../core/wire/gpu-engine.ts';
import { PAPER_CNN } from '../../../../core/model/spec.ts';

describe('GPU engine contract', () => {
  it('turns any binary view into an aligned Float32Array copy (socket.io delivers Buffers at odd offsets)', () => {
    const values = new Float32Array([1.5, -2, 3.25]);
    const bytes = Buffer.concat([Buffer.from([9]), Buffer.from(values.buffer)]).subarray(1);
    const parsed = gpuRequestSchema.parse({
      type: 'train',
      images: bytes,
      labels: new Int32Array([4]).buffer,
      learningRate: 0.01,
      seed: 1,
    });
    expect(parsed.type === 'train' && Array.from(parsed.images)).toEqual([1.5, -2, 3.25]);
    expect(parsed.type === 'train' && parsed.labels).toBeInstanceOf(Int32Array);
  });

  it('refuses tensors that are not binary or not whole 4-byte values, saying which field', () => {
    const bad = [
      { type: 'gradients', images: [1, 2, 3], labels: new Int32Array(1) },
      { type: 'gradients', images: new Uint8Array(6), labels: new Int32Array(1) },
    ];
    for (const request of bad) {
      const r = gpuRequestSchema.safeParse(request);
      expect(r.success).toBe(false);
      expect(r.error?.issues[0].path).toEqual(['images']);
      expect(r.error?.issues[0].message).toMatch(/binary data of 4-byte values/);
    }
  });

  it('refuses unknown request types, backends and a learning rate that is not a positive number', () => {
    expect(gpuEnvelopeSchema.safeParse({ id: 1, request: { type: 'eval' } }).success).toBe(false);
    expect(gpuRequestSchema.safeParse({ type: 'init', backend: 'cuda' }).success).toBe(false);
    expect(
      gpuRequestSchema.safeParse({
        type: 'load',
        spec: PAPER_CNN,
        weights: [],
        optimizer: 'adam',
        learningRate: Number.NaN,
      }).success,
    ).toBe(false);
  });

  it('checks a result against the request it answers', () => {
    expect(parseGpuResult('train', { loss: 0.5, correct: 3, samples: 4 })).toEqual({
      loss: 0.5,
      correct: 3,
      samples: 4,
    });
    expect(() => parseGpuResult('train', { loss: Number.POSITIVE_INFINITY, correct: 3, samples: 4 })).toThrow(
      /malformed 'train' result/,
    );
    expect(() => parseGpuResult('weights', { weights: ['x'] })).toThrow(/malformed 'weights' result/);
  });
});
