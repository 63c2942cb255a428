/**
 * Participant child processes of a simulation: each runs `fedunify join` on its own share of the
 * data, writes its output to a log file, and is killed (with its children) on cleanup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository's `fedunify` entry point. */
export const FEDUNIFY_BIN = fileURLToPath(new URL('../../bin/fedunify.js', import.meta.url));

export interface ChildParticipant {
  name: string;
  proc: ChildProcess;
  logPath: string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** What one participant process joins with and trains on (its share of Fashion-MNIST). */
export interface JoinArgs {
  invite: string;
  env: 'V' | 'H' | 'iid' | 'dirichlet';
  ownerIndex: number;
  seed: number;
  owners?: number;
  alpha?: number;
  limit?: number;
  testLimit?: number;
  backend?: string;
  stateDir: string;
  /** Research only: this participant attacks (`join --attack KIND`). */
  attack?: string;
}

/** The `fedunify join` arguments of one participant; options left undefined are not passed. */
export function joinArgs(j: JoinArgs): string[] {
  const args = ['--invite', j.invite, '--data', 'fashion-mnist', '--partition', j.env];
  args.push('--owner-index', String(j.ownerIndex), '--seed', String(j.seed));
  if (j.owners !== undefined) args.push('--owners', String(j.owners));
  if (j.alpha !== undefined) args.push('--alpha', String(j.alpha));
  if (j.limit !== undefined) args.push('--limit', String(j.limit));
  if (j.testLimit !== undefined) args.push('--test-limit', String(j.testLimit));
  if (j.backend !== undefined) args.push('--backend', j.backend);
  args.push('--state-dir', j.stateDir);
  if (j.attack !== undefined) args.push('--attack', j.attack);
  return args;
}

/** Starts `fedunify join ARGS` as a child process with its output in `logPath`. */
export function spawnParticipant(
  name: string,
  args: string[],
  logPath: string,
  env: NodeJS.ProcessEnv = {},
): ChildParticipant {
  const fd = openSync(logPath, 'a');
  const proc = spawn(process.execPath, [FEDUNIFY_BIN, 'join', ...args], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...env },
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => resolve(code));
    proc.once('error', () => resolve(-1));
  });
  return { name, proc, logPath, exited };
}

/** Sends SIGTERM, then SIGKILL after `graceMs` to whatever is still running. */
export async function killAll(children: ChildParticipant[], graceMs = 3000): Promise<void> {
  const running = children.filter((c) => c.proc.exitCode === null && c.proc.signalCode === null);
  for (const c of running) c.proc.kill('SIGTERM');
  await Promise.race([Promise.all(running.map((c) => c.exited)), new Promise((r) => setTimeout(r, graceMs))]);
  for (const c of running) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
}

/** The last lines of a child's log, for error messages. */
export function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * In a participant started by a simulation (FEDUNIFY_EXIT_WITH_PARENT=1): calls `onGone` when the
 * simulation process is gone (killed, even by SIGKILL), so no orphan keeps training and
 * reconnecting. Linux re-parents an orphan, which changes its ppid.
 */
export function exitWithParent(onGone: () => void, env: NodeJS.ProcessEnv = process.env): void {
  if (env.FEDUNIFY_EXIT_WITH_PARENT !== '1') return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, 1000);
  timer.unref();
}
