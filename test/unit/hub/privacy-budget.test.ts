/**
 * A DP job with a target ε stops cleanly before a round would spend more than it: the job is
 * completed with the reason in its status and log, and no round past the budget starts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../../hub/db/store.ts';
import { HubEvents, HubLogger } from '../../../hub/hub-events.ts';
import { JobRunner } from '../../../hub/rounds/round-coordinator.ts';
import { jobSpecSchema } from '../../../core/wire/job-spec.ts';
import { encodeWeights } from '../../../core/wire/weights-codec.ts';
import { fakeSocket, tinyJob, updateMetrics } from './tiny-job.ts';
import { privacySpent } from '../../../core/privacy/rdp-accountant.ts';

const { model: MODEL, manifest, weights, dataset, backend } = tinyJob(2, 2, 2);
const metrics = updateMetrics;
const tick = () => new Promise((r) => setTimeout(r, 5));

const eps = (z: number, steps: number) =>
  privacySpent({ noiseMultiplier: z, sampleRate: 1, steps, delta: 1e-5 }).epsilon;

describe('hub: a DP job stops when its privacy budget is spent', () => {
  let store: Store | null = null;
  afterEach(() => store?.close());

  it('completes after the last round that fits under targetEpsilon, with the reason in status, log and job:end', async () => {
    store = new Store(':memory:');
    const z = 2;
    const target = Number(((eps(z, 2) + eps(z, 3)) / 2).toFixed(3));
    const spec = jobSpecSchema.parse({
      name: 'budget',
      model: MODEL,
      rounds: 10,
      dp: { mode: 'central', clip: 1, noiseMultiplier: z, targetEpsilon: target },
    });
    const job = store.createJob(spec);
    const events = new HubEvents();
    const runner = new JobRunner(
      { store, events, log: new HubLogger(store, events, 'silent'), evaluatorFor: () => null },
      job,
    );
    const log: string[] = [];
    const ids = ['a', 'b'].map((name) => {
      const p = store!.upsertParticipant({ jobId: job.id, inviteId: `i-${name}`, instanceId: name, name });
      runner.attach(
        p.id,
        name,
        fakeSocket(name, (event, msg) =>
          log.push(
            `${name} ${event}${msg?.round ? ` ${msg.round}` : ''}${msg?.reason ? ` ${msg.reason}` : ''}`,
          ),
        ),
      );
      runner.ready(p.id, { dataset, backend });
      return p.id;
    });
    await tick();
    for (const round of [1, 2]) {
      expect(log).toContain(`a round:start ${round}`);
      for (const [i, id] of ids.entries()) {
        const ack = await runner.update(id, {
          jobId: job.id,
          round,
          samples: 5,
          metrics,
          weights: new Uint8Array(encodeWeights(manifest, weights(i))),
          signature: 'A'.repeat(86) + '==',
        });
        expect(ack.ok, JSON.stringify(ack)).toBe(true);
      }
      await tick();
      for (const id of ids) runner.evalReport(id, { round, accuracy: 0.5, loss: 1, samples: 5 });
      await tick();
    }
    const ended = store.getJob(job.id)!;
    expect(ended.status).toBe('completed');
    expect(ended.statusDetail).toBe(
      `privacy budget spent: ε = ${eps(z, 2).toFixed(3)} of target ${target} (round 3 would bring it to ${eps(z, 3).toFixed(3)}); stopped before it`,
    );
    expect(ended.currentRound).toBe(2);
    expect(log.some((l) => l.includes('round:start 3'))).toBe(false);
    expect(log).toContain('a job:end privacy-budget');
    const hubLog = store.logs(job.id).map((l) => l.message);
    expect(hubLog.some((m) => m.includes('privacy budget spent: ε ='))).toBe(true);
    runner.stopTimers();
  });
});
