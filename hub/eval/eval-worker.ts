/**
 * Worker thread of the hub evaluator: loads the job's hub test set and model once, then scores
 * each set of weights it is sent. Off the main thread, so sockets stay responsive meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { JobSpec } from '../../core/wire/job-spec.ts';
import { resolveModel } from '../../core/wire/job-spec.ts';
import { loadHubTestSet } from './hub-test-set.ts';

const port = parentPort;
if (!port) throw new Error('eval-worker must run in a worker thread');

const spec = (workerData as { spec: JobSpec }).spec;

const ready = (async () => {
  const { selectBackend } = await import('../../core/train/backend.ts');
  const { buildModel } = await import('../../core/model/build.ts');
  await selectBackend('auto');
  const data = await loadHubTestSet(spec);
  return { model: buildModel(resolveModel(spec)), data };
})();

port.on('message', (msg: { id: number; weights: Float32Array[] }) => {
  void (async () => {
    try {
      const { model, data } = await ready;
      const { setWeights } = await import('../../core/model/build.ts');
      const { evaluate } = await import('../../core/train/evaluate.ts');
      setWeights(model, msg.weights);
      const m = await evaluate(model, data);
      port.postMessage({ id: msg.id, ok: true, accuracy: m.accuracy, loss: m.loss });
    } catch (err) {
      port.postMessage({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  })();
});
