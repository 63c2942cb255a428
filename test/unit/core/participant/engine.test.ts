import { PROTOCOL_VERSION } from '../../../../core/wire/protocol.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ParticipantEngine } from '../../../../core/participant/engine.ts';
import { encodeInvite } from '../../../../core/wire/invite.ts';
import type { RoundEval, RoundUpdate } from '../../../../core/wire/protocol.ts';
import { FakeHub, fakeEncode, fakeJob, fakeRuntime } from './fakes.ts';

const INVITE = encodeInvite({
  hub: 'https://127.0.0.1:9',
  token: 't'.repeat(32),
  fingerprint: null,
  org: 'Org A',
});
const ALLOWED = new Set(['participant:ready', 'round:update', 'round:eval', 'participant:status']);
const dirs: string[] = [];

const job = fakeJob;

const zeros = () => fakeEncode([new Float32Array(8), new Float32Array(2)]);

function setup(opts: { approveUploads?: boolean; classes?: number; ackTimeoutMs?: number } = {}) {
  const hub = new FakeHub();
  const stateDir = mkdtempSync(join(tmpdir(), 'fedunify-engine-'));
  dirs.push(stateDir);
  const runtime = fakeRuntime({ classes: opts.classes });
  const engine = new ParticipantEngine({
    invite: INVITE,
    dataSource: { kind: 'fashion-mnist' },
    stateDir,
    transport: hub.factory,
    runtime,
    approveUploads: opts.approveUploads,
    backoff: { baseMs: 5, maxMs: 20 },
    ackTimeoutMs: opts.ackTimeoutMs ?? 1000,
  });
  return { hub, engine, stateDir, runtime };
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ParticipantEngine', () => {
  it("trains with the job's FedProx μ and local steps (absent μ: none passed)", async () => {
    for (const proximalMu of [0.05, undefined]) {
      const { hub, engine, runtime } = setup();
      await engine.start();
      hub.emit('job:assign', job({ localSteps: 3, ...(proximalMu ? { proximalMu } : {}) }));
      await vi.waitFor(() => expect(hub.frames('participant:ready')).toHaveLength(1));
      hub.emit('round:start', { jobId: 'job1', round: 1, deadline: Date.now() + 60_000, weights: zeros() });
      await vi.waitFor(() => expect(hub.frames('round:update')).toHaveLength(1));
      expect(runtime.trainOptions[0].steps).toBe(3);
      expect(runtime.trainOptions[0].proximalMu).toBe(proximalMu);
      await engine.leave();
    }
  });

  it('runs a round: ready, update with the trained weights, eval of the unified model, end', async () => {
    const { hub, engine, stateDir } = setup();
    await engine.start();
    expect(hub.auths[0]).toMatchObject({ token: 't'.repeat(32), protocolVersion: PROTOCOL_VERSION });
    expect(hub.auths[0].publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);

    hub.emit('job:assign', job());
    await vi.waitFor(() => expect(hub.frames('participant:ready')).toHaveLength(1));
    const ready = hub.frames('participant:ready')[0] as { dataset: object; backend: object };
    expect(Object.keys(ready).sort()).toEqual(['backend', 'dataset']);
    expect(ready.dataset).toMatchObject({ trainSamples: 8, testSamples: 4, numClasses: 2 });

    hub.emit('round:start', { jobId: 'job1', round: 1, deadline: Date.now() + 60_000, weights: zeros() });
    await vi.waitFor(() => expect(hub.frames('round:update')).toHaveLength(1));
    const update = hub.frames('round:update')[0] as RoundUpdate;
    expect(update.round).toBe(1);
    expect(update.samples).toBe(8);
    expect(Array.from(new Float32Array(update.weights.buffer, update.weights.byteOffset, 11))).toEqual([
      10,
      ...Array(10).fill(1),
    ]);
    expect(update.metrics).toMatchObject({ accuracy: 0.75, testAccuracy: 0.61 });

    const unified = fakeEncode([new Float32Array(8).fill(2), new Float32Array(2).fill(5)]);
    hub.emit('round:unified', { jobId: 'job1', round: 1, method: 'avg', weights: unified, hubAccuracy: 0.7 });
    await vi.waitFor(() => expect(hub.frames('round:eval')).toHaveLength(1));
    expect((hub.frames('round:eval')[0] as RoundEval).accuracy).toBeCloseTo(0.65);
    expect(engine.getState().rounds).toEqual([
      {
        round: 1,
        localAccuracy: 0.75,
        localTestAccuracy: 0.61,
        hubAccuracy: 0.7,
        unifiedLocalAccuracy: expect.closeTo(0.65),
        method: 'avg',
      },
    ]);

    hub.emit('job:end', { jobId: 'job1', reason: 'round-limit', finalRound: 1 });
    await expect(engine.finished()).resolves.toMatchObject({ reason: 'round-limit' });
    expect(engine.getState().connection).toBe('finished');
    expect(hub.sent.every((f) => ALLOWED.has(f.event))).toBe(true);
    const outbound = readFileSync(join(stateDir, 'outbound.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; bytes: number });
    expect(outbound.filter((r) => r.event === 'round:update')).toEqual([
      expect.objectContaining({ bytes: update.weights.byteLength }),
    ]);
    expect(readFileSync(join(stateDir, 'participant.log'), 'utf8')).toContain('Job ended after round 1');
  });

  it('holds the upload until the user approves it, and sends nothing when declined', async () => {
    const { hub, engine } = setup({ approveUploads: true });
    await engine.start();
    hub.emit('job:assign', job());
    await vi.waitFor(() => expect(hub.frames('participant:ready')).toHaveLength(1));

    hub.emit('round:start', { jobId: 'job1', round: 1, deadline: 0, weights: zeros() });
    await vi.waitFor(() => expect(engine.getState().pendingApproval).toMatchObject({ round: 1 }));
    await new Promise((r) => setTimeout(r, 30));
    expect(hub.frames('round:update')).toHaveLength(0);
    await engine.decideUpload(1, true);
    await vi.waitFor(() => expect(hub.frames('round:update')).toHaveLength(1));
    expect(engine.getState().outbound.at(-1)).toMatchObject({ event: 'round:update', approvedBy: 'user' });

    hub.emit('round:start', { jobId: 'job1', round: 2, deadline: 0, weights: zeros() });
    await vi.waitFor(() => expect(engine.getState().pendingApproval).toMatchObject({ round: 2 }));
    await engine.decideUpload(2, false);
    await vi.waitFor(() => expect(engine.getState().pendingApproval).toBeNull());
    await new Promise((r) => setTimeout(r, 30));
    expect(hub.frames('round:update')).toHaveLength(1);
  });

  it('reconnects with backoff after the hub vanishes, says so, and resends the round it had not confirmed', async () => {
    const { hub, engine, runtime } = setup({ ackTimeoutMs: 50 });
    await engine.start();
    hub.emit('job:assign', job());
    await vi.waitFor(() => expect(hub.frames('participant:ready')).toHaveLength(1));
    hub.answer = (event) => (event === 'round:update' ? null : { ok: true });
    hub.emit('round:start', { jobId: 'job1', round: 1, deadline: 0, weights: zeros() });
    await vi.waitFor(() => expect(hub.frames('round:update').length).toBeGreaterThanOrEqual(1));

    hub.reachable = false;
    hub.last.drop();
    await vi.waitFor(() =>
      expect(engine.getState().connectionDetail).toMatch(/hub unreachable .*retrying in \d+ ms/),
    );
    expect(['reconnecting', 'connecting']).toContain(engine.getState().connection);

    hub.answer = () => ({ ok: true });
    hub.reachable = true;
    await vi.waitFor(() => expect(engine.getState().connection).toBe('connected'));
    hub.emit('job:assign', job({ currentRound: 1 }));
    await vi.waitFor(() => expect(hub.frames('participant:ready')).toHaveLength(2));
    hub.emit('round:start', { jobId: 'job1', round: 1, deadline: 0, weights: zeros() });
    await vi.waitFor(() =>
      expect(
        engine.getState().outbound.filter((o) => o.event === 'round:update').length,
      ).toBeGreaterThanOrEqual(2),
    );
    const shas = new Set(
      engine
        .getState()
        .outbound.filter((o) => o.event === 'round:update')
        .map((o) => o.sha256),
    );
    expect(shas.size).toBe(1);
    expect(runtime.trained).toBe(1);
  });

  it('refuses a job whose model does not fit the local data, naming the problem, and sends no ready', async () => {
    const { hub, engine } = setup({ classes: 3 });
    await engine.start();
    hub.emit('job:assign', job());
    await expect(engine.finished()).rejects.toThrow(/3 classes.*model 2/);
    expect(engine.getState().connection).toBe('error');
    expect(engine.getState().data?.problems).toEqual(["the data has 3 classes, the job's model 2"]);
    expect(hub.frames('participant:ready')).toHaveLength(0);
  });

  it('stops at a refused invite instead of retrying', async () => {
    const { hub, engine } = setup();
    hub.reachable = false;
    hub.connectErrorCode = 'unauthorized';
    await expect(engine.start()).rejects.toThrow(/refused the invite/);
    expect(hub.connections).toHaveLength(1);
    expect(engine.getState().connection).toBe('error');
  });

  it('skips a round whose weights do not fit the model and tells the user', async () => {
    const { hub, engine } = setup();
    await engine.start();
    hub.emit('job:assign', job());
    await vi.waitFor(() => expect(hub.frames('participant:ready')).toHaveLength(1));
    hub.emit('round:start', {
      jobId: 'job1',
      round: 1,
      deadline: 0,
      weights: fakeEncode([new Float32Array(3)]),
    });
    await vi.waitFor(() => expect(engine.getState().logs.at(-1)?.message).toMatch(/do not fit the model/));
    expect(hub.frames('round:update')).toHaveLength(0);
  });

  it('a hostile or outdated hub: malformed pushes are ignored with a log line and lose nothing', async () => {
    const { hub, engine } = setup();
    await engine.start();
    // Each of these threw inside the socket handler (a crash of the participant process) or was
    // taken as it came; now each is checked first.
    const malformed: [string, unknown][] = [
      ['job:end', null],
      ['job:assign', { ...job(), rounds: 'many' }],
      ['job:assign', { ...job(), model: { ...job().model, layers: [] } }],
      ['round:start', { jobId: 'job1', round: 1, deadline: Date.now() + 60_000, weights: 'AAAA' }],
      ['round:unified', { jobId: 'job1', round: 1, method: 'nonsense', weights: zeros(), hubAccuracy: 2 }],
      ['job:roster', { jobId: 'job1', ready: -1, needed: 'x' }],
      ['hub:error', 42],
      ['secagg:inbox', { jobId: 'job1', round: 1, shares: 'none' }],
    ];
    for (const [event, msg] of malformed) {
      expect(() => hub.emit(event as 'job:end', msg as never)).not.toThrow();
    }
    const ignored = engine
      .getState()
      .logs.filter((l) => /^Ignored a malformed \S+ from the hub \(/.test(l.message));
    expect(ignored.map((l) => l.message.split(' ')[3])).toEqual(malformed.map(([event]) => event));
    expect(engine.getState().job).toBeNull();
    expect(engine.getState().connection).toBe('connected');

    // Text shown to the user is cleaned of terminal escapes.
    hub.emit('hub:error', { code: 'internal', message: 'boom\u001b[2J\u001b[31m red' } as never);
    expect(engine.getState().logs.at(-1)?.message).not.toContain('\u001b');

    // The same participant still runs a round with a well-formed hub.
    hub.emit('job:assign', job({ name: 'evil\u001b]0;title\u0007 job' }));
    expect(engine.getState().job?.name).toBe('evil job');
    await vi.waitFor(() => expect(hub.frames('participant:ready')).toHaveLength(1));
    hub.emit('round:start', { jobId: 'job1', round: 1, deadline: Date.now() + 60_000, weights: zeros() });
    await vi.waitFor(() => expect(hub.frames('round:update')).toHaveLength(1));
    await engine.leave();
  });

  it("refuses a job whose model would exhaust this machine's memory, and says what to do", async () => {
    const { hub, engine } = setup();
    await engine.start();
    const huge = {
      ...job().model,
      inputShape: [1024, 1024, 4] as [number, number, number],
      layers: [
        { type: 'flatten' as const },
        { type: 'dense' as const, units: 65536, activation: 'relu' as const },
        { type: 'dense' as const, units: 2, activation: 'softmax' as const },
      ],
    };
    hub.emit('job:assign', job({ model: huge }));
    await vi.waitFor(() => expect(engine.getState().connection).toBe('error'));
    expect(engine.getState().connectionDetail).toMatch(
      /model of 274,878,103,554 parameters \(1,048,577 MiB per update\), over this participant's limit of 50,000,000\. Ask the hub operator for a smaller model, or raise the limit \(--max-model-params\)/,
    );
    expect(hub.frames('participant:ready')).toHaveLength(0);
  });
});
