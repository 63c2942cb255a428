/** Shared set-up of the federation integration tests: hubs, jobs, participants, polling. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FEDUNIFY_BIN,
  joinArgs,
  spawnParticipant,
  type ChildParticipant,
} from '../../cli/simulate/children.ts';
import { HubClient } from '../../cli/simulate/hub-client.ts';
import { ParticipantEngine } from '../../core/participant/engine.ts';
import type { ParticipantRuntime, TransportFactory } from '../../core/participant/types.ts';
import type { JobSpecInput } from '../../core/wire/job-spec.ts';
import type { JobRecord } from '../../core/wire/protocol.ts';

/** A temporary folder removed by the returned function. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A small, fast job: paper CNN, few samples, hub test set of 300 V-environment images. */
export function smallJob(over: Partial<JobSpecInput> = {}): JobSpecInput {
  return {
    name: 'integration',
    rounds: 2,
    localEpochs: 1,
    batchSize: 32,
    learningRate: 0.002,
    minParticipants: 2,
    roundDeadlineSec: 120,
    seed: 1,
    hubEvaluation: { data: 'fashion-mnist', partition: { env: 'V', seed: 1 }, limit: 300 },
    ...over,
  };
}

/** An in-process participant on its V/iid share of Fashion-MNIST. */
export function participant(
  invite: string,
  index: number,
  stateDir: string,
  opts: {
    env?: 'V' | 'iid';
    owners?: number;
    limit?: number;
    transport?: TransportFactory;
    runtime?: ParticipantRuntime;
  } = {},
): ParticipantEngine {
  return new ParticipantEngine({
    invite,
    dataSource: {
      kind: 'fashion-mnist',
      owner: { env: opts.env ?? 'V', index, seed: 1, ...(opts.owners ? { owners: opts.owners } : {}) },
      limit: opts.limit ?? 400,
    },
    testLimit: 100,
    backend: 'auto',
    stateDir,
    backoff: { baseMs: 300, maxMs: 1500 },
    ...(opts.transport ? { transport: opts.transport } : {}),
    ...(opts.runtime ? { runtime: opts.runtime } : {}),
  });
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs` saying what it waited for. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits for a job to reach a final status. */
export async function jobDone(client: HubClient, jobId: string, timeoutMs = 90_000): Promise<JobRecord> {
  let last: JobRecord | null = null;
  try {
    return await until(
      `job ${jobId} to finish`,
      async () => {
        last = await client.job(jobId);
        return last.status === 'waiting' || last.status === 'running' ? undefined : last;
      },
      timeoutMs,
    );
  } catch (err) {
    const seen = last as JobRecord | null;
    throw new Error(
      `${(err as Error).message}; the hub says: ${seen ? `${seen.status}, ${seen.statusDetail}` : 'nothing'}`,
    );
  }
}

/** A hub running as a child process (`fedunify hub`), so a test can kill and restart it. */
export interface HubProcess {
  url: string;
  fingerprint: string | null;
  proc: ChildProcess;
  kill(): Promise<void>;
}

/** Starts `fedunify hub --data-dir DIR --port PORT` and waits for its ready line. */
export async function startHubProcess(dataDir: string, port = 0): Promise<HubProcess> {
  const proc = spawn(
    process.execPath,
    [FEDUNIFY_BIN, 'hub', '--data-dir', dataDir, '--port', String(port), '--log-level', 'warn'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const ready = await new Promise<{ url: string; fingerprint: string | null }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start in 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /FEDUNIFY_HUB_READY (\{.*\})/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(JSON.parse(m[1]) as { url: string; fingerprint: string | null });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited (${code}) before it was ready:\n${output}`));
    });
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    ...ready,
    proc,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** An operator client logged in with the credentials the hub wrote to its data folder. */
export async function operatorOf(
  dataDir: string,
  url: string,
  fingerprint: string | null,
): Promise<HubClient> {
  const file = JSON.parse(readFileSync(join(dataDir, 'operator.json'), 'utf8')) as {
    username: string;
    password: string;
  };
  const client = new HubClient(url, fingerprint);
  await client.login(file.username, file.password);
  return client;
}

/** A participant as its own process (`fedunify join`) on its V/iid share, so a test can kill it. */
export function childParticipant(
  invite: string,
  index: number,
  dir: string,
  opts: { env?: 'V' | 'iid'; owners?: number; limit?: number } = {},
): ChildParticipant {
  const args = joinArgs({
    invite,
    env: opts.env ?? 'V',
    ownerIndex: index,
    seed: 1,
    owners: opts.owners || undefined,
    limit: opts.limit ?? 300,
    testLimit: 100,
    stateDir: join(dir, `p${index}`),
  });
  return spawnParticipant(`P${index + 1}`, args, join(dir, `p${index}.log`));
}
