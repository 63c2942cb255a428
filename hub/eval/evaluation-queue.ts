/**
 * Hub-test evaluation off the critical path: a round's methods are unified (the comparison methods'
 * batch pass included) and scored one round after another in the background, while the next round
 * trains. The caller stores the scores when a round's evaluation finishes; `drain` waits for all.
 */
import type { UnifyMethod } from '../../core/unify/types.ts';
import type { HubEvaluator } from './hub-evaluator.ts';

/** One method's hub-test score (null when its evaluation failed). */
export interface MethodScore {
  method: UnifyMethod;
  hubAccuracy: number | null;
  hubLoss: number | null;
}

/** One method to score; `weights` is called when its turn comes (it may run a batch unification). */
export interface MethodWeights {
  method: UnifyMethod;
  weights: () => Float32Array[];
}

/** What the queue reports when a round's evaluation is done. */
export interface RoundScores {
  round: number;
  methods: MethodScore[];
  /** Wall time of the round's evaluation (unifying the comparison methods included). */
  evalMs: number;
}

/** Evaluates rounds one after another, in the order they were queued. */
export class EvaluationQueue {
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly evaluator: () => HubEvaluator | null,
    private readonly onScored: (scores: RoundScores) => void,
    private readonly onFailure: (round: number, method: UnifyMethod, err: Error) => void,
  ) {}

  /** Rounds queued or being evaluated. */
  get pending(): number {
    return this.queued;
  }

  /** Queues a round's methods, scored in order once the rounds queued before are done. */
  enqueue(round: number, methods: MethodWeights[]): void {
    this.queued++;
    this.chain = this.chain.then(async () => {
      try {
        await this.run(round, methods);
      } finally {
        this.queued--;
      }
    });
  }

  /** Resolves when every queued round has been evaluated. */
  drain(): Promise<void> {
    return this.chain;
  }

  private async run(round: number, methods: MethodWeights[]): Promise<void> {
    const t0 = performance.now();
    const scores: MethodScore[] = [];
    for (const { method, weights } of methods) {
      const evaluator = this.evaluator();
      let hubAccuracy: number | null = null;
      let hubLoss: number | null = null;
      if (evaluator) {
        try {
          ({ accuracy: hubAccuracy, loss: hubLoss } = await evaluator.evaluate(weights()));
        } catch (err) {
          this.onFailure(round, method, err as Error);
        }
      }
      scores.push({ method, hubAccuracy, hubLoss });
    }
    this.onScored({ round, methods: scores, evalMs: performance.now() - t0 });
  }
}
