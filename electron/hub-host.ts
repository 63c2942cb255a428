/**
 * Main-process side of "Host a federation": runs the embedded hub in a utility process and keeps
 * its status for the UI.
 */
import type { HubInfo, HubStartOptions, HubStatus } from '../core/wire/bridge.ts';
import { createRpcClient, type ChildChannel, type RpcClient } from './process-rpc.ts';

export interface HubHost {
  start(options: HubStartOptions & { dataDir: string }): Promise<HubInfo>;
  stop(): Promise<void>;
  status(): HubStatus;
}

/** Creates the host; `spawn` forks the hub process (a fake in tests). */
export function createHubHost(spawn: () => ChildChannel): HubHost {
  let client: RpcClient | null = null;
  let status: HubStatus = { state: 'stopped' };
  return {
    async start(options) {
      if (status.state === 'running' || status.state === 'starting') {
        throw new Error('A hub is already running in this app; stop it first.');
      }
      status = { state: 'starting' };
      const rpc = createRpcClient(spawn(), 'hub');
      client = rpc;
      rpc.onExit((code) => {
        if (client === rpc) {
          client = null;
          status =
            code === 0
              ? { state: 'stopped' }
              : { state: 'error', error: `The hub stopped (exit code ${code}).` };
        }
      });
      try {
        // The hub process answers with the HubInfo it built (its own code, same build).
        const info = (await rpc.call('start', [options])) as HubInfo;
        status = { state: 'running', url: info.url, fingerprint: info.fingerprint };
        return info;
      } catch (err) {
        status = { state: 'error', error: (err as Error).message };
        client = null;
        rpc.stop();
        throw err;
      }
    },
    async stop() {
      const rpc = client;
      client = null;
      status = { state: 'stopped' };
      if (rpc === null) return;
      try {
        await Promise.race([rpc.call('stop', []), new Promise((resolve) => setTimeout(resolve, 5000))]);
      } finally {
        rpc.stop();
      }
    },
    status: () => status,
  };
}
