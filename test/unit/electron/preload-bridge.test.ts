import { describe, expect, it } from 'vitest';
import type { BridgeEvent } from '../../../core/wire/bridge.ts';
import { BRIDGE_METHODS, HOST_METHODS } from '../../../core/wire/bridge-methods.ts';
import { EVENT_CHANNEL, HOST_CHANNELS, PARTICIPANT_CHANNELS } from '../../../electron/ipc-contract.ts';
import { createDesktopBridge, type RendererIpc } from '../../../electron/preload-bridge.ts';

/** An in-memory ipcRenderer: records invocations, lets the test emit events. */
function fakeIpc() {
  const calls: { channel: string; args: unknown[] }[] = [];
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const ipc: RendererIpc = {
    invoke: async (channel, ...args) => {
      calls.push({ channel, args });
      return `result of ${channel}`;
    },
    on: (channel, listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
    },
    removeListener: (channel, listener) => {
      listeners.get(channel)?.delete(listener);
    },
  };
  const emit = (channel: string, payload: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: 'electron internals' }, payload);
  };
  return { ipc, calls, emit };
}

describe('the preload bridge (window.fedunify)', () => {
  it('has every ParticipantBridge method and the host-mode API', () => {
    const bridge = createDesktopBridge(fakeIpc().ipc);
    for (const method of BRIDGE_METHODS) expect(typeof bridge[method], method).toBe('function');
    for (const method of HOST_METHODS) expect(typeof bridge.host[method], method).toBe('function');
    // Nothing beyond the shared contract is exposed, and every request has its own channel.
    const exposed = Object.keys(bridge).filter((k) => typeof Reflect.get(bridge, k) === 'function');
    expect(exposed.sort()).toEqual([...BRIDGE_METHODS].sort());
    expect(Object.keys(PARTICIPANT_CHANNELS).sort()).toEqual(
      BRIDGE_METHODS.filter((m) => m !== 'subscribe').sort(),
    );
  });

  it('sends each call on its own channel with its arguments', async () => {
    const { ipc, calls } = fakeIpc();
    const bridge = createDesktopBridge(ipc);
    await bridge.decideUpload(3, true);
    await bridge.loadData({ kind: 'csv', path: '/data.csv' });
    await bridge.host.startHub({ port: 0 });
    expect(calls).toEqual([
      { channel: PARTICIPANT_CHANNELS.decideUpload, args: [3, true] },
      { channel: PARTICIPANT_CHANNELS.loadData, args: [{ kind: 'csv', path: '/data.csv' }] },
      { channel: HOST_CHANNELS.startHub, args: [{ port: 0 }] },
    ]);
  });

  it('uses distinct channel names', () => {
    const names = [...Object.values(PARTICIPANT_CHANNELS), ...Object.values(HOST_CHANNELS), EVENT_CHANNEL];
    expect(new Set(names).size).toBe(names.length);
  });

  it('relays events without Electron’s event object, until unsubscribed', () => {
    const { ipc, emit } = fakeIpc();
    const bridge = createDesktopBridge(ipc);
    const seen: unknown[][] = [];
    const unsubscribe = bridge.subscribe((...args: unknown[]) => seen.push(args));
    const event: BridgeEvent = {
      type: 'log',
      entry: { ts: '2025-01-01T00:00:00Z', level: 'info', source: 'engine', message: 'hi' },
    };
    emit(EVENT_CHANNEL, event);
    unsubscribe();
    emit(EVENT_CHANNEL, event);
    expect(seen).toEqual([[event]]);
  });
});
