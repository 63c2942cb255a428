/**
 * A job's hub-test scoring (`hubEvaluation`): which rounds are scored (`every`, always the last),
 * the evaluator worker (started with the first scored round, so it loads the test set while the
 * round trains), and the background queue whose results land in the round record.
 */
import type { JobRecord } from '../../core/wire/protocol.ts';
import type { Store } from '../db/store.ts';
import type { HubLogger } from '../hub-events.ts';
import type { UpdateCollector } from '../rounds/unification.ts';
import type { HubEvaluator } from './hub-evaluator.ts';
import { EvaluationQueue, type RoundScores } from './evaluation-queue.ts';

/** What scoring needs from the hub. */
export interface ScoringDeps {
  store: Store;
  log: HubLogger;
  evaluatorFor: (job: JobRecord) => HubEvaluator | null;
  /** The round record changed (scores stored). */
  published: (round: number) => void;
}

/** Scores a job's rounds on the hub test set in the background. */
export class RoundScoring {
  private evaluator: HubEvaluator | null = null;
  private readonly queue: EvaluationQueue;

  constructor(
    private readonly deps: ScoringDeps,
    private readonly job: () => JobRecord,
  ) {
    this.queue = new EvaluationQueue(
      () => this.evaluator,
      (scores) => this.store(scores),
      (round, method, err) =>
        deps.log.warn(
          'evaluation',
          `round ${round}, ${method}: hub evaluation failed: ${err.message}`,
          this.job().id,
        ),
    );
  }

  /** Whether round `n` is scored (`hubEvaluation.every`, and always the last round). */
  scores(n: number): boolean {
    const job = this.job();
    const ev = job.spec.hubEvaluation;
    if (!ev) return false;
    this.evaluator ??= this.deps.evaluatorFor(job);
    if (!this.evaluator) return false;
    return n % (ev.every ?? 1) === 0 || n >= job.spec.rounds;
  }

  /** Rounds queued or being scored. */
  get pending(): number {
    return this.queue.pending;
  }

  /** Queues a closed round: the job method's weights, then each comparison method from the collector. */
  enqueue(round: number, collector: UpdateCollector, jobWeights: Float32Array[]): void {
    const { spec } = this.job();
    let compared: Map<string, Float32Array[]> | null = null;
    const weightsOf = (method: string): Float32Array[] => {
      // The comparison methods' batch pass (if any) runs here, in the queue, not when the round closes.
      compared ??= new Map(collector.comparedResults().map((m) => [m.method, m.weights]));
      const w = compared.get(method);
      if (!w) throw new Error(`no ${method} result for round ${round}`);
      return w;
    };
    this.queue.enqueue(round, [
      { method: spec.method, weights: () => jobWeights },
      ...spec.compareMethods
        .filter((m) => m !== spec.method)
        .map((method) => ({ method, weights: () => weightsOf(method) })),
    ]);
  }

  /** Resolves when every queued round is scored. */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  /** Stops the evaluator worker (scores still queued come back null). */
  async close(): Promise<void> {
    const evaluator = this.evaluator;
    this.evaluator = null;
    await evaluator?.close();
  }

  private store(scores: RoundScores): void {
    const job = this.job();
    try {
      this.deps.store.rounds.putScores(job.id, scores.round, scores.methods, scores.evalMs);
    } catch {
      return; // The job was deleted, or the hub closed, meanwhile.
    }
    const main = scores.methods[0]?.hubAccuracy;
    const acc = typeof main === 'number' ? `, ${job.spec.method} ${(main * 100).toFixed(2)}%` : '';
    this.deps.log.info(
      'evaluation',
      `round ${scores.round} scored on the hub test set in ${scores.evalMs.toFixed(0)} ms${acc}`,
      job.id,
    );
    this.deps.published(scores.round);
  }
}
