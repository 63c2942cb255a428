/**
 * A marker file (`hub.pid`) held while a hub runs on a data folder: written at start, removed at a
 * clean stop. Finding it at start means the previous hub did not stop cleanly (crash, kill -9,
 * power loss); the hub records that in the audit log. A marker whose process still runs means
 * another hub uses this folder, which would corrupt it: refused.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RUN_MARKER = 'hub.pid';

/** What the previous run left behind. */
export interface PreviousRun {
  /** True when the marker was found: the previous hub did not stop cleanly. */
  unclean: boolean;
  pid: number | null;
  startedAt: string | null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims the data folder for this process; throws when another live hub holds it. */
export function claimDataDir(dataDir: string): PreviousRun {
  const path = join(dataDir, RUN_MARKER);
  let previous: PreviousRun = { unclean: false, pid: null, startedAt: null };
  if (existsSync(path)) {
    let pid: number | null = null;
    let startedAt: string | null = null;
    try {
      const v = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; startedAt?: unknown };
      pid = typeof v.pid === 'number' ? v.pid : null;
      startedAt = typeof v.startedAt === 'string' ? v.startedAt : null;
    } catch {
      // An unreadable marker still means an unclean stop.
    }
    if (pid !== null && pid !== process.pid && alive(pid)) {
      throw new Error(
        `Another hub (process ${pid}) is running on the data folder ${dataDir}; stop it first, or use another --data-dir.`,
      );
    }
    previous = { unclean: pid !== process.pid, pid, startedAt };
  }
  writeFileSync(path, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }) + '\n');
  return previous;
}

/** Releases the data folder at a clean stop. */
export function releaseDataDir(dataDir: string): void {
  rmSync(join(dataDir, RUN_MARKER), { force: true });
}
