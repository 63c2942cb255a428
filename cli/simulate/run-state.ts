/**
 * What a simulation keeps in its results folder while it runs, so a killed run can go on with
 * `--resume DIR`: DIR/sim-state/ holds the hub's data folder (database, certificate, operator
 * file), each participant's state folder, and simulation.json (the options, the job, the invites,
 * the participants' process ids). A run that completes removes sim-state/.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulationOptions } from './run-simulation.ts';

/** The folder names inside DIR/sim-state. */
export function runPaths(out: string): {
  state: string;
  file: string;
  hub: string;
  participant: (name: string) => string;
} {
  const state = join(out, 'sim-state');
  return {
    state,
    file: join(state, 'simulation.json'),
    hub: join(state, 'hub'),
    participant: (name) => join(state, 'participants', name),
  };
}

/** The options that define a run (what --resume takes from DIR instead of the command line). */
export type StoredOptions = Omit<SimulationOptions, 'onRound' | 'onLog' | 'onTick' | 'onResults'>;

/** simulation.json. */
export interface RunState {
  version: 1;
  options: StoredOptions;
  jobId: string | null;
  /** The hub's port: a resumed hub listens on it again (the invites name it). */
  hubPort: number | null;
  participants: { name: string; invite: string; pid: number | null }[];
  /** Wall seconds spent by earlier sessions of this run (a resumed run adds its own). */
  priorSec: number;
  startedAt: string;
}

/** Writes simulation.json atomically (a kill mid-write leaves the previous one). */
export function saveRunState(out: string, state: RunState): void {
  const { state: dir, file } = runPaths(out);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** Whether DIR holds a run that has not completed. */
export function hasRunState(out: string): boolean {
  return existsSync(runPaths(out).state);
}

/** Reads simulation.json of DIR, with an error that says what to do when it is missing or broken. */
export function loadRunState(out: string): RunState {
  const { file } = runPaths(out);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? `--resume ${out}: no unfinished simulation there (${file} is missing). A run that completed removes it; start a new run with --out.`
        : `--resume ${out}: ${file} is not readable JSON (${(err as Error).message}); delete ${runPaths(out).state} and start over.`,
    );
  }
  const s = parsed as Partial<RunState>;
  if (s?.version !== 1 || typeof s.options !== 'object' || !Array.isArray(s.participants)) {
    throw new Error(
      `--resume ${out}: ${file} is not a simulation state this FedUnify knows; start a new run.`,
    );
  }
  return s as RunState;
}

/** Removes DIR/sim-state (the run completed). */
export function clearRunState(out: string): void {
  rmSync(runPaths(out).state, { recursive: true, force: true });
}

/**
 * Ends participant processes of an earlier session that are still running (they exit on their own
 * within seconds of losing their parent; this makes sure before new ones take their place). A pid
 * is signalled only when its command line still names that participant's state folder.
 */
export async function endStaleParticipants(out: string, state: RunState): Promise<void> {
  const stale = state.participants.filter(
    (p) => p.pid !== null && commandLine(p.pid).includes(runPaths(out).participant(p.name)),
  );
  for (const p of stale) signal(p.pid as number, 'SIGKILL');
  const deadline = Date.now() + 5000;
  while (stale.some((p) => commandLine(p.pid as number) !== '') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already.
  }
}
