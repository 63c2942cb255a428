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
import { OperatorClient, type OperatorConnection } from '../../cli/operator-client.ts';
import { weightManifest } from '../../core/model/manifest.ts';
import { encodeWeights } from '../../core/wire/weights-codec.ts';
import { decodeInvite } from '../../core/wire/invite.ts';
import { ask, connectRaw, next, outcome, readyFor, tempDir, UPDATE_METRICS } from './hub-helpers.ts';
import { createdJobId, runCli, runNode, spawnHub, type SpawnedHub } from './spawned-hub.ts';

const LOADER = fileURLToPath(new URL('../fixtures/load-layers-model.mjs', import.meta.url));
/** 106,442 float32 parameters of the paper CNN. */
const PAPER_CNN_BYTES = 4 * 106_442;

interface LoadSummary {
  params: number;
  outputs: number;
  sum: number;
  firstWeight: number;
}

describe('fedunify hub (child process): model downloads', () => {
  const tmp = tempDir();
  let hub: SpawnedHub | null = null;
  let socket: Socket | null = null;
  afterEach(async () => {
    socket?.disconnect();
    await hub?.stop();
    tmp.cleanup();
  });

  /** `fedunify job download` as a child process; checks the files it wrote. */
  async function download(id: string, out: string, round?: number): Promise<string> {
    const args = ['job', 'download', id, '--out', out, '--data-dir', join(tmp.dir, 'hub')];
    if (round !== undefined) args.push('--round', String(round));
    const res = await runCli(args);
    expect(res.stderr + res.stdout).not.toMatch(/failed|backend/i);
    expect(res.code).toBe(0);
    expect(statSync(join(out, 'weights.bin')).size).toBe(PAPER_CNN_BYTES);
    return join(out, 'model.json');
  }

  /** Loads model.json files in one separate plain Node process; returns each one's summary. */
  async function loadElsewhere(...models: string[]): Promise<LoadSummary[]> {
    const loaded = await runNode(LOADER, models);
    expect(loaded.code, loaded.stderr).toBe(0);
    const summaries = loaded.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LoadSummary);
    expect(summaries.length).toBe(models.length);
    for (const s of summaries) {
      expect(s.params).toBe(106_442);
      expect(s.outputs).toBe(10);
      expect(s.sum).toBeCloseTo(1, 4);
    }
    return summaries;
  }

  it('downloads the paper CNN before and after round 1, latest and per round, and it loads elsewhere', async () => {
    const hubDir = join(tmp.dir, 'hub');
    hub = await spawnHub(hubDir);
    const specFile = join(tmp.dir, 'job.yaml');
    writeFileSync(specFile, 'name: download test\nmodel: paper-cnn\nrounds: 1\nminParticipants: 1\n');
    const created = await runCli(['job', 'create', specFile, '--data-dir', hubDir]);
    expect(created.code).toBe(0);
    const id = createdJobId(created.stdout);

    await loadElsewhere(
      await download(id, join(tmp.dir, 'before-latest')),
      await download(id, join(tmp.dir, 'before-round-0'), 0),
    );

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

    const after = await loadElsewhere(
      await download(id, join(tmp.dir, 'after-latest')),
      await download(id, join(tmp.dir, 'after-round-1'), 1),
    );
    for (const s of after) expect(s.firstWeight).toBeCloseTo(0.01, 6);
    const results = JSON.parse(readFileSync(join(tmp.dir, 'after-latest', 'results.json'), 'utf8')) as {
      rounds: unknown[];
    };
    expect(results.rounds.length).toBe(1);
    // The console's own routes: round-N model.json names round-N-weights.bin, served as such.
    const op = await OperatorClient.connect(
      JSON.parse(readFileSync(join(hubDir, 'operator.json'), 'utf8')) as OperatorConnection,
    );
    const base = `/api/jobs/${id}/model`;
    const roundJson = await op.request<{ weightsManifest: { paths: string[] }[] }>(
      'GET',
      `${base}/model.json?round=1`,
    );
    expect(roundJson.weightsManifest[0].paths).toEqual(['round-1-weights.bin']);
    expect((await op.getBytes(`${base}/round-1-weights.bin`)).length).toBe(PAPER_CNN_BYTES);
    expect((await op.getBytes(`${base}/round-0-weights.bin`)).length).toBe(PAPER_CNN_BYTES);
    expect(hub.output()).not.toMatch(/ERROR/);
  }, 600_000); // a dozen child processes: minutes on a loaded 2-core machine
});
