/**
 * Journey "output": a hub started as `fedunify hub` (its own process, no tfjs backend chosen by
 * anyone) serves every model download, `fedunify job download` writes it, and a separate plain
 * Node process loads it with tf.loadLayersModel.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { PAPER_CNN } from '../../core/model/spec.ts';
import { weightManifest } from '../../core/model/manifest.ts';
import { encodeWeights } from '../../core/wire/weights-codec.ts';
import { decodeInvite } from '../../core/wire/invite.ts';
import { ask, connectRaw, next, outcome, readyFor, tempDir, UPDATE_METRICS } from './hub-helpers.ts';
import { createdJobId, runCli, runNode, spawnHub, type SpawnedHub } from './spawned-hub.ts';

const LOADER = fileURLToPath(new URL('../fixtures/load-layers-model.mjs', import.meta.url));
/** 106,442 float32 parameters of the paper CNN. */
const PAPER_CNN_BYTES = 4 * 106_442;

describe('fedunify hub (child process): model downloads', () => {
  const tmp = tempDir();
  let hub: SpawnedHub | null = null;
  let socket: Socket | null = null;
  afterEach(async () => {
    socket?.disconnect();
    await hub?.stop();
    tmp.cleanup();
  });

  async function download(id: string, out: string, round?: number): Promise<void> {
    const args = ['job', 'download', id, '--out', out, '--data-dir', join(tmp.dir, 'hub')];
    if (round !== undefined) args.push('--round', String(round));
    const res = await runCli(args);
    expect(res.stderr + res.stdout).not.toMatch(/failed|backend/i);
    expect(res.code).toBe(0);
    expect(statSync(join(out, 'weights.bin')).size).toBe(PAPER_CNN_BYTES);
    const loaded = await runNode(LOADER, [join(out, 'model.json')]);
    expect(loaded.code, loaded.stderr).toBe(0);
    const summary = JSON.parse(loaded.stdout) as { params: number; outputs: number; sum: number };
    expect(summary.params).toBe(106_442);
    expect(summary.outputs).toBe(10);
    expect(summary.sum).toBeCloseTo(1, 4);
  }

  it('downloads the paper CNN before and after round 1, latest and per round, and it loads elsewhere', async () => {
    const hubDir = join(tmp.dir, 'hub');
    hub = await spawnHub(hubDir);
    const specFile = join(tmp.dir, 'job.yaml');
    writeFileSync(specFile, 'name: download test\nmodel: paper-cnn\nrounds: 1\nminParticipants: 1\n');
    const created = await runCli(['job', 'create', specFile, '--data-dir', hubDir]);
    expect(created.code).toBe(0);
    const id = createdJobId(created.stdout);

    await download(id, join(tmp.dir, 'before-latest'));
    await download(id, join(tmp.dir, 'before-round-0'), 0);

    const inv = await runCli(['invite', 'create', '--name', 'Org A', '--job', id, '--data-dir', hubDir]);
    expect(inv.code).toBe(0);
    const token = decodeInvite(inv.stdout.trim().split('\n').pop() ?? '').token;
    socket = await connectRaw(hub, { token, instanceId: 'inst-a' });
    const assigned = next(socket, 'job:assign');
    expect((await outcome(socket)).connected).toBe(true);
    await assigned;
    const started = next<{ round: number }>(socket, 'round:start');
    expect((await ask(socket, 'participant:ready', readyFor([28, 28, 1], 10))).ok).toBe(true);
    expect((await started).round).toBe(1);
    const manifest = weightManifest(PAPER_CNN);
    const weights = manifest.map((t) => new Float32Array(t.shape.reduce((a, b) => a * b, 1)).fill(0.01));
    const unified = next(socket, 'round:unified');
    const ack = await ask(socket, 'round:update', {
      jobId: id,
      round: 1,
      samples: 10,
      metrics: UPDATE_METRICS,
      weights: encodeWeights(manifest, weights),
    });
    expect(ack.ok).toBe(true);
    await unified;

    await download(id, join(tmp.dir, 'after-latest'));
    await download(id, join(tmp.dir, 'after-round-1'), 1);
    const after = JSON.parse(
      (await runNode(LOADER, [join(tmp.dir, 'after-round-1', 'model.json')])).stdout,
    ) as { firstWeight: number };
    expect(after.firstWeight).toBeCloseTo(0.01, 6);
    const results = JSON.parse(readFileSync(join(tmp.dir, 'after-latest', 'results.json'), 'utf8')) as {
      rounds: unknown[];
    };
    expect(results.rounds.length).toBe(1);
    expect(hub.output()).not.toMatch(/ERROR/);
  });
});
