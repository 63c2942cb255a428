import { describe, expect, it } from 'vitest';
import {
  initialServerState,
  resolveServerOptimizer,
  serverOptimizerStep,
  type ServerOptimizerConfig,
} from '../../../../core/unify/server-optimizer.ts';

const f = (...v: number[]) => [Float32Array.from(v)];

/** Two rounds from x = 1: unified 1.5 (Δ = 0.5), then unified x₁ + 0.01 (Δ = 0.01). */
function twoSteps(config: ServerOptimizerConfig): { x1: number; x2: number; m2: number; v2: number } {
  let state = initialServerState(config, [1]);
  const s1 = serverOptimizerStep(config, state, f(1), f(1.5));
  state = s1.state;
  const x1 = s1.weights[0][0];
  const s2 = serverOptimizerStep(config, state, s1.weights, f(x1 + 0.01));
  return { x1, x2: s2.weights[0][0], m2: s2.state.m[0][0], v2: s2.state.v[0]?.[0] ?? NaN };
}

const adaptive = (name: ServerOptimizerConfig['name']): ServerOptimizerConfig => ({
  name,
  learningRate: 0.1,
  beta1: 0.9,
  beta2: 0.99,
  tau: 1e-3,
});

describe('server optimizers (Reddi et al. 2021, Algorithm 2)', () => {
  it('none returns the unified weights and leaves the state alone', () => {
    const config = resolveServerOptimizer({});
    const state = initialServerState(config, [2]);
    const out = serverOptimizerStep(config, state, f(1, 2), f(3, 4));
    expect([...out.weights[0]]).toEqual([3, 4]);
    expect(out.state).toBe(state);
  });

  it('FedAvgM: m = βm + Δ, x = x + ηm (hand-computed)', () => {
    const config = resolveServerOptimizer({ serverOptimizer: 'fedavgm', serverMomentum: 0.9 });
    let state = initialServerState(config, [2]);
    const s1 = serverOptimizerStep(config, state, f(1, -2), f(1.5, -2.5));
    expect([...s1.weights[0]]).toEqual([1.5, -2.5]);
    state = s1.state;
    const s2 = serverOptimizerStep(config, state, s1.weights, f(1.6, -2.4));
    // m = 0.9·(0.5, −0.5) + (0.1, 0.1) = (0.55, −0.35); x = (1.5, −2.5) + m.
    expect(s2.state.m[0][0]).toBeCloseTo(0.55, 6);
    expect(s2.state.m[0][1]).toBeCloseTo(-0.35, 6);
    expect(s2.weights[0][0]).toBeCloseTo(2.05, 6);
    expect(s2.weights[0][1]).toBeCloseTo(-2.85, 6);
    expect(s2.state.step).toBe(2);
  });

  it('FedAvgM with η = 1 and β = 0 is plain FedAvg', () => {
    const config = resolveServerOptimizer({ serverOptimizer: 'fedavgm', serverMomentum: 0 });
    const state = serverOptimizerStep(config, initialServerState(config, [2]), f(0, 0), f(5, 5)).state;
    const out = serverOptimizerStep(config, state, f(1, 2), f(0.25, -3));
    expect([...out.weights[0]]).toEqual([0.25, -3]);
  });

  it('FedAdagrad: v = v + Δ² from v₋₁ = τ² (hand-computed)', () => {
    const r = twoSteps(adaptive('fedadagrad'));
    // x₁ = 1 + 0.1·0.05 / (√0.250001 + 0.001)
    expect(r.x1).toBeCloseTo(1.00998002, 6);
    expect(r.m2).toBeCloseTo(0.046, 6);
    expect(r.v2).toBeCloseTo(0.250101, 6);
    expect(r.x2).toBeCloseTo(1.01915981, 5);
  });

  it('FedAdam: v = β2·v + (1 − β2)·Δ², no bias correction (hand-computed)', () => {
    const r = twoSteps(adaptive('fedadam'));
    // v₀ = 0.99·1e-6 + 0.01·0.25 = 0.00250099; x₁ = 1 + 0.005 / (√v₀ + 0.001)
    expect(r.x1).toBeCloseTo(1.09802019, 5);
    expect(r.v2).toBeCloseTo(0.0024769801, 8);
    expect(r.x2).toBeCloseTo(1.18862618, 5);
  });

  it('FedYogi: v = v − (1 − β2)·Δ²·sign(v − Δ²) (grows at first, then shrinks; hand-computed)', () => {
    const r = twoSteps(adaptive('fedyogi'));
    // Step 1: sign(1e-6 − 0.25) = −1, v = 1e-6 + 0.0025. Step 2: sign(0.002501 − 1e-4) = +1, v = 0.002501 − 1e-6.
    expect(r.x1).toBeCloseTo(1.098019998, 5);
    expect(r.v2).toBeCloseTo(0.0025, 8);
    expect(r.x2).toBeCloseTo(1.18821608, 5);
  });

  it('does not modify its inputs', () => {
    const config = adaptive('fedadam');
    const state = initialServerState(config, [1]);
    const global = f(1);
    const unified = f(2);
    serverOptimizerStep(config, state, global, unified);
    expect([global[0][0], unified[0][0], state.m[0][0], state.v[0][0]]).toEqual([1, 2, 0, Math.fround(1e-6)]);
  });

  it('refuses weights or a state that do not fit the model', () => {
    const config = adaptive('fedyogi');
    const state = initialServerState(config, [1]);
    expect(() => serverOptimizerStep(config, state, f(1), f(1, 2))).toThrow(/do not fit/);
    expect(() => serverOptimizerStep(config, state, f(1, 2), f(1, 2))).toThrow(/state does not fit/);
  });

  it('resolves the defaults per optimizer', () => {
    expect(resolveServerOptimizer({ serverOptimizer: 'fedavgm' })).toMatchObject({
      learningRate: 1,
      beta1: 0.9,
    });
    expect(resolveServerOptimizer({ serverOptimizer: 'fedadam', beta1: 0.5 })).toEqual({
      name: 'fedadam',
      learningRate: 0.01,
      beta1: 0.5,
      beta2: 0.99,
      tau: 1e-3,
    });
  });
});
