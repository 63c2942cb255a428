/**
 * One progress line across a whole simulation: rounds done of rounds asked, elapsed time and an
 * ETA from the pace of this session's rounds (a resumed run does not count the rounds it found done).
 */

/** Where a run stands at one poll. */
export interface RunProgress {
  /** Completed rounds (all sessions). */
  done: number;
  total: number;
  /** Completed rounds when this session started. */
  doneAtStart: number;
  /** Seconds since this session started. */
  sessionSec: number;
  /** Seconds since the last round completed in this session (or since it started). */
  sinceLastSec: number;
  /** Wall seconds of earlier sessions. */
  priorSec: number;
  /** The hub's status line for the job. */
  detail: string;
}

/** Seconds left: the session's mean round time × rounds left, less the time the current round has run; null before a round completed. */
export function etaSec(p: RunProgress): number | null {
  if (p.done >= p.total) return 0;
  const completed = p.done - p.doneAtStart;
  if (completed <= 0) return null;
  const perRound = (p.sessionSec - p.sinceLastSec) / completed;
  return Math.max(0, perRound * (p.total - p.done) - p.sinceLastSec);
}

/** 3725 → "1h02m05s", 65 → "1m05s", 7 → "7s". */
export function formatDuration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h${two(m)}m${two(r)}s`;
  if (m > 0) return `${m}m${two(r)}s`;
  return `${r}s`;
}

/** The progress line: "simulate 7/200 rounds (3.5%) | 12m03s elapsed | eta 5h10m00s | round 8: 1 of 2 updates in". */
export function progressLine(p: RunProgress): string {
  const pct = p.total > 0 ? ((100 * p.done) / p.total).toFixed(1) : '0.0';
  const eta = etaSec(p);
  return [
    `simulate ${p.done}/${p.total} rounds (${pct}%)`,
    `${formatDuration(p.priorSec + p.sessionSec)} elapsed`,
    `eta ${eta === null ? '?' : formatDuration(eta)}`,
    p.detail,
  ]
    .filter(Boolean)
    .join(' | ');
}

/**
 * A line on `stream` that redraws in place on a terminal; elsewhere (a log file) it is printed when
 * it says something new about rounds, and at most every `everyMs` otherwise. `log` prints a line above it.
 */
export function createProgressLine(
  stream: NodeJS.WriteStream,
  everyMs = 30_000,
): { update(line: string, roundsDone: number): void; log(line: string): void; stop(): void } {
  const tty = stream.isTTY === true;
  let current = '';
  let lastPrinted = 0;
  let lastRounds = -1;
  const clear = () => (tty && current ? stream.write('\r\x1b[K') : true);
  return {
    update(line, roundsDone) {
      if (tty) {
        clear();
        current = line;
        stream.write(line.slice(0, Math.max(20, (stream.columns ?? 120) - 1)));
        return;
      }
      const now = Date.now();
      if (roundsDone !== lastRounds || now - lastPrinted >= everyMs) {
        stream.write(line + '\n');
        lastPrinted = now;
        lastRounds = roundsDone;
      }
    },
    log(line) {
      clear();
      stream.write(line + '\n');
      if (tty && current) stream.write(current.slice(0, Math.max(20, (stream.columns ?? 120) - 1)));
    },
    stop() {
      clear();
      current = '';
    },
  };
}
