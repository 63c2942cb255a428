/**
 * An order-statistics worker (order-stat-threads.ts): keeps views of the round's updates in
 * shared memory and, per call, claims chunks of coordinates until none is left.
 */
import { parentPort } from 'node:worker_threads';
import { viewsOf, workChunks, type RunMessage } from './order-stat-threads.ts';
import type { Update } from '../unify/types.ts';

const port = parentPort;
if (port === null) throw new Error('order-stat-worker.ts must run in a worker thread');

let buffers: SharedArrayBuffer[] = [];
port.on('message', (msg: RunMessage) => {
  if (msg.buffers) buffers = msg.buffers;
  const updates: Update[] = viewsOf(buffers, msg.offsets, msg.lengths);
  workChunks(updates, msg);
});
port.postMessage('ready');
