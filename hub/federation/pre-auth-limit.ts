/**
 * Limits before trust: engine.io's frame limit is one number for the whole server (sized to the
 * largest model), so a connection that has not authenticated yet could send frames that large.
 * This counts the bytes each raw connection delivers until one of its namespaces trusts it, and
 * destroys it past a small budget: an unauthenticated peer never makes the hub buffer more.
 */
import type { Server } from 'socket.io';

/** Bytes an unauthenticated connection may send (the handshake needs well under 4 KiB). */
export const PRE_AUTH_BYTES = 64 * 1024;

interface RawConn {
  id: string;
  request: {
    socket?: {
      on(ev: 'data', fn: (chunk: Buffer) => void): void;
      off(ev: 'data', fn: (chunk: Buffer) => void): void;
      destroy(): void;
    };
  };
}

/** Installs the budget on every new engine connection; returns `trust(conn)` to lift it. */
export function limitBeforeAuth(
  io: Server,
  onExceeded: (bytes: number) => void,
  budget = PRE_AUTH_BYTES,
): (conn: unknown) => void {
  const lifts = new WeakMap<object, () => void>();
  io.engine.on('connection', (conn: RawConn) => {
    const raw = conn.request.socket;
    if (!raw) return;
    let seen = 0;
    const count = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > budget) {
        raw.off('data', count);
        onExceeded(seen);
        raw.destroy();
      }
    };
    raw.on('data', count);
    lifts.set(conn, () => raw.off('data', count));
  });
  return (conn) => {
    if (typeof conn !== 'object' || conn === null) return;
    lifts.get(conn)?.();
    lifts.delete(conn);
  };
}
