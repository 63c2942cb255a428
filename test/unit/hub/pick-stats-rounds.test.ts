import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../../hub/db/store.ts';
import { HubEvents, HubLogger } from '../../../hub/hub-events.ts';
import { JobRunner } from '../../../hub/rounds/round-coordinator.ts';
import { createCollector, PICK_STATS_MAX_PARTICIPANTS } from '../../../hub/rounds/unification.ts';
import { jobSpecSchema } from '../../../core/wire/job-spec.ts';
import { decodeWeights, encodeWeights } from '../../../core/wire/weights-codec.ts';
import { fakeSocket, tinyJob, updateMetrics } from './tiny-job.ts';

const { model: MODEL, manifest, dataset, backend } = tinyJob(2, 1, 2);
const metrics = updateMetrics;
const tick = () => new Promise((r) => setTimeout(r, 5));

/** A runner for a job with `spec` fields, participants a and b ready; returns the ids in a, b order. */
async function startJob(store: Store, fields: Record<string, unknown>) {
  const jobId = store.createJob(
    jobSpecSchema.parse({ name: 'picks', model: MODEL, rounds: 1, ...fields }),
  ).id;
  const events = new HubEvents();
  const runner = new JobRunner(
    { store, events, log: new HubLogger(store, events, 'silent'), evaluatorFor: () => null },
    store.getJob(jobId)!,
  );
  const ids = ['a', 'b'].map((name) => {
    const p = store.upsertParticipant({ jobId, inviteId: `i-${name}`, instanceId: name, name });
    runner.attach(p.id, name, fakeSocket(name));
    runner.ready(p.id, { dataset, backend });
    return p.id;
  });
  await tick();
  return { jobId, runner, ids };
}

/** Sends round 1's update of each participant: the global model plus the given offsets. */
async function sendRound(
  store: Store,
  runner: JobRunner,
  jobId: string,
  ids: string[],
  offsets: number[][][],
) {
  const global = decodeWeights(store.rounds.checkpoint(jobId, 0)!.weights, manifest);
  for (const [k, id] of ids.entries()) {
    const w = global.map((g, t) => g.map((v, i) => v + offsets[k][t][i]));
    const ack = await runner.update(id, {
      jobId,
      round: 1,
      samples: 5,
      metrics,
      weights: new Uint8Array(encodeWeights(manifest, w)),
      signature: 'A'.repeat(86) + '==',
    });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
  }
  await tick();
}

describe('hub rounds record which owner max and absmax picked', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('stores per-layer shares, ties, distance and shift with the round and shows them in its record', async () => {
    const store = new Store(':memory:');
    const { jobId, runner, ids } = await startJob(store, { compareMethods: ['avg', 'max', 'absmax'] });
    // Offsets from the global model: kernel a > b everywhere; bias a = +0.5, b = −0.5 and a = b.
    await sendRound(store, runner, jobId, ids, [
      [
        [0.2, 0.2, 0.2, 0.2],
        [0.5, 0],
      ],
      [
        [0, 0, 0, 0],
        [-0.5, 0],
      ],
    ]);
    const rec = store.rounds.records(jobId, new Map())[0];
    expect(rec.completedAt).not.toBeNull();
    const picks = rec.picks!;
    expect(picks.participants).toEqual([...ids].sort());
    const a = picks.participants.indexOf(ids[0]);
    const [kernel, bias] = picks.layers;
    expect([kernel.name, bias.name]).toEqual(manifest.map((t) => t.name));
    expect(kernel.max.shares[a]).toBe(1);
    expect(kernel.max.ties).toBe(0);
    // max − avg = |a − b| / 2 = 0.1 on every kernel value (float32 rounding aside).
    expect(kernel.max.shift).toBeCloseTo(0.1, 6);
    expect(bias.max.shares[a]).toBe(0.5);
    expect(bias.max.ties).toBe(0.5);
    expect(bias.max.shift).toBeCloseTo(0.25, 6);
    expect(kernel.max.distance).toBeGreaterThan(0);
    expect(kernel.step).toBeGreaterThan(0);
    runner.stopTimers();
    store.close();
  });

  it('a job that neither uses nor compares max or absmax records no picks', async () => {
    const store = new Store(':memory:');
    const { jobId, runner, ids } = await startJob(store, { compareMethods: ['avg'] });
    await sendRound(store, runner, jobId, ids, [
      [
        [1, 1, 1, 1],
        [1, 1],
      ],
      [
        [0, 0, 0, 0],
        [0, 0],
      ],
    ]);
    const rec = store.rounds.records(jobId, new Map())[0];
    expect(rec.completedAt).not.toBeNull();
    expect(rec).not.toHaveProperty('picks');
    runner.stopTimers();
    store.close();
  });

  it(`a round of more than ${PICK_STATS_MAX_PARTICIPANTS} participants drops the tracker and its memory`, () => {
    const spec = jobSpecSchema.parse({
      name: 'many',
      model: MODEL,
      rounds: 1,
      method: 'max',
      compareMethods: ['max'],
    });
    const global = manifest.map((t) => new Float32Array(t.shape.reduce((x, y) => x * y, 1)));
    const c = createCollector(spec, manifest, global, false);
    const w = (k: number) => global.map((g) => g.map(() => k));
    for (let k = 0; k < PICK_STATS_MAX_PARTICIPANTS; k++) c.add(`p${k}`, { weights: w(k), samples: 1 });
    const full = c.memoryBytes;
    const picks = c.picks!()!;
    expect(picks.layers[0].max.shares[picks.participants.indexOf('p15')]).toBe(1);
    c.add('one-too-many', { weights: w(99), samples: 1 });
    expect(c.picks!()).toBeNull();
    expect(c.memoryBytes).toBeLessThan(full);
    // The job's own max still counts every update.
    expect(c.jobResult().weights[0][0]).toBe(99);
  });

  it('a hub.db from before pick statistics is upgraded and its rounds still read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedunify-picks-'));
    dirs.push(dir);
    let store = new Store(dir);
    const jobId = store.createJob(jobSpecSchema.parse({ name: 'old', model: MODEL, rounds: 1 })).id;
    store.rounds.start(jobId, 1, 'avg', Date.now());
    store.close();
    // Roll the schema back to the version before the pick_stats column.
    const db = new Database(join(dir, 'hub.db'));
    const version = db.pragma('user_version', { simple: true }) as number;
    db.exec('ALTER TABLE rounds DROP COLUMN pick_stats');
    db.pragma(`user_version = ${version - 1}`);
    db.close();
    store = new Store(dir);
    const rec = store.rounds.records(jobId, new Map())[0];
    expect(rec.round).toBe(1);
    expect(rec).not.toHaveProperty('picks');
    // The upgraded table takes the statistics of the next completed round.
    const picks = { participants: ['a'], layers: [] };
    store.rounds.complete(jobId, 1, {
      unifyMs: 1,
      methods: [],
      checkpoint: new Uint8Array(1),
      checkpointSha256: 'x',
      picks,
    });
    expect(store.rounds.records(jobId, new Map())[0].picks).toEqual(picks);
    store.close();
  });
});
