/**
 * Server optimizers: the hub treats a round's unified model as a pseudo-gradient step rather than
 * the next global model. Reddi et al. 2021, "Adaptive Federated Optimization", Algorithm 2
 * (FedAdagrad, FedAdam, FedYogi) and FedAvgM (server momentum, Hsu et al. 2019, as compared there).
 *
 *   Δ_t = unified − x_t                         (the pseudo-gradient: avg(local) − global for avg)
 *   m_t = β1·m_{t−1} + (1 − β1)·Δ_t             (adaptive; FedAvgM: m_t = β·m_{t−1} + Δ_t)
 *   v_t = v_{t−1} + Δ_t²                        FedAdagrad
 *   v_t = β2·v_{t−1} + (1 − β2)·Δ_t²            FedAdam
 *   v_t = v_{t−1} − (1 − β2)·Δ_t²·sign(v_{t−1} − Δ_t²)   FedYogi
 *   x_{t+1} = x_t + η·m_t / (√v_t + τ)          (FedAvgM: x_t + η·m_t)
 *
 * with m_{−1} = 0 and v_{−1} = τ² (the paper's "v_{−1} ≥ τ²"), no bias correction (as in Algorithm 2).
 * Pure: state in, state out, plain Float32Arrays in manifest order; nothing is modified in place.
 */

/** The server optimizers a job can choose; 'none' keeps the unified weights as the next global model. */
export const SERVER_OPTIMIZERS = ['none', 'fedavgm', 'fedadagrad', 'fedadam', 'fedyogi'] as const;

/** A server optimizer name. */
export type ServerOptimizerName = (typeof SERVER_OPTIMIZERS)[number];

/** The optimizers that keep a second moment v (and so take β2 and τ). */
export const ADAPTIVE_SERVER_OPTIMIZERS: readonly ServerOptimizerName[] = [
  'fedadagrad',
  'fedadam',
  'fedyogi',
];

/** A server optimizer with every hyper-parameter resolved. */
export interface ServerOptimizerConfig {
  name: ServerOptimizerName;
  /** η, the server learning rate. */
  learningRate: number;
  /** FedAvgM: β, the momentum. Adaptive: β1. */
  beta1: number;
  /** Adaptive: β2 (unused by FedAdagrad, whose v only grows). */
  beta2: number;
  /** Adaptive: τ, the degree of adaptivity (also sets v_{−1} = τ²). */
  tau: number;
}

/** Where a job's rounds stand: the optimizer's moments after `step` rounds (v empty for FedAvgM). */
export interface ServerOptimizerState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/** What a job spec says about its server optimizer (every field optional but the name). */
export interface ServerOptimizerSettings {
  serverOptimizer?: ServerOptimizerName;
  serverLearningRate?: number;
  serverMomentum?: number;
  beta1?: number;
  beta2?: number;
  tau?: number;
}

/**
 * Defaults: FedAvgM η = 1, β = 0.9 (η = 1 and β = 0 is plain FedAvg); adaptive η = 0.01,
 * β1 = 0.9, β2 = 0.99, τ = 1e-3 (the β values Reddi et al. fix in their experiments; η and τ
 * from the middle of the grids they search).
 */
export function resolveServerOptimizer(s: ServerOptimizerSettings): ServerOptimizerConfig {
  const name = s.serverOptimizer ?? 'none';
  const momentum = name === 'fedavgm';
  return {
    name,
    learningRate: s.serverLearningRate ?? (momentum ? 1 : 0.01),
    beta1: (momentum ? s.serverMomentum : s.beta1) ?? 0.9,
    beta2: s.beta2 ?? 0.99,
    tau: s.tau ?? 1e-3,
  };
}

/** The state before the first round: m = 0, v = τ² (adaptive) or none (FedAvgM). */
export function initialServerState(config: ServerOptimizerConfig, lengths: number[]): ServerOptimizerState {
  const adaptive = ADAPTIVE_SERVER_OPTIMIZERS.includes(config.name);
  return {
    step: 0,
    m: lengths.map((n) => new Float32Array(n)),
    v: adaptive ? lengths.map((n) => new Float32Array(n).fill(config.tau * config.tau)) : [],
  };
}

/**
 * One server step: from the global weights x_t and the round's unified weights, the next global
 * weights and the next state. 'none' returns the unified weights and the state unchanged.
 */
export function serverOptimizerStep(
  config: ServerOptimizerConfig,
  state: ServerOptimizerState,
  global: Float32Array[],
  unified: Float32Array[],
): { weights: Float32Array[]; state: ServerOptimizerState } {
  if (config.name === 'none') return { weights: unified, state };
  checkShapes(state, global, unified, ADAPTIVE_SERVER_OPTIMIZERS.includes(config.name));
  const { name, learningRate: eta, beta1, beta2, tau } = config;
  const weights: Float32Array[] = [];
  const m: Float32Array[] = [];
  const v: Float32Array[] = [];
  for (let t = 0; t < global.length; t++) {
    const x = global[t];
    const u = unified[t];
    const mPrev = state.m[t];
    const xNext = new Float32Array(x.length);
    const mNext = new Float32Array(x.length);
    if (name === 'fedavgm') {
      for (let i = 0; i < x.length; i++) {
        const delta = u[i] - x[i];
        mNext[i] = beta1 * mPrev[i] + delta;
        xNext[i] = x[i] + eta * mNext[i];
      }
    } else {
      const vPrev = state.v[t];
      const vNext = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const delta = u[i] - x[i];
        const d2 = delta * delta;
        mNext[i] = beta1 * mPrev[i] + (1 - beta1) * delta;
        vNext[i] =
          name === 'fedadagrad'
            ? vPrev[i] + d2
            : name === 'fedadam'
              ? beta2 * vPrev[i] + (1 - beta2) * d2
              : vPrev[i] - (1 - beta2) * d2 * Math.sign(vPrev[i] - d2);
        xNext[i] = x[i] + (eta * mNext[i]) / (Math.sqrt(vNext[i]) + tau);
      }
      v.push(vNext);
    }
    m.push(mNext);
    weights.push(xNext);
  }
  return { weights, state: { step: state.step + 1, m, v } };
}

function checkShapes(
  state: ServerOptimizerState,
  global: Float32Array[],
  unified: Float32Array[],
  adaptive: boolean,
): void {
  const sameLengths = (a: Float32Array[]) =>
    a.length === global.length && a.every((w, i) => w.length === global[i].length);
  if (!sameLengths(unified))
    throw new Error('server optimizer: the unified weights do not fit the global model');
  if (!sameLengths(state.m) || (adaptive && !sameLengths(state.v))) {
    throw new Error('server optimizer: the stored optimizer state does not fit the model');
  }
}
