import { describe, expect, it, vi } from 'vitest';
import { guardHeartbeats } from '../../../hub/federation/heartbeat-guard.ts';

/** Holds the event loop still, as a long synchronous step of the hub would. */
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}
/**
 * Runs `setup`, stalls the event loop in the same turn, and resolves at the end of the next turn:
 * after the timers that expired during the stall ran, as they do before any socket is read.
 */
function stallAfter(setup: () => void, ms: number): Promise<void> {
  return new Promise((resolve) =>
    setImmediate(() => {
      setup();
      stall(ms);
      setImmediate(resolve);
    }),
  );
}

describe('heartbeat guard', () => {
  it('without it, a pong deadline that expired during a stall of the hub fires before the sockets are read', async () => {
    const dropped = vi.fn();
    let deadline: NodeJS.Timeout | undefined;
    await stallAfter(() => (deadline = setTimeout(dropped, 300)), 800);
    expect(dropped).toHaveBeenCalledTimes(1);
    clearTimeout(deadline);
  });

  it('restarts pending pong deadlines after a stall, so the connection is not dropped for it', async () => {
    const stalls: [number, number][] = [];
    const dropped = vi.fn();
    const engine = { clients: { a: { pingTimeoutTimer: null as NodeJS.Timeout | null }, b: {} } };
    let stop = () => undefined as void;
    await stallAfter(() => {
      stop = guardHeartbeats(engine, { checkMs: 20, stallMs: 400, onStall: (ms, n) => stalls.push([ms, n]) });
      engine.clients.a.pingTimeoutTimer = setTimeout(dropped, 300);
    }, 800);
    expect(dropped).not.toHaveBeenCalled();
    expect(stalls.length).toBeGreaterThan(0);
    expect(stalls[0][1]).toBe(1);
    // A participant that really stopped answering is still dropped once the hub listened long enough.
    await vi.waitFor(() => expect(dropped).toHaveBeenCalledTimes(1), { timeout: 10_000, interval: 50 });
    stop();
  });
});
