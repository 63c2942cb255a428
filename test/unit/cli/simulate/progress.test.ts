import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { etaSec, formatDuration, progressLine, type RunProgress } from '../../../../cli/simulate/progress.ts';
import { loadRunState, runPaths } from '../../../../cli/simulate/run-state.ts';

const at = (p: Partial<RunProgress>): RunProgress => ({
  done: 0,
  total: 10,
  doneAtStart: 0,
  sessionSec: 0,
  sinceLastSec: 0,
  priorSec: 0,
  detail: '',
  ...p,
});

describe('simulate progress line', () => {
  it('has no ETA before a round of this session completed', () => {
    expect(etaSec(at({ done: 4, doneAtStart: 4, sessionSec: 100 }))).toBeNull();
  });

  it("estimates from this session's rounds, less the time the current round has run", () => {
    // 2 rounds in 100 s (the last ended 10 s ago, so 45 s each); 6 left: 270 s − 10 s.
    expect(etaSec(at({ done: 4, doneAtStart: 2, sessionSec: 100, sinceLastSec: 10 }))).toBe(260);
    expect(etaSec(at({ done: 10, doneAtStart: 2, sessionSec: 100 }))).toBe(0);
  });

  it('formats durations and the line', () => {
    expect([formatDuration(7), formatDuration(65), formatDuration(3725)]).toEqual([
      '7s',
      '1m05s',
      '1h02m05s',
    ]);
    expect(
      progressLine(
        at({ done: 1, total: 4, sessionSec: 60, priorSec: 30, detail: 'round 2: 1 of 2 updates in' }),
      ),
    ).toBe('simulate 1/4 rounds (25.0%) | 1m30s elapsed | eta 3m00s | round 2: 1 of 2 updates in');
  });
});

describe('simulate run state', () => {
  it('says what to do when a folder holds no run or a broken one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedunify-runstate-'));
    try {
      expect(() => loadRunState(dir)).toThrow(/no unfinished simulation there .* start a new run with --out/);
      mkdirSync(runPaths(dir).state, { recursive: true });
      writeFileSync(runPaths(dir).file, '{"version": 1,');
      expect(() => loadRunState(dir)).toThrow(/not readable JSON .* delete/);
      writeFileSync(runPaths(dir).file, '{"version": 7}');
      expect(() => loadRunState(dir)).toThrow(/not a simulation state this FedUnify knows/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
