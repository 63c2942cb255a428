/**
 * The /operator namespace: consoles authenticate with their bearer token at the handshake and
 * receive the hub's change feed (jobs, participants, rounds, logs) as it happens.
 */
import type { Namespace } from 'socket.io';
import type { OperatorClientEvents, OperatorServerEvents } from '../../core/wire/protocol.ts';
import type { HubEvents } from '../hub-events.ts';
import type { OperatorSessions } from './operator-auth.ts';

/** Registers auth and the change feed on the /operator namespace; returns the unsubscribe function. */
export function registerOperatorHandlers(
  nsp: Namespace<OperatorClientEvents, OperatorServerEvents>,
  deps: { sessions: OperatorSessions; events: HubEvents },
): () => void {
  nsp.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | null)?.token;
    const who = deps.sessions.check(typeof token === 'string' ? token : undefined);
    if (!who) {
      next(
        Object.assign(new Error('unauthorized: log in through POST /api/login and pass { token } as auth'), {
          data: { code: 'unauthorized' },
        }),
      );
      return;
    }
    socket.data = { operator: who, token };
    next();
  });
  // Consoles only listen; anything they send is ignored.
  nsp.on('connection', (socket) => socket.onAny(() => undefined));
  const offs = [
    deps.events.on('job:changed', (j) => nsp.emit('job:changed', j)),
    deps.events.on('job:deleted', (m) => nsp.emit('job:deleted', m)),
    deps.events.on('participant:changed', (p) => nsp.emit('participant:changed', p)),
    deps.events.on('round:changed', (r) => nsp.emit('round:changed', r)),
    deps.events.on('log:entry', (e) => nsp.emit('log:entry', e)),
    // A signed-out session stops receiving the feed at once.
    deps.sessions.onEnd((token) => {
      for (const socket of nsp.sockets.values()) {
        if ((socket.data as { token?: unknown }).token === token) socket.disconnect(true);
      }
    }),
  ];
  return () => offs.forEach((off) => off());
}
