/**
 * What bounds the participant's own log: participant.log rotates at its size limit, and malformed
 * pushes from a hub are logged one by one only up to a limit, then counted.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  limitedLog,
  MALFORMED_LOGGED,
  MALFORMED_SUMMARY_MS,
} from '../../../../core/participant/hub-pushes.ts';
import { StateStore } from '../../../../core/participant/state.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('participant log limits', () => {
  it('rotates participant.log at its size limit, keeping the previous file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedunify-log-'));
    dirs.push(dir);
    const store = new StateStore(dir, false, undefined, 2000);
    for (let i = 0; i < 100; i++) store.log('error', `Hub: flood ${i} ${'x'.repeat(100)}`);
    const log = join(dir, 'participant.log');
    expect(statSync(log).size).toBeLessThanOrEqual(2000);
    expect(existsSync(`${log}.1`)).toBe(true);
    expect(statSync(`${log}.1`).size).toBeLessThanOrEqual(2000);
    // The newest entry is in the current file, and the in-memory log still has it.
    expect(store.get().logs.at(-1)?.message).toMatch(/^Hub: flood 99 /);
    // A new store on the same folder continues from the file's size (no rotation lost on restart).
    const again = new StateStore(dir, false, undefined, 2000);
    again.log('info', 'after restart');
    expect(statSync(log).size).toBeLessThanOrEqual(2000);
  });

  it('logs the first malformed pushes, then one count per minute', () => {
    const lines: string[] = [];
    let clock = 1_000_000;
    const log = limitedLog(
      (m) => lines.push(m),
      () => clock,
    );
    for (let i = 0; i < MALFORMED_LOGGED + 500; i++) log(`Ignored a malformed job:end from the hub (${i})`);
    expect(lines).toHaveLength(MALFORMED_LOGGED + 1);
    expect(lines[MALFORMED_LOGGED]).toMatch(/^Ignored 1 more malformed or failed pushes/);
    clock += MALFORMED_SUMMARY_MS;
    log('Ignored a malformed job:end from the hub (last)');
    expect(lines).toHaveLength(MALFORMED_LOGGED + 2);
    expect(lines.at(-1)).toMatch(
      /^Ignored 500 more malformed or failed pushes .* the last: Ignored a malformed job:end from the hub \(last\)/,
    );
  });
});
