/**
 * The evaluation phase of a round (paper, Lee 2021, section 3 step 5): who still owes an eval of
 * the unified model, the timer that stops waiting for them, the round:unified kept for one that
 * reconnects before it evaluated, and what follows the evals (target reached, round limit, or the
 * next round). The round state machine (round-coordinator.ts) decides when a round gets here.
 */
import type { JobEnd, RoundUnified } from '../../core/wire/protocol.ts';
import type { JobSpec } from '../../core/wire/job-spec.ts';

/** Participants whose eval of the unified round is awaited, and the timer that stops the wait. */
export class EvalWait {
  private timer: NodeJS.Timeout | null = null;
  private readonly waiting = new Set<string>();
  /** The last round:unified sent, for participants that reconnect before evaluating it. */
  last: RoundUnified | null = null;

  /** Awaits an eval from `participantId`. */
  expect(participantId: string): void {
    this.waiting.add(participantId);
  }

  /** No longer awaits `participantId` (it reported, or it left). */
  forget(participantId: string): void {
    this.waiting.delete(participantId);
  }

  /** How many evals are still awaited. */
  get size(): number {
    return this.waiting.size;
  }

  /** Calls `done` when the wait ends unfinished: after the round deadline, at most 10 minutes. */
  arm(roundDeadlineSec: number, done: () => void): void {
    this.timer = setTimeout(done, Math.min(roundDeadlineSec, 600) * 1000);
  }

  /** Stops waiting: no timer, nobody awaited. */
  finish(): void {
    this.stopTimer();
    this.waiting.clear();
  }

  /** Stops the timer only (hub shutdown or job end). */
  stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Why the job ends after round `n`'s evals, or null when the next round starts. */
export function endAfterEvals(
  spec: JobSpec,
  n: number,
  evals: readonly { accuracy: number }[],
): { detail: string; reason: JobEnd['reason'] } | null {
  const target = spec.targetAccuracy;
  if (n > 0 && target !== undefined && evals.length > 0 && evals.every((e) => e.accuracy >= target)) {
    return {
      detail: `target accuracy ${target} reached at every participant in round ${n}`,
      reason: 'target-reached',
    };
  }
  if (n >= spec.rounds) return { detail: `all ${spec.rounds} rounds done`, reason: 'round-limit' };
  return null;
}
