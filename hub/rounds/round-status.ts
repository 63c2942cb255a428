/**
 * What a round tells the operator: the one-line status of an open round (pure) and the coalesced
 * push of round records to consoles (one per interval per round, however many updates arrive).
 */
import type { Roster } from './roster.ts';

/** The status line of a training round: updates in, who it waits for, or why it waits. */
export function trainingDetail(
  round: number,
  roster: Roster,
  quorum: number,
  deadlinePassed: boolean,
): string {
  if (roster.strength < quorum) {
    return `round ${round} waits: ${quorum} participants needed, ${roster.memberCount} in the round and ${roster.receivedCount} updates in; waiting for participants to (re)connect`;
  }
  if (deadlinePassed) {
    return `round ${round}: deadline passed, waiting for the quorum (${roster.receivedCount} of ${quorum} updates)`;
  }
  const detail = `round ${round}: ${roster.receivedCount} of ${roster.memberCount} updates in`;
  return roster.pending > 0 ? `${detail}, ${roster.pending} training` : detail;
}

/** Pushes round records at most once per `intervalMs` per round; `now` pushes at once. */
export class RoundPublisher {
  private readonly timers = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly publish: (round: number) => void,
    private readonly intervalMs = 250,
  ) {}

  /** Pushes the record of `round` soon (coalescing pushes asked meanwhile). */
  schedule(round: number): void {
    if (this.timers.has(round)) return;
    this.timers.set(
      round,
      setTimeout(() => this.now(round), this.intervalMs),
    );
  }

  /** Pushes the record of `round` now (and drops a scheduled push of it). */
  now(round: number): void {
    const pending = this.timers.get(round);
    if (pending) clearTimeout(pending);
    this.timers.delete(round);
    this.publish(round);
  }

  /** Drops every scheduled push (job end, hub shutdown). */
  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * Runs `fn` at once, then at most once per `intervalMs`: calls in between run it once when the
 * interval ends. A notice to every participant then costs O(K) per interval, not O(K) per event.
 */
export class Throttle {
  private timer: NodeJS.Timeout | null = null;
  private pending = false;

  constructor(
    private readonly fn: () => void,
    private readonly intervalMs = 250,
  ) {}

  /** Runs `fn` now, or once at the end of the current interval. */
  call(): void {
    if (this.timer) {
      this.pending = true;
      return;
    }
    this.fn();
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.pending) return;
      this.pending = false;
      this.call();
    }, this.intervalMs);
  }

  /** Drops a pending run (job end, hub shutdown). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = false;
  }
}
