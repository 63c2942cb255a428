/**
 * Evaluation of unified models on the hub's own test set (the paper's parameter-server test
 * images). It runs in a worker thread so a round's evaluations never stall the hub's sockets.
 */
import { Worker } from 'node:worker_threads';
import type { JobSpec } from '../../core/wire/job-spec.ts';

/** Scores weights on the hub test set of one job. */
export interface HubEvaluator {
  evaluate(weights: Float32Array[]): Promise<{ accuracy: number; loss: number }>;
  close(): Promise<void>;
}

type WorkerReply =
  { id: number; ok: true; accuracy: number; loss: number } | { id: number; ok: false; error: string };

/** Starts a worker that loads the job's hub test set once and evaluates weights on request. */
export function createHubEvaluator(spec: JobSpec): HubEvaluator {
  const worker = new Worker(new URL('./eval-worker-boot.js', import.meta.url), { workerData: { spec } });
  worker.unref();
  const pending = new Map<
    number,
    { resolve: (r: { accuracy: number; loss: number }) => void; reject: (e: Error) => void }
  >();
  let next = 1;
  let failure: Error | null = null;
  const failAll = (err: Error): void => {
    failure = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (msg: WorkerReply) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve({ accuracy: msg.accuracy, loss: msg.loss });
    else p.reject(new Error(msg.error));
  });
  worker.on('error', (err) => failAll(new Error(`hub evaluation worker failed: ${err.message}`)));
  worker.on('exit', (code) => failAll(new Error(`hub evaluation worker exited (code ${code})`)));
  return {
    evaluate(weights) {
      if (failure) return Promise.reject(failure);
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, weights });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
