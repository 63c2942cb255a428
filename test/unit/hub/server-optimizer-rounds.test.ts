import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../../hub/db/store.ts';
import { HubEvents, HubLogger } from '../../../hub/hub-events.ts';
import { JobRunner } from '../../../hub/rounds/round-coordinator.ts';
import { jobSpecSchema } from '../../../core/wire/job-spec.ts';
import { decodeWeights, encodeWeights } from '../../../core/wire/weights-codec.ts';
import { fakeSocket, logRounds, tinyJob, updateMetrics } from './tiny-job.ts';

const { model: MODEL, manifest, weights, dataset, backend } = tinyJob(2, 2, 2);
const metrics = updateMetrics;
const tick = () => new Promise((r) => setTimeout(r, 5));

/** Waits until `done()` holds (rounds close asynchronously; a loaded machine takes longer). */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 5) {
    if (waited > 20_000) throw new Error(`timed out waiting for ${what}`);
    await tick();
  }
}

/** A runner over `store` with participants a and b connected and ready. */
async function runnerWith(
  store: Store,
  jobId: string,
  log: string[],
): Promise<{ runner: JobRunner; ids: string[] }> {
  const events = new HubEvents();
  const job = store.getJob(jobId)!;
  const runner = new JobRunner(
    { store, events, log: new HubLogger(store, events, 'silent'), evaluatorFor: () => null },
    job,
  );
  const ids = ['a', 'b'].map((name) => {
    const p = store.upsertParticipant({ jobId, inviteId: `i-${name}`, instanceId: name, name });
    runner.attach(p.id, name, fakeSocket(name, logRounds(log, name)));
    runner.ready(p.id, { dataset, backend });
    return p.id;
  });
  await tick();
  return { runner, ids };
}

/** Both participants send updates of values lo and hi for `round`, then their evals. */
async function playRound(
  store: Store,
  runner: JobRunner,
  ids: string[],
  jobId: string,
  round: number,
  lo: number,
  hi: number,
) {
  for (const [i, id] of ids.entries()) {
    const w = weights(i === 0 ? lo : hi);
    const ack = await runner.update(id, {
      jobId,
      round,
      samples: 5,
      metrics,
      weights: new Uint8Array(encodeWeights(manifest, w)),
      // No trust hooks in this runner: the signature is checked by the federation layer.
      signature: 'A'.repeat(86) + '==',
    });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
  }
  await until(() => store.rounds.checkpoint(jobId, round) !== null, `round ${round}'s checkpoint`);
  for (const id of ids) runner.evalReport(id, { round, accuracy: 0.5, loss: 1, samples: 5 });
  const job = () => store.getJob(jobId);
  await until(
    () => (job()?.currentRound ?? 0) > round || job()?.status !== 'running',
    `the round after ${round}`,
  );
}

describe('hub rounds with a server optimizer', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('FedAvgM steps from the global model with the momentum kept across a hub restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedunify-serveropt-'));
    dirs.push(dir);
    let store = new Store(dir);
    const spec = jobSpecSchema.parse({
      name: 'fedavgm',
      model: MODEL,
      rounds: 3,
      serverOptimizer: 'fedavgm',
      serverLearningRate: 1,
      serverMomentum: 0.5,
    });
    const jobId = store.createJob(spec).id;
    const log: string[] = [];
    let { runner, ids } = await runnerWith(store, jobId, log);
    const x0 = decodeWeights(store.rounds.checkpoint(jobId, 0)!.weights, manifest);
    await playRound(store, runner, ids, jobId, 1, 1, 3);
    // η = 1, m₀ = avg − x₀: the first step lands on avg = 2.
    const x1 = decodeWeights(store.rounds.checkpoint(jobId, 1)!.weights, manifest);
    expect(x1[0][0]).toBeCloseTo(2, 6);

    // The hub restarts in round 2: a new store and runner over the same data folder.
    runner.stopTimers();
    store.close();
    store = new Store(dir);
    ({ runner, ids } = await runnerWith(store, jobId, log));
    await playRound(store, runner, ids, jobId, 2, 3, 5);
    // m₁ = 0.5·(2 − x₀) + (4 − 2); x₂ = 2 + m₁. A lost momentum would give exactly 4.
    const x2 = decodeWeights(store.rounds.checkpoint(jobId, 2)!.weights, manifest);
    for (let t = 0; t < x2.length; t++) {
      for (let i = 0; i < x2[t].length; i++) {
        expect(x2[t][i]).toBeCloseTo(4 + 0.5 * (2 - x0[t][i]), 5);
      }
    }
    expect(x0[0].some((v) => Math.abs(v) > 1e-3)).toBe(true);
    runner.stopTimers();
    store.close();
  });

  it('a job without a server optimizer keeps the unified weights (today’s behaviour)', async () => {
    const store = new Store(':memory:');
    const jobId = store.createJob(jobSpecSchema.parse({ name: 'plain', model: MODEL, rounds: 2 })).id;
    const { runner, ids } = await runnerWith(store, jobId, []);
    await playRound(store, runner, ids, jobId, 1, 1, 3);
    const x1 = decodeWeights(store.rounds.checkpoint(jobId, 1)!.weights, manifest);
    expect(x1.every((w) => w.every((v) => v === 2))).toBe(true);
    runner.stopTimers();
    store.close();
  });
});

describe('job spec: server optimizer and FedProx fields', () => {
  const base = { name: 'j', rounds: 1 };
  it('accepts the optimizers with their own hyper-parameters', () => {
    expect(
      jobSpecSchema.parse({
        ...base,
        serverOptimizer: 'fedyogi',
        beta1: 0.9,
        beta2: 0.99,
        tau: 1e-3,
        serverLearningRate: 0.01,
      }).serverOptimizer,
    ).toBe('fedyogi');
    expect(jobSpecSchema.parse({ ...base, proximalMu: 0.01 }).proximalMu).toBe(0.01);
  });
  it('refuses a hyper-parameter the chosen optimizer does not use, naming the field', () => {
    const r = jobSpecSchema.safeParse({ ...base, serverOptimizer: 'fedavgm', beta2: 0.9 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(['beta2']);
    expect(r.error?.issues[0].message).toMatch(/beta2 applies to serverOptimizer fedadam or fedyogi only/);
    expect(jobSpecSchema.safeParse({ ...base, serverLearningRate: 0.1 }).success).toBe(false);
    expect(jobSpecSchema.safeParse({ ...base, serverOptimizer: 'fedadam', beta1: 1 }).success).toBe(false);
    expect(jobSpecSchema.safeParse({ ...base, proximalMu: -1 }).success).toBe(false);
  });
});
