import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ParticipantEngine } from '../../../../core/participant/engine.ts';
import { encodeInvite } from '../../../../core/wire/invite.ts';
import type { JobAssignment } from '../../../../core/wire/protocol.ts';
import { FakeHub, fakeEncode, fakeJob, fakeRuntime } from './fakes.ts';

const invite = (token: string) =>
  encodeInvite({ hub: 'https://127.0.0.1:9', token: token.repeat(32), fingerprint: null, org: 'Org A' });
const FIRST = invite('a');
const SECOND = invite('b');
const dirs: string[] = [];

const job = (jobId = 'job1'): JobAssignment => fakeJob({ jobId, name: `job ${jobId}` });

/** An engine driven the way the UI drives it: no invite or data in the constructor. */
function setup() {
  const hub = new FakeHub();
  const stateDir = mkdtempSync(join(tmpdir(), 'fedunify-recovery-'));
  dirs.push(stateDir);
  const data = { classes: 2 };
  const engine = new ParticipantEngine({
    stateDir,
    transport: hub.factory,
    runtime: fakeRuntime(data),
    backoff: { baseMs: 5, maxMs: 20 },
    ackTimeoutMs: 1000,
  });
  return { hub, engine, data };
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ParticipantEngine recovers without a restart', () => {
  it('rejoins by itself once data that fits replaces data that did not, and the error clears', async () => {
    const { hub, engine, data } = setup();
    data.classes = 3;
    await engine.loadData({ kind: 'fashion-mnist' });
    expect((await engine.join(FIRST)).ok).toBe(true);
    hub.emit('job:assign', job());
    await vi.waitFor(() => expect(engine.getState().connection).toBe('error'));
    expect(engine.getState().connectionDetail).toMatch(/does not fit/);

    data.classes = 2;
    const loaded = await engine.loadData({ kind: 'fashion-mnist' });
    expect(loaded.ok && loaded.preview.problems).toEqual([]);
    await vi.waitFor(() => expect(engine.getState().connection).toBe('connected'));
    expect(hub.connections).toHaveLength(2);
    hub.emit('job:assign', job());
    await vi.waitFor(() => expect(hub.frames('participant:ready')).toHaveLength(1));
    expect(engine.getState().connectionDetail).not.toMatch(/does not fit/);
  });

  it('forgets the job on Leave and joins with a new invite', async () => {
    const { hub, engine } = setup();
    await engine.loadData({ kind: 'fashion-mnist' });
    await engine.join(FIRST);
    hub.emit('job:assign', job('job1'));
    await vi.waitFor(() => expect(hub.frames('participant:ready')).toHaveLength(1));

    await engine.leave();
    expect(engine.getState()).toMatchObject({ connection: 'idle', job: null });

    expect((await engine.join(SECOND)).ok).toBe(true);
    expect(hub.auths.at(-1)?.token).toBe('b'.repeat(32));
    hub.emit('job:assign', job('job2'));
    await vi.waitFor(() => expect(hub.frames('participant:ready')).toHaveLength(2));
    expect(engine.getState().job?.jobId).toBe('job2');
  });

  it('stops when its invite is revoked, then joins with a new invite', async () => {
    const { hub, engine } = setup();
    await engine.loadData({ kind: 'fashion-mnist' });
    await engine.join(FIRST);
    hub.emit('job:assign', job('job1'));
    await vi.waitFor(() => expect(hub.frames('participant:ready')).toHaveLength(1));

    hub.reachable = false;
    hub.connectErrorCode = 'unauthorized';
    hub.last.drop();
    await vi.waitFor(() => expect(engine.getState().connection).toBe('error'));
    expect(engine.getState().connectionDetail).toMatch(/refused the invite/);

    hub.reachable = true;
    hub.connectErrorCode = undefined;
    expect((await engine.join(SECOND)).ok).toBe(true);
    expect(engine.getState().job).toBeNull();
    hub.emit('job:assign', job('job2'));
    await vi.waitFor(() => expect(hub.frames('participant:ready')).toHaveLength(2));
  });

  it('stops and says the fingerprint changed when the hub comes back with another certificate', async () => {
    const { hub, engine } = setup();
    await engine.loadData({ kind: 'fashion-mnist' });
    await engine.join(FIRST);
    hub.reachable = false;
    hub.connectErrorCode = 'pin-mismatch';
    hub.last.drop();
    await vi.waitFor(() => expect(engine.getState().connection).toBe('error'));
    expect(engine.getState().connectionDetail).toMatch(/fingerprint changed/);
    const attempts = hub.connections.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(hub.connections).toHaveLength(attempts);
  });

  it('tells the waiting participant how many are ready, and how the job ended', async () => {
    const { hub, engine } = setup();
    await engine.loadData({ kind: 'fashion-mnist' });
    await engine.join(FIRST);
    hub.emit('job:assign', job());
    hub.emit('job:roster', { jobId: 'job1', ready: 1, needed: 2 });
    expect(engine.getState().roster).toEqual({ ready: 1, needed: 2 });
    hub.emit('round:start', {
      jobId: 'job1',
      round: 1,
      deadline: 0,
      weights: fakeEncode([new Float32Array(8), new Float32Array(2)]),
    });
    expect(engine.getState().roster).toBeNull();
    hub.emit('job:end', { jobId: 'job1', reason: 'round-limit', finalRound: 2 });
    expect(engine.getState().ended).toEqual({ reason: 'round-limit', finalRound: 2 });
  });
});
