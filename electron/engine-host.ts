/**
 * Main-process side of the participant engine: the engine runs in a utility process (training
 * never blocks the UI thread); this host forks it on first use, forwards typed requests, relays
 * its BridgeEvents, and forks a fresh one after a crash.
 */
import type { BridgeEvent } from '../core/wire/bridge.ts';
import type { EngineApi, EngineMethod } from '../core/wire/bridge-methods.ts';
import { createRpcClient, type ChildChannel, type RpcClient } from './process-rpc.ts';

export interface EngineHost extends EngineApi {
  /** Every BridgeEvent of the engine, plus a log entry when the engine process dies. */
  onEvent(listener: (event: BridgeEvent) => void): () => void;
  stop(): void;
}

/** Creates the host; `spawn` forks the engine process (a fake in tests). */
export function createEngineHost(spawn: () => ChildChannel): EngineHost {
  let client: RpcClient | null = null;
  const listeners = new Set<(event: BridgeEvent) => void>();
  const emit = (event: BridgeEvent): void => {
    for (const listener of listeners) listener(event);
  };

  const ensure = (): RpcClient => {
    if (client?.alive) return client;
    const next = createRpcClient(spawn(), 'participant engine');
    // Events come from our own engine process; the envelope was checked by the RPC layer.
    next.onEvent((event) => emit(event as BridgeEvent));
    next.onExit((code) => {
      if (code === 0) return;
      emit({
        type: 'log',
        entry: {
          ts: new Date().toISOString(),
          level: 'error',
          source: 'desktop',
          message: `The participant engine stopped unexpectedly (exit code ${code}); it restarts on the next action.`,
        },
      });
    });
    client = next;
    return next;
  };

  const call =
    <M extends EngineMethod>(method: M) =>
    (...args: Parameters<EngineApi[M]>): ReturnType<EngineApi[M]> =>
      ensure().call(method, args) as ReturnType<EngineApi[M]>;

  return {
    getState: call('getState'),
    inspectInvite: call('inspectInvite'),
    loadData: call('loadData'),
    join: call('join'),
    leave: call('leave'),
    setApproveUploads: call('setApproveUploads'),
    decideUpload: call('decideUpload'),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      client?.stop();
      client = null;
    },
  };
}
