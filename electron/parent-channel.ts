/**
 * The child side of a utility process: process.parentPort adapted to process-rpc.ts's
 * ParentChannel. No Electron import: utility processes get only part of Electron's API.
 */
import type { ParentChannel } from './process-rpc.ts';

interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (messageEvent: { data: unknown }) => void): unknown;
}

function isParentPort(value: unknown): value is ParentPortLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { postMessage?: unknown }).postMessage === 'function' &&
    typeof (value as { on?: unknown }).on === 'function'
  );
}

/** The child's port to main; throws when this script was not started as a utility process. */
export function parentChannel(): ParentChannel {
  const port: unknown = Reflect.get(process, 'parentPort');
  if (!isParentPort(port)) {
    throw new Error('This script runs only as an Electron utility process (process.parentPort is missing).');
  }
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage: (listener) => {
      port.on('message', (event) => listener(event.data));
    },
  };
}
