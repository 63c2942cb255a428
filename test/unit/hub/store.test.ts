import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../hub/db/store.ts';
import { jobSpecSchema } from '../../../core/wire/job-spec.ts';
import { updateMetrics } from './tiny-job.ts';

const spec = jobSpecSchema.parse({ name: 'store test', rounds: 4 });
const metrics = updateMetrics;

describe('Store', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedunify-store-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('keeps a running job, its open round and its stored update across a reopen', async () => {
    const dir = fresh();
    const s1 = new Store(dir);
    const job = s1.createJob(spec);
    s1.updateJob(job.id, { status: 'running', currentRound: 2 });
    s1.rounds.start(job.id, 2, 'avg', 12345);
    const p = s1.upsertParticipant({ jobId: job.id, inviteId: 'inv-1', instanceId: 'i1', name: 'Org' });
    const weights = new Uint8Array([1, 2, 3]);
    await s1.rounds.putUpdate(job.id, 2, {
      participantId: p.id,
      samples: 7,
      metrics,
      bytes: 3,
      sha256: 'abc',
      weights,
    });
    s1.close();

    const s2 = new Store(dir);
    expect(s2.getJob(job.id)).toMatchObject({ status: 'running', currentRound: 2 });
    expect(s2.rounds.get(job.id, 2)).toMatchObject({ completedAt: null, deadline: 12345 });
    expect(s2.rounds.updates(job.id, 2)[0]).toMatchObject({ participantId: p.id, samples: 7, weights });
    expect(s2.upsertParticipant({ jobId: job.id, inviteId: 'inv-1', instanceId: 'i1', name: 'Org' }).id).toBe(
      p.id,
    );
    s2.close();
  });

  it('stores an update once per participant and round', async () => {
    const s = new Store(fresh());
    const job = s.createJob(spec);
    const u = {
      participantId: 'p',
      samples: 1,
      metrics,
      bytes: 1,
      sha256: 'x',
      weights: new Uint8Array([1]),
    };
    expect(await s.rounds.putUpdate(job.id, 1, u)).toBe(true);
    expect(await s.rounds.putUpdate(job.id, 1, { ...u, sha256: 'y' })).toBe(false);
    expect(s.rounds.updates(job.id, 1).map((x) => x.sha256)).toEqual(['x']);
    s.close();
  });

  it('drops update weights but keeps their hashes when a round completes', async () => {
    const s = new Store(fresh());
    const job = s.createJob(spec);
    s.rounds.start(job.id, 1, 'avg', 0);
    await s.rounds.putUpdate(job.id, 1, {
      participantId: 'p',
      samples: 1,
      metrics,
      bytes: 1,
      sha256: 'h',
      weights: new Uint8Array([9]),
    });
    s.rounds.complete(job.id, 1, {
      unifyMs: 1,
      methods: [{ method: 'avg', hubAccuracy: 0.8, hubLoss: 0.3 }],
      checkpoint: new Uint8Array([4, 5]),
      checkpointSha256: 'c',
    });
    expect(s.rounds.updates(job.id, 1)[0]).toMatchObject({ sha256: 'h', weights: null });
    expect(s.rounds.checkpoint(job.id)).toEqual({ round: 1, weights: new Uint8Array([4, 5]) });
    expect(s.rounds.records(job.id, new Map())[0].hubAccuracy).toBe(0.8);
    s.close();
  });

  it('keeps one participant per invite whatever instance id a client sends, names two invites apart, revokes invites', () => {
    const s = new Store(fresh());
    const job = s.createJob(spec);
    const a = s.upsertParticipant({ jobId: job.id, inviteId: 'i', instanceId: 'a', name: 'Org' });
    const again = s.upsertParticipant({ jobId: job.id, inviteId: 'i', instanceId: 'b', name: 'Org' });
    expect(again.id).toBe(a.id);
    const other = s.upsertParticipant({ jobId: job.id, inviteId: 'j', instanceId: 'a', name: 'Org' });
    expect(other.id).not.toBe(a.id);
    expect([a.name, other.name]).toEqual(['Org', 'Org (2)']);
    const inv = s.createInvite('Org', job.id, 'hash');
    expect(s.revokeInvite(inv.id)).toBe(true);
    expect(s.inviteByTokenHash('hash')?.revoked).toBe(true);
    expect(s.revokeInvite('inv-none')).toBe(false);
    s.close();
  });
});
