/**
 * Closing a round: unify the updates with the job's method, also unify them with each comparison
 * method and score every result on the hub test set when the job has one (the paper's avg / max /
 * absmax columns), then store the metrics and the new global checkpoint in one transaction.
 */
import type { Update, UnifyMethod } from '../../core/unify/types.ts';
import { sha256Hex } from './model-ops.ts';
import type { JobRunner } from './round-coordinator.ts';

/** The in-memory state of a job's open round. */
export interface RoundState {
  round: number;
  phase: 'training' | 'unifying' | 'evaluating';
  /** Participants sent this round's round:start and still connected. */
  members: Set<string>;
  updates: Map<string, { samples: number; weights: Float32Array[]; bytes: number; sha256: string }>;
  deadline: number;
  deadlinePassed: boolean;
  /** Resumed after a restart: any returning participant may join it. */
  open: boolean;
  timer: NodeJS.Timeout;
}

/** Unifies a round's updates and stores the outcome; returns the new global weights. */
export async function closeRound(
  runner: JobRunner,
  r: RoundState,
): Promise<{ weights: Float32Array[]; bytes: Uint8Array; hubAccuracy: number | null }> {
  const { store, log } = runner.deps;
  const spec = runner.job.spec;
  const jobId = runner.job.id;
  // Participant id order keeps the result independent of arrival order.
  const ids = [...r.updates.keys()].sort();
  const updates: Update[] = ids.map((id) => {
    const u = r.updates.get(id);
    if (!u) throw new Error(`update of ${id} vanished`);
    return { weights: u.weights, samples: u.samples };
  });
  const options = {
    trimBeta: spec.trimBeta,
    maxByzantine: spec.maxByzantine,
    clipNorm: spec.clipNorm,
    global: runner.global,
  };
  const t0 = performance.now();
  const weights = runner.model.unify(spec.method, updates, options);
  const unifyMs = performance.now() - t0;

  if (spec.hubEvaluation && !runner.evaluator) runner.evaluator = runner.deps.evaluatorFor(runner.job);
  const methods: { method: UnifyMethod; hubAccuracy: number | null; hubLoss: number | null }[] = [];
  const evaluator = runner.evaluator;
  const compare: UnifyMethod[] = evaluator
    ? [spec.method, ...spec.compareMethods.filter((m) => m !== spec.method)]
    : [spec.method];
  for (const method of compare) {
    let hubAccuracy: number | null = null;
    let hubLoss: number | null = null;
    if (evaluator) {
      try {
        const unified = method === spec.method ? weights : runner.model.unify(method, updates, options);
        ({ accuracy: hubAccuracy, loss: hubLoss } = await evaluator.evaluate(unified));
      } catch (err) {
        log.warn(
          'evaluation',
          `round ${r.round}, ${method}: hub evaluation failed: ${(err as Error).message}`,
          jobId,
        );
      }
    }
    methods.push({ method, hubAccuracy, hubLoss });
  }

  const bytes = runner.model.encode(weights);
  const checkpointSha256 = sha256Hex(bytes);
  store.rounds.complete(jobId, r.round, { unifyMs, methods, checkpoint: bytes, checkpointSha256 });
  store.audit(jobId, 'hub', 'unified', {
    round: r.round,
    method: spec.method,
    participants: ids,
    updates: ids.map((id) => r.updates.get(id)?.sha256),
    checkpointSha256,
  });
  const hubAccuracy = methods[0].hubAccuracy;
  const acc = hubAccuracy === null ? '' : `, hub accuracy ${(hubAccuracy * 100).toFixed(2)}%`;
  log.info(
    'rounds',
    `round ${r.round} unified with ${spec.method} from ${ids.length} updates in ${unifyMs.toFixed(1)} ms${acc}`,
    jobId,
  );
  return { weights, bytes, hubAccuracy };
}
