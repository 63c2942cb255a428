import { afterEach, describe, expect, it, vi } from 'vitest';
import { Store } from '../../../hub/db/store.ts';
import { HubEvents, HubLogger } from '../../../hub/hub-events.ts';
import { JobRunner } from '../../../hub/rounds/round-coordinator.ts';
import type { HubEvaluator } from '../../../hub/eval/hub-evaluator.ts';
import { jobSpecSchema } from '../../../core/wire/job-spec.ts';
import { encodeWeights } from '../../../core/wire/weights-codec.ts';
import { fakeSocket, logRounds, tinyJob, updateMetrics } from './tiny-job.ts';
import type { RoundRecord } from '../../../core/wire/protocol.ts';

const { model: MODEL, manifest, weights, dataset } = tinyJob(4, 4, 3);
const metrics = updateMetrics;

/** An evaluator whose answers the test releases by hand. */
function heldEvaluator(log: string[]) {
  const held: (() => void)[] = [];
  const evaluator: HubEvaluator = {
    evaluate: () =>
      new Promise((resolve) => {
        log.push('evaluate');
        held.push(() => resolve({ accuracy: 0.75, loss: 0.5 }));
      }),
    close: async () => undefined,
  };
  return { evaluator, held };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

/** Participants `names` of the runner's job, attached on fake sockets that log to `log`, and ready. */
function joinReady(runner: JobRunner, store: Store, jobId: string, names: string[], log: string[]): string[] {
  return names.map((name) => {
    const p = store.upsertParticipant({ jobId, inviteId: `i-${name}`, instanceId: name, name });
    runner.attach(p.id, name, fakeSocket(name, logRounds(log, name)));
    expect(runner.ready(p.id, { dataset, backend: { backend: 'cpu', device: 't', notes: [] } })).toEqual({
      ok: true,
    });
    return p.id;
  });
}

/** Sends participant i the i-th tiny update for `round`; every one must be accepted. */
async function sendUpdates(runner: JobRunner, jobId: string, ids: string[], round: number): Promise<void> {
  for (const [i, id] of ids.entries()) {
    const ack = await runner.update(id, {
      jobId,
      round,
      samples: 5,
      metrics,
      weights: new Uint8Array(encodeWeights(manifest, weights(i))),
      // The runner trusts its caller: signatures are verified at the federation layer.
      signature: 'A'.repeat(86) + '==',
    });
    expect(ack.ok).toBe(true);
  }
}

describe('round runner: hub evaluation off the critical path', () => {
  let store: Store | null = null;
  afterEach(() => store?.close());

  it('sends the unified weights and starts the next round before the hub has scored the last one', async () => {
    store = new Store(':memory:');
    const log: string[] = [];
    const events = new HubEvents();
    const changed: RoundRecord[] = [];
    events.on('round:changed', (r) => changed.push(r));
    const spec = jobSpecSchema.parse({
      name: 'eval later',
      model: MODEL,
      rounds: 2,
      compareMethods: ['avg', 'max'],
      hubEvaluation: { data: 'fashion-mnist' },
    });
    const job = store.createJob(spec);
    const { evaluator, held } = heldEvaluator(log);
    const runner = new JobRunner(
      { store, events, log: new HubLogger(store, events, 'silent'), evaluatorFor: () => evaluator },
      job,
    );
    const ids = joinReady(runner, store, job.id, ['a', 'b'], log);
    await tick();
    expect(log).toContain('a round:start 1');
    await sendUpdates(runner, job.id, ids, 1);
    await tick();
    for (const id of ids) runner.evalReport(id, { round: 1, accuracy: 0.5, loss: 1, samples: 5 });
    await tick();

    // Round 2 is training while round 1's scoring is still held.
    expect(log.indexOf('a round:unified 1')).toBeLessThan(log.indexOf('a round:start 2'));
    expect(log.indexOf('evaluate')).toBeGreaterThanOrEqual(0);
    expect(store.rounds.records(job.id, new Map())[0].hubAccuracy).toBeNull();

    while (held.length) {
      held.shift()?.();
      await tick();
    }
    const [r1] = store.rounds.records(job.id, new Map());
    expect(r1.methods).toEqual([
      { method: 'avg', hubAccuracy: 0.75, hubLoss: 0.5 },
      { method: 'max', hubAccuracy: 0.75, hubLoss: 0.5 },
    ]);
    expect(r1.evalMs).toBeGreaterThanOrEqual(0);
    expect(changed.some((r) => r.round === 1 && r.hubAccuracy === 0.75)).toBe(true);
    runner.stopTimers();
  });
});

describe('round runner: update observers after the weights went out', () => {
  let store: Store | null = null;
  afterEach(() => store?.close());

  it('sends round:unified while an afterUnified hook is still working, gives it the kept updates, republishes the round, and starts the next round after it', async () => {
    store = new Store(':memory:');
    const log: string[] = [];
    const events = new HubEvents();
    const changed: number[] = [];
    events.on('round:changed', (r) => changed.push(r.round));
    const spec = jobSpecSchema.parse({ name: 'observers', model: MODEL, rounds: 2 });
    const job = store.createJob(spec);
    let release: () => void = () => undefined;
    const seen: string[][] = [];
    const runner = new JobRunner(
      {
        store,
        events,
        log: new HubLogger(store, events, 'silent'),
        evaluatorFor: () => null,
        roundHooks: () => [
          {
            keepUpdates: true,
            afterUnified: async (_ctx, kept) => {
              log.push('observer start');
              seen.push([...(kept?.keys() ?? [])].sort());
              await new Promise<void>((resolve) => (release = resolve));
              log.push('observer done');
            },
          },
        ],
      },
      job,
    );
    const ids = joinReady(runner, store, job.id, ['a', 'b'], log);
    await tick();
    await sendUpdates(runner, job.id, ids, 1);
    await tick();
    expect(log).toContain('a round:unified 1');
    expect(log).toContain('observer start');
    expect(log).not.toContain('observer done');
    expect(seen).toEqual([[...ids].sort()]);
    // Evaluations in: round 2 still waits for the observer, so one round's updates are held at a time.
    for (const id of ids) runner.evalReport(id, { round: 1, accuracy: 0.5, loss: 1, samples: 5 });
    await tick();
    expect(log).not.toContain('a round:start 2');
    const before = changed.filter((r) => r === 1).length;
    release();
    // The record goes out again (debounced) once the observer is done.
    await vi.waitFor(() => expect(changed.filter((r) => r === 1).length).toBeGreaterThan(before), {
      timeout: 5000,
      interval: 20,
    });
    expect(log).toContain('observer done');
    await vi.waitFor(() => expect(log).toContain('a round:start 2'), { timeout: 5000, interval: 20 });
    expect(log.indexOf('observer done')).toBeLessThan(log.indexOf('a round:start 2'));
    runner.stopTimers();
  });
});

describe('round runner: participant sampling', () => {
  let store: Store | null = null;
  afterEach(() => store?.close());

  it('a later round trains a seeded half of the ready participants, the same half every time', async () => {
    store = new Store(':memory:');
    const log: string[] = [];
    const events = new HubEvents();
    const spec = jobSpecSchema.parse({
      name: 's',
      model: MODEL,
      rounds: 3,
      minParticipants: 4,
      fractionFit: 0.5,
      seed: 3,
    });
    const job = store.createJob(spec);
    const runner = new JobRunner(
      { store, events, log: new HubLogger(store, events, 'silent'), evaluatorFor: () => null },
      job,
    );
    joinReady(runner, store, job.id, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], log);
    await tick();
    runner.stopTimers();
    // Round 1 started when 4 were ready; round 2 is planned by the strategy over all 8.
    runner.startRound(2);
    runner.stopTimers();
    await tick();
    const second = log.filter((l) => l.endsWith('round:start 2')).map((l) => l.split(' ')[0]);
    expect(second).toHaveLength(4);
    runner.startRound(2);
    runner.stopTimers();
    await tick();
    const again = log
      .filter((l) => l.endsWith('round:start 2'))
      .map((l) => l.split(' ')[0])
      .slice(4);
    expect(again).toEqual(second);
    // Round 1 started once with all 8 ready (admission is deferred): the sample is half of them too.
    expect(log.filter((l) => l.endsWith('round:start 1'))).toHaveLength(4);
  });
});
