/** Adapts Electron's utilityProcess (main side) to the ChildChannel port of process-rpc.ts. */
import { utilityProcess } from 'electron';
import type { ChildChannel } from './process-rpc.ts';

/** Forks `modulePath` as a utility process (Node in a Chromium service, off the UI thread). */
export function forkUtility(
  modulePath: string,
  serviceName: string,
  env: Record<string, string> = {},
): ChildChannel {
  const child = utilityProcess.fork(modulePath, [], {
    serviceName,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return {
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => {
      child.on('message', listener);
    },
    onExit: (listener) => {
      child.on('exit', listener);
    },
    kill: () => {
      child.kill();
    },
  };
}
