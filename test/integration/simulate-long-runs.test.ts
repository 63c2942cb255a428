// `fedunify simulate` as a researcher runs it (a child process): rounds of N mini-batches, hub
// evaluation every N rounds, the methods beyond the paper, results after every round, and a run
// killed mid-round (SIGKILL) that `--resume` completes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FEDUNIFY_BIN } from '../../cli/simulate/children.ts';
import type { SimResults } from '../../cli/simulate/results.ts';

const DATA = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';
const noData = !existsSync(DATA);
if (noData) console.log(`simulate tests skipped: ${DATA} is missing (Debian package dataset-fashion-mnist)`);

// Tiny runs: 200 training images per owner, 300 hub test images.
const TINY = ['--env', 'V', '--participants', '2', '--limit', '200', '--test-limit', '100'];
TINY.push('--hub-test-limit', '300', '--batch-size', '16', '--backend', 'wasm');

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function outDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fedunify-simulate-'));
  dirs.push(d);
  return join(d, 'out');
}

interface Run {
  proc: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
}

function simulate(args: string[]): Run {
  const proc = spawn(process.execPath, [FEDUNIFY_BIN, 'simulate', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>(
    (resolve) => proc.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { proc, done };
}

function results(out: string): SimResults | null {
  try {
    return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as SimResults;
  } catch {
    return null;
  }
}

describe.skipIf(noData)('fedunify simulate (child processes, real Fashion-MNIST)', () => {
  it('--local-steps, --eval-every, --server-optimizer and --proximal-mu reach the hub and the participants', async () => {
    const out = outDir();
    const run = simulate(
      [...TINY, '--rounds', '2', '--local-steps', '3', '--eval-every', '2'].concat([
        '--server-optimizer',
        'fedavgm',
        '--server-lr',
        '1',
        '--proximal-mu',
        '0.01',
        '--out',
        out,
        '--json',
      ]),
    );
    const { code, stdout, stderr } = await run.done;
    expect(code, stderr.slice(-3000)).toBe(0);
    const r = JSON.parse(stdout.trim().split('\n').pop() as string) as SimResults;
    expect(r.rounds.map((x) => x.round)).toEqual([1, 2]);
    // Rounds of 3 mini-batches of 16: each update is trained on 48 samples.
    for (const round of r.rounds) expect(round.local.map((l) => l.samples)).toEqual([48, 48]);
    // Scored every 2nd round only: round 1 has no hub accuracy, round 2 (the last) has every method's.
    expect(Object.values(r.rounds[0].methods).every((a) => a === null)).toBe(true);
    for (const m of ['avg', 'max', 'absmax']) expect(r.rounds[1].methods[m]).toBeGreaterThan(0);
    expect(r.config).toMatchObject({
      localSteps: 3,
      serverOptimizer: 'fedavgm',
      serverLearningRate: 1,
      proximalMu: 0.01,
      hubEvaluation: { every: 2 },
    });
    expect(readFileSync(join(out, 'participant-1.log'), 'utf8')).toContain('with FedProx μ 0.01');
    expect(stderr).toMatch(/simulate 2\/2 rounds \(100\.0%\) \| \S+ elapsed \| eta /);
    expect(results(out)?.rounds).toHaveLength(2);
    expect(existsSync(join(out, 'sim-state'))).toBe(false);
  }, 600_000);

  it('a run killed mid-round with SIGKILL completes with --resume, every requested round in its results', async () => {
    const out = outDir();
    const first = simulate([...TINY, '--rounds', '3', '--local-steps', '2', '--out', out]);
    // results.json is rewritten after every round: kill as soon as round 1 is in it (round 2 trains).
    const deadline = Date.now() + 400_000;
    while ((results(out)?.rounds.length ?? 0) < 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(results(out)?.rounds.length).toBeGreaterThanOrEqual(1);
    first.proc.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    expect(existsSync(join(out, 'sim-state', 'hub', 'hub.db'))).toBe(true);

    // Neither a fresh run into the same folder nor a resume with other settings may touch it.
    const fresh = await simulate([...TINY, '--rounds', '3', '--out', out]).done;
    expect(fresh.code).not.toBe(0);
    expect(fresh.stderr).toContain(`continue it with --resume ${out}`);
    const changed = await simulate(['--resume', out, '--rounds', '5']).done;
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toContain('drop --rounds');

    const resumed = await simulate(['--resume', out, '--json']).done;
    expect(resumed.code, resumed.stderr.slice(-3000)).toBe(0);
    expect(resumed.stderr).toMatch(/resuming job job-\w+ at round \d of 3/);
    const r = JSON.parse(resumed.stdout.trim().split('\n').pop() as string) as SimResults;
    expect(r.rounds.map((x) => x.round)).toEqual([1, 2, 3]);
    expect(results(out)?.rounds.map((x) => x.round)).toEqual([1, 2, 3]);
    expect(r.rounds[2].methods.avg).toBeGreaterThan(0);
    expect(existsSync(join(out, 'sim-state'))).toBe(false);
  }, 900_000);
});
