/**
 * The end of a round on this participant: load the hub's unified weights, keep the hub's audit
 * chain head, evaluate the unified model on the local test split, record it and send round:eval.
 * Split from the round runner, which queues it after the round's training.
 */
import type { ParticipantStatus, RoundUnified } from '../wire/protocol.ts';
import { errorText } from './error-text.ts';
import { evalPayload, pct } from './round-metrics.ts';
import type { StateStore } from './state.ts';
import type { ClientPayload, LoadedData, LocalModel, ParticipantRuntime } from './types.ts';

/** What evaluating the unified model needs. */
export interface UnifiedEvalDeps {
  store: StateStore;
  runtime: ParticipantRuntime;
  jobId: string;
  model: LocalModel;
  data: LoadedData;
  /** Reports a participant:status to the hub. */
  status: (s: ParticipantStatus) => void;
  /** Sends round:eval (acknowledged, retried). */
  sendEval: (msg: ClientPayload<'round:eval'>) => Promise<void>;
}

/** Evaluates the unified weights here and reports them; false (logged) when they do not fit the model. */
export async function evaluateUnified(deps: UnifiedEvalDeps, msg: RoundUnified): Promise<boolean> {
  const { store, runtime, jobId, model } = deps;
  let weights: Float32Array[];
  try {
    weights = runtime.decodeWeights(msg.weights, model.manifest);
  } catch (err) {
    store.log(
      'error',
      `Round ${msg.round}: the unified weights do not fit the model (${errorText(err)}).`,
      jobId,
    );
    return false;
  }
  model.setWeights(weights);
  if (msg.auditHead) {
    // Kept (state and the local log file) so the hub's audit can later be checked against it.
    store.update({ auditHead: { round: msg.round, ...msg.auditHead } });
    store.log(
      'info',
      `Round ${msg.round}: hub audit chain head #${msg.auditHead.id} ${msg.auditHead.hash}.`,
      jobId,
    );
  }
  deps.status({ state: 'evaluating', round: msg.round });
  const test = deps.data.split.test;
  const res = test.labels.length > 0 ? await model.evaluate(test) : { accuracy: 0, loss: 0, samples: 0 };
  store.upsertRound(msg.round, {
    hubAccuracy: msg.hubAccuracy,
    unifiedLocalAccuracy: test.labels.length > 0 ? res.accuracy : null,
    method: msg.method,
  });
  store.log(
    'info',
    `Round ${msg.round}: unified (${msg.method}) accuracy here ${pct(res.accuracy)}, at the hub ${msg.hubAccuracy === null ? 'n/a' : pct(msg.hubAccuracy)}.`,
    jobId,
  );
  await deps.sendEval(evalPayload(jobId, msg.round, res));
  return true;
}
