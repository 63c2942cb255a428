/**
 * Heartbeats judged on time the hub was listening. engine.io drops a connection whose pong has not
 * been read `pingTimeout` ms after its ping. When the hub's own event loop stops turning for a while
 * (a long synchronous step, a big garbage collection, a loaded machine), Node runs the expired timers
 * before it reads the sockets, so the pongs that arrived meanwhile are still unread when their
 * deadlines fire: the hub would drop participants for its own stall. This guard measures how late
 * its own timer runs and, after a stall, restarts every connection's pending pong deadline.
 * Its timer is due before any deadline that expired during the stall, so it runs first.
 */

/** A Node timer as engine.io keeps it (only `refresh` is used). */
interface RefreshableTimer {
  refresh(): unknown;
}

/** What the guard needs of engine.io's server: its connections and their pong deadlines. */
interface EngineLike {
  clients?: Record<string, { pingTimeoutTimer?: RefreshableTimer | null }>;
}

/** Options of the guard. */
export interface HeartbeatGuardOptions {
  /** How often the guard looks (ms). */
  checkMs?: number;
  /** A lateness of at least this much counts as a stall (ms); well below pingTimeout. */
  stallMs?: number;
  /** Told after each stall: how long it was and how many deadlines were restarted. */
  onStall?: (stalledMs: number, restarted: number) => void;
}

/** Starts the guard on an engine.io server (`io.engine`); returns the function that stops it. */
export function guardHeartbeats(engine: unknown, opts: HeartbeatGuardOptions = {}): () => void {
  const checkMs = opts.checkMs ?? 250;
  const stallMs = opts.stallMs ?? 1_000;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - checkMs;
    last = now;
    if (late < stallMs) return;
    let restarted = 0;
    for (const conn of Object.values((engine as EngineLike).clients ?? {})) {
      const deadline = conn.pingTimeoutTimer;
      if (deadline && typeof deadline.refresh === 'function') {
        deadline.refresh();
        restarted++;
      }
    }
    opts.onStall?.(Math.round(late), restarted);
  }, checkMs);
  timer.unref();
  return () => clearInterval(timer);
}
