/**
 * The local phases of a round: train on the local train split with the job's settings (progress
 * to the UI, throttled status to the hub, backend moves logged), then evaluate on the local test
 * split and record both. Split from the round runner so the runner only sequences the phases.
 */
import type { JobAssignment, ParticipantStatus } from '../wire/protocol.ts';
import { throwIfAborted } from './error-text.ts';
import { roundLearningRate } from './round-learning-rate.ts';
import { pct } from './round-metrics.ts';
import { STATUS_EVERY_MS } from './runner-context.ts';
import type { StateStore } from './state.ts';
import type { EvalResult, LoadedData, LocalModel, TrainResult } from './types.ts';

/** What the local phases of a round need. */
export interface LocalRoundDeps {
  store: StateStore;
  job: JobAssignment;
  model: LocalModel;
  data: LoadedData;
  /** Reports a participant:status to the hub. */
  status: (s: ParticipantStatus) => void;
}

/** The local training run of a round and the local test evaluation (null without test samples). */
export interface LocalRoundResult {
  trained: TrainResult;
  test: EvalResult | null;
}

/** Trains the model (already holding the round's start weights), evaluates it locally, records and logs both. */
export async function trainAndEvaluate(
  deps: LocalRoundDeps,
  round: number,
  signal: AbortSignal,
): Promise<LocalRoundResult> {
  const { store, job, model, data } = deps;
  const learningRate = roundLearningRate(job, round);
  store.log(
    'info',
    `Round ${round}: training on ${data.split.train.labels.length} local samples${job.learningRateSchedule ? ` at learning rate ${learningRate.toPrecision(3)} (${job.learningRateSchedule} over ${job.rounds} rounds)` : ''}${job.proximalMu ? ` with FedProx μ ${job.proximalMu}` : ''}.`,
    job.jobId,
  );
  deps.status({ state: 'training', round });
  let lastStatus = 0;
  const trained = await model.train({
    data: data.split.train,
    epochs: job.localEpochs,
    steps: job.localSteps,
    batchSize: job.batchSize,
    learningRate,
    optimizer: job.optimizer,
    seed: round,
    ...(job.proximalMu ? { proximalMu: job.proximalMu } : {}),
    signal,
    onBackendChange: (backend, message, level) => {
      store.update({ backend });
      store.log(level, `Round ${round}: ${message}`, job.jobId);
      // The operator's console shows the backend each participant trains on.
      deps.status({ state: 'training', round, backend });
    },
    onProgress: (p) => {
      store.progress({ ...p, round });
      const now = Date.now();
      if (now - lastStatus >= STATUS_EVERY_MS) {
        lastStatus = now;
        deps.status({
          state: 'training',
          round,
          samplesDone: p.samplesDone,
          samplesTotal: p.samplesTotal,
          samplesPerSec: p.samplesPerSec,
        });
      }
    },
  });
  throwIfAborted(signal);
  deps.status({ state: 'evaluating', round });
  const test = data.split.test.labels.length > 0 ? await model.evaluate(data.split.test) : null;
  throwIfAborted(signal);
  store.progress(null);
  store.upsertRound(round, {
    localAccuracy: trained.accuracy,
    localTestAccuracy: test?.accuracy ?? null,
    method: job.method,
  });
  store.log(
    'info',
    `Round ${round}: local accuracy ${pct(trained.accuracy)}, local test accuracy ${test ? pct(test.accuracy) : 'n/a'}.`,
    job.jobId,
  );
  return { trained, test };
}
