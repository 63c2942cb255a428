/**
 * The metrics a participant reports, as pure functions: what goes into round:update and
 * round:eval is kept finite and in range (a diverged local run must not produce a frame the hub
 * refuses), and accuracies are shown to the user the same way everywhere.
 */
import type { LocalMetrics } from '../wire/protocol.ts';
import type { ClientPayload, EvalResult, TrainResult } from './types.ts';

/** An accuracy in [0, 1] as a percentage with two decimals (for log lines). */
export function pct(x: number): string {
  return `${(x * 100).toFixed(2)} %`;
}

/** `x` clamped to [0, 1]; 0 when not finite. */
export function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** `x`, or `fallback` when `x` is not finite. */
export function finiteOr(x: number, fallback: number): number {
  return Number.isFinite(x) ? x : fallback;
}

/** The metrics of a round:update from the local training run and the local test evaluation. */
export function updateMetrics(trained: TrainResult, test: EvalResult | null): LocalMetrics {
  return {
    loss: finiteOr(trained.loss, 0),
    accuracy: clamp01(trained.accuracy),
    testLoss: test ? finiteOr(test.loss, 0) : null,
    testAccuracy: test ? clamp01(test.accuracy) : null,
    samplesPerSec: finiteOr(trained.samplesPerSec, 0),
    durationMs: finiteOr(trained.durationMs, 0),
  };
}

/** The round:eval frame for the unified model's evaluation on the local test split. */
export function evalPayload(jobId: string, round: number, res: EvalResult): ClientPayload<'round:eval'> {
  return {
    jobId,
    round,
    accuracy: clamp01(res.accuracy),
    loss: finiteOr(res.loss, 0),
    samples: res.samples,
  };
}
