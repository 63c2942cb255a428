import { describe, expect, it } from 'vitest';
import type { BridgeEvent, ParticipantState } from '../../../core/wire/bridge.ts';
import { createEngineHost } from '../../../electron/engine-host.ts';
import { serveEngine, type ServableEngine } from '../../../electron/engine-server.ts';
import { memoryPort } from './memory-port.ts';
import { initialState } from '../../../core/participant/state.ts';

const idle: ParticipantState = initialState(false);

/** A fake engine: records calls, emits what the test asks. */
function fakeEngine() {
  const listeners = new Set<(event: BridgeEvent) => void>();
  const calls: string[] = [];
  const engine: ServableEngine = {
    getState: () => idle,
    inspectInvite: async () => ({
      ok: true,
      hub: { url: 'https://h', fingerprint: null, org: 'o' },
      job: null,
      detail: 'no job yet',
    }),
    loadData: async () => ({ ok: false, error: 'no such folder', code: 'bad-request' }),
    join: async (invite) => {
      calls.push(`join ${invite}`);
      if (invite === 'explode') throw new Error('engine blew up');
      return { ok: true };
    },
    leave: async () => undefined,
    setApproveUploads: async (on) => void calls.push(`approve ${on}`),
    decideUpload: async (round, approve) => void calls.push(`decide ${round} ${approve}`),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { engine, calls, emit: (e: BridgeEvent) => listeners.forEach((l) => l(e)) };
}

/** Both ends of a utility process in memory, the engine served on the parent's end. */
function memoryProcess(engine: ServableEngine) {
  const { parent, child, exit } = memoryPort();
  serveEngine(parent, engine);
  return { child, crash: exit };
}

describe('engine host ↔ engine process', () => {
  it('answers requests with the engine’s results, in order', async () => {
    const { engine, calls } = fakeEngine();
    const host = createEngineHost(() => memoryProcess(engine).child);
    expect(await host.getState()).toEqual(idle);
    expect(await host.loadData({ kind: 'folder', path: '/x' })).toEqual({
      ok: false,
      error: 'no such folder',
      code: 'bad-request',
    });
    await host.decideUpload(2, false);
    await host.setApproveUploads(true);
    expect(calls).toEqual(['decide 2 false', 'approve true']);
  });

  it('turns an engine exception into a rejected request with its message', async () => {
    const host = createEngineHost(() => memoryProcess(fakeEngine().engine).child);
    await expect(host.join('explode')).rejects.toThrow('engine blew up');
  });

  it('relays engine events to subscribers', async () => {
    const fake = fakeEngine();
    const host = createEngineHost(() => memoryProcess(fake.engine).child);
    const seen: BridgeEvent[] = [];
    host.onEvent((e) => seen.push(e));
    await host.getState(); // forks the process
    const progress: BridgeEvent = {
      type: 'progress',
      progress: {
        round: 1,
        epoch: 1,
        epochs: 2,
        samplesDone: 5,
        samplesTotal: 10,
        loss: 1,
        accuracy: 0.5,
        samplesPerSec: 90,
        etaSec: null,
      },
    };
    fake.emit(progress);
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([progress]);
  });

  it('fails pending requests when the process dies, reports it, and forks a new one next time', async () => {
    const fake = fakeEngine();
    let forks = 0;
    let current: ReturnType<typeof memoryProcess> | null = null;
    const host = createEngineHost(() => {
      forks++;
      current = memoryProcess(fake.engine);
      return current.child;
    });
    const seen: BridgeEvent[] = [];
    host.onEvent((e) => seen.push(e));
    const pending = host.join('slow');
    current!.crash(139);
    await expect(pending).rejects.toThrow(/stopped \(exit code 139\)/);
    expect(seen.some((e) => e.type === 'log' && e.entry.level === 'error')).toBe(true);
    expect(await host.getState()).toEqual(idle);
    expect(forks).toBe(2);
  });
});
