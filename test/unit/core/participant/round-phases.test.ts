/** The round runner's phase modules on their own: update protection, metrics, acked sends, approval. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SendRefused, sendAcked, type SendContext } from '../../../../core/participant/acked-send.ts';
import { OutboundLog } from '../../../../core/participant/outbound-log.ts';
import { updateMetrics } from '../../../../core/participant/round-metrics.ts';
import { StateStore } from '../../../../core/participant/state.ts';
import { localBudgetRefusal, protectUpdate } from '../../../../core/participant/update-protection.ts';
import { UploadApproval } from '../../../../core/participant/upload-approval.ts';
import { trainAndEvaluate } from '../../../../core/participant/round-training.ts';
import type { Ack, JobPrivacy, ParticipantStatus } from '../../../../core/wire/protocol.ts';
import { FakeHub, TINY_SPEC, fakeJob, fakeRuntime } from './fakes.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fedunify-round-phases-'));
  dirs.push(d);
  return d;
}

const localDp = (targetEpsilon?: number): JobPrivacy => ({
  secureAggregation: false,
  dp: {
    mode: 'local',
    clip: 1,
    noiseMultiplier: 1,
    delta: 1e-5,
    ...(targetEpsilon ? { targetEpsilon } : {}),
  },
});

describe('protectUpdate', () => {
  it('sends the trained weights unchanged when neither secure aggregation nor DP applies', () => {
    const trained = [new Float32Array([1, 2])];
    const p = protectUpdate({ round: 1 }, [new Float32Array([0, 0])], trained);
    expect(p.sendWeights).toBe(trained);
    expect(p.delta).toBeNull();
    expect(p.note).toBeNull();
  });

  it('clips the delta to the clip norm under local DP and sends start + clipped delta', () => {
    const p = protectUpdate(
      { round: 3, localDp: { clip: 1, noiseStd: 0 } },
      [new Float32Array([1, 1])],
      [new Float32Array([4, 5])],
    );
    expect(Array.from(p.delta!)).toEqual([expect.closeTo(0.6, 5), expect.closeTo(0.8, 5)]);
    expect(Array.from(p.sendWeights[0]!)).toEqual([expect.closeTo(1.6, 5), expect.closeTo(1.8, 5)]);
    expect(p.note).toBe(
      'Round 3: update clipped from L2 norm 5.000 to 1, Gaussian noise σ = 0.00 added here before it leaves.',
    );
  });
});

describe('localBudgetRefusal', () => {
  it('lets every round run without a local target ε', () => {
    expect(localBudgetRefusal({ privacy: localDp() }, [{ round: 1, dpNoised: true }], 2)).toBeNull();
  });

  it('refuses the round that would take ε over the target, not counting a resent round', () => {
    const rounds = [{ round: 1, dpNoised: true }];
    // One noised round (σ multiplier 1, δ 1e-5) spends ε ≈ 4.75; a second would go past 5.
    expect(localBudgetRefusal({ privacy: localDp(1e9) }, rounds, 2)).toBeNull();
    expect(localBudgetRefusal({ privacy: localDp(5) }, rounds, 1)).toBeNull();
    expect(localBudgetRefusal({ privacy: localDp(5) }, rounds, 2)).toMatch(
      /^Round 2: not taking part: another noised update would bring this participant's ε from 4\.753 to \d+\.\d{3}, over the job's target 5\.$/,
    );
  });
});

describe('updateMetrics', () => {
  it('keeps a diverged run finite and its accuracy in [0, 1]', () => {
    const m = updateMetrics(
      { loss: NaN, accuracy: 1.5, samples: 4, samplesPerSec: Infinity, durationMs: 10 },
      { loss: Infinity, accuracy: -1, samples: 2 },
    );
    expect(m).toEqual({
      loss: 0,
      accuracy: 1,
      testLoss: 0,
      testAccuracy: 0,
      samplesPerSec: 0,
      durationMs: 10,
    });
  });
});

function sendSetup(answers: (Ack<object> | null)[]) {
  const hub = new FakeHub();
  hub.answer = () => (answers.length > 0 ? answers.shift()! : { ok: true });
  const conn = hub.factory({ url: 'https://127.0.0.1:9', fingerprint: null, auth: {} as never });
  (conn as { connected: boolean }).connected = true;
  const store = new StateStore(stateDir(), false);
  const ctx: SendContext = {
    store,
    outbound: new OutboundLog(stateDir()),
    connection: () => conn,
    waitConnected: () => Promise.resolve(),
    ackTimeoutMs: 1,
    maxAttempts: 3,
  };
  const send = () =>
    sendAcked(
      ctx,
      'job1',
      'round:eval',
      { jobId: 'job1', round: 2, accuracy: 0.5, loss: 1, samples: 4 },
      2,
      'auto',
      new AbortController().signal,
    );
  return { hub, store, send };
}

describe('sendAcked', () => {
  it('retries a rate-limited answer and records every attempt', async () => {
    const { hub, store, send } = sendSetup([{ ok: false, code: 'rate-limited', error: 'slow down' }]);
    await send();
    expect(hub.frames('round:eval')).toHaveLength(2);
    expect(store.get().outbound).toHaveLength(2);
    expect(store.get().logs.map((l) => l.message)).toContain(
      'round:eval for round 2: hub answered rate-limited (slow down); retrying.',
    );
  });

  it('takes a conflict as already delivered', async () => {
    const { hub, store, send } = sendSetup([{ ok: false, code: 'conflict', error: 'have it' }]);
    await send();
    expect(hub.frames('round:eval')).toHaveLength(1);
    expect(store.get().logs.map((l) => l.message)).toContain(
      'round:eval for round 2: the hub already has it.',
    );
  });

  it('gives up at once when the hub refuses', async () => {
    const { hub, send } = sendSetup([{ ok: false, code: 'bad-request', error: 'no' }]);
    await expect(send()).rejects.toThrow(
      new SendRefused('round:eval for round 2 refused by the hub: no (bad-request).'),
    );
    expect(hub.frames('round:eval')).toHaveLength(1);
  });

  it('gives up after maxAttempts unanswered attempts', async () => {
    const { hub, send } = sendSetup([null, null, null]);
    await expect(send()).rejects.toThrow('round:eval for round 2: gave up after 3 attempts.');
    expect(hub.frames('round:eval')).toHaveLength(3);
  });
});

describe('UploadApproval', () => {
  function approvalSetup(approveUploads: boolean) {
    const store = new StateStore(stateDir(), approveUploads);
    const statuses: unknown[] = [];
    const approval = new UploadApproval({ store, outbound: new OutboundLog(stateDir()) }, 'job1', (s) =>
      statuses.push(s),
    );
    return { store, statuses, approval };
  }

  it("answers 'auto' at once when uploads need no approval", async () => {
    const { approval, statuses } = approvalSetup(false);
    await expect(approval.request(1, new Uint8Array(8), new AbortController().signal)).resolves.toBe('auto');
    expect(statuses).toEqual([]);
  });

  it("waits for the user's decision of that round only", async () => {
    const { approval, store, statuses } = approvalSetup(true);
    const pending = approval.request(4, new Uint8Array(8), new AbortController().signal);
    expect(store.get().pendingApproval).toMatchObject({ round: 4, bytes: 8 });
    expect(statuses).toEqual([{ state: 'awaiting-approval', round: 4 }]);
    approval.decide(3, true);
    approval.decide(4, true);
    await expect(pending).resolves.toBe('user');
    expect(store.get().pendingApproval).toBeNull();
  });

  it('counts a cancel as declined', async () => {
    const { approval } = approvalSetup(true);
    const pending = approval.request(1, new Uint8Array(8), new AbortController().signal);
    approval.cancel();
    await expect(pending).resolves.toBeNull();
  });
});

describe('trainAndEvaluate', () => {
  it('a backend change during training reaches the Training screen, the log and the hub', async () => {
    const store = new StateStore(stateDir(), false);
    const runtime = fakeRuntime();
    const data = await runtime.loadData({ kind: 'folder', path: 'unused' }, {});
    const model = await runtime.createModel(TINY_SPEC);
    const moved = { backend: 'wasm', device: 'WebAssembly SIMD, 1 thread', notes: ['the page failed'] };
    const train = model.train.bind(model);
    model.train = async (o) => {
      o.onBackendChange?.(moved, 'the GPU engine page failed; training again here.', 'warn');
      return train(o);
    };
    const statuses: ParticipantStatus[] = [];
    const job = fakeJob();
    await trainAndEvaluate(
      { store, job, model, data, status: (s) => statuses.push(s) },
      2,
      new AbortController().signal,
    );
    expect(store.get().backend).toEqual(moved);
    expect(store.get().logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'Round 2: the GPU engine page failed; training again here.',
      }),
    );
    expect(statuses).toContainEqual({ state: 'training', round: 2, backend: moved });
  });
});
