/**
 * The server optimizer as a round step (Reddi et al. 2021, Algorithm 2): after the job method has
 * unified a round, its weights are a pseudo-gradient step from the global model, not the next
 * global model. The state before the round comes from the store; the state after it is saved with
 * the round's checkpoint (one transaction), so a restart neither loses nor repeats a step.
 */
import {
  initialServerState,
  resolveServerOptimizer,
  serverOptimizerStep,
  type ServerOptimizerConfig,
  type ServerOptimizerState,
} from '../../core/unify/server-optimizer.ts';
import type { JobSpec } from '../../core/wire/job-spec.ts';
import type { Store } from '../db/store.ts';
import type { UpdateCollector, MethodResult } from './unification.ts';

/** The outcome of a round's server step, ready to be saved with the round. */
export interface ServerStep {
  /** The next global weights. */
  weights: Float32Array[];
  /** Saves the new state (call inside the round's completion transaction); no-op without optimizer. */
  save(): void;
  /** The same step from the same pre-round state, for a comparison method's weights (not saved). */
  stepFrom(unified: Float32Array[]): Float32Array[];
}

/** The server step of round `round` of a job; the identity when the job has no server optimizer. */
export function serverStep(
  store: Store,
  jobId: string,
  spec: JobSpec,
  round: number,
  global: Float32Array[],
  unified: Float32Array[],
): ServerStep {
  const config = resolveServerOptimizer(spec);
  if (config.name === 'none') return { weights: unified, save: () => undefined, stepFrom: (w) => w };
  const before = stateBefore(store, jobId, config, round, global);
  const next = serverOptimizerStep(config, before, global, unified);
  return {
    weights: next.weights,
    save: () => store.optimizer.put(jobId, config.name, round, next.state),
    stepFrom: (w) => serverOptimizerStep(config, before, global, w).weights,
  };
}

/** A collector whose comparison results went through the same server step as the job's method. */
export function steppedCollector(collector: UpdateCollector, step: ServerStep): UpdateCollector {
  return {
    get kind() {
      return collector.kind;
    },
    get count() {
      return collector.count;
    },
    get memoryBytes() {
      return collector.memoryBytes;
    },
    add: (id, u) => collector.add(id, u),
    jobResult: () => collector.jobResult(),
    comparedResults: () =>
      collector.comparedResults().map((r): MethodResult => ({ ...r, weights: step.stepFrom(r.weights) })),
    kept: () => collector.kept(),
  };
}

function stateBefore(
  store: Store,
  jobId: string,
  config: ServerOptimizerConfig,
  round: number,
  global: Float32Array[],
): ServerOptimizerState {
  const lengths = global.map((w) => w.length);
  const saved = store.optimizer.get(jobId, config.name, lengths);
  if (!saved) return initialServerState(config, lengths);
  if (saved.round !== round - 1) {
    throw new Error(
      `the server-optimizer state is from round ${saved.round}, but round ${round} starts from round ${round - 1}'s model`,
    );
  }
  return saved.state;
}
