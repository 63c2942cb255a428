/**
 * A real hub and two real participants on loopback (one in this process, its socket tapped; one a
 * `fedunify join` process): the whole job runs, the unified model beats chance and improves, and
 * every frame the tapped participant sends is an allowed event carrying only the encoded weights
 * of its model plus counts and metrics.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startHub, type Hub } from '../../hub/index.ts';
import { HubClient } from '../../cli/simulate/hub-client.ts';
import { createDefaultRuntime } from '../../core/participant/default-runtime.ts';
import { createSocketTransport } from '../../core/participant/transport.ts';
import type { ParticipantEngine } from '../../core/participant/engine.ts';
import { weightManifest } from '../../core/model/manifest.ts';
import { PAPER_CNN } from '../../core/model/spec.ts';
import { decodeWeights } from '../../core/wire/weights-codec.ts';
import { killAll, logTail, type ChildParticipant } from '../../cli/simulate/children.ts';
import { childParticipant, participant, smallJob, tempDir } from './federation-helpers.ts';

const ALLOWED = ['participant:ready', 'round:update', 'round:eval', 'participant:status'];
const METRIC_KEYS = ['accuracy', 'durationMs', 'loss', 'samplesPerSec', 'testAccuracy', 'testLoss'];

type Frame = { event: string; args: unknown[] };

const keys = (o: unknown) => Object.keys(o as object).sort();
const isNumOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

describe('federation: a full job on loopback', () => {
  const dir = tempDir('fedunify-it-round-');
  let hub: Hub | null = null;
  let engine: ParticipantEngine | null = null;
  let child: ChildParticipant | null = null;
  afterAll(async () => {
    if (engine && engine.getState().connection !== 'finished') await engine.leave();
    if (child) await killAll([child]);
    await hub?.close();
    dir.remove();
  });

  it('completes, the unified model beats chance and round 1, and only weights and metrics leave', async () => {
    hub = await startHub({ dataDir: `${dir.path}/hub`, port: 0, host: '127.0.0.1', quiet: true });
    const client = new HubClient(hub.url, hub.fingerprint);
    await client.login(hub.operator.username, hub.operator.password ?? '');
    const job = await client.createJob(smallJob({ rounds: 2 }));
    const frames: Frame[] = [];
    const encoded: Float32Array[][] = [];
    const runtime = createDefaultRuntime();
    const encode = runtime.encodeWeights;
    // Remember exactly which model weights were encoded, to compare with what went on the wire.
    runtime.encodeWeights = (m, w) => {
      encoded.push(w.map((a) => Float32Array.from(a)));
      return encode(m, w);
    };
    const transport = createSocketTransport({ onOutgoing: (event, args) => frames.push({ event, args }) });
    const inviteA = (await client.createInvite('P1', job.id)).invite;
    const inviteB = (await client.createInvite('P2', job.id)).invite;
    engine = participant(inviteA, 0, `${dir.path}/p0`, { transport, runtime, limit: 300 });
    child = childParticipant(inviteB, 1, dir.path);
    await engine.start();
    const end = await engine.finished();
    expect(end.reason).toBe('round-limit');
    expect(await child.exited, logTail(child.logPath)).toBe(0);

    const rounds = await client.rounds(job.id);
    expect(rounds.map((r) => r.round)).toEqual([1, 2]);
    const acc = rounds.map((r) => r.hubAccuracy ?? 0);
    expect(acc[1]).toBeGreaterThan(0.1);
    expect(acc[1]).toBeGreaterThan(acc[0]);
    expect(rounds[1].methods.map((m) => m.method).sort()).toEqual(['absmax', 'avg', 'max']);
    expect(rounds[1].participants.every((p) => p.unifiedLocalAccuracy !== null)).toBe(true);

    const manifest = weightManifest(PAPER_CNN);
    expect(frames.length).toBeGreaterThan(0);
    const updates: Frame[] = [];
    for (const f of frames) {
      expect(ALLOWED).toContain(f.event);
      const msg = f.args[0] as Record<string, unknown>;
      if (f.event === 'round:update') {
        updates.push(f);
        expect(keys(msg)).toEqual(['jobId', 'metrics', 'round', 'samples', 'signature', 'weights']);
        expect(msg.signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
        expect(keys(msg.metrics)).toEqual(METRIC_KEYS);
        expect(Object.values(msg.metrics as object).every(isNumOrNull)).toBe(true);
        expect(msg.samples).toBe(300);
      } else if (f.event === 'participant:ready') {
        expect(keys(msg)).toEqual(['backend', 'dataset']);
        expect(keys(msg.dataset)).toEqual([
          'classCounts',
          'inputShape',
          'numClasses',
          'testSamples',
          'trainSamples',
        ]);
        expect((msg.dataset as { classCounts: number[] }).classCounts).toHaveLength(10);
      } else if (f.event === 'round:eval') {
        expect(keys(msg)).toEqual(['accuracy', 'jobId', 'loss', 'round', 'samples']);
      } else {
        expect(Object.values(msg).every((v) => typeof v === 'string' || isNumOrNull(v))).toBe(true);
      }
    }
    expect(updates).toHaveLength(2);
    updates.forEach((f, k) => {
      const decoded = decodeWeights((f.args[0] as { weights: Uint8Array }).weights, manifest);
      expect(decoded.map((w) => Array.from(w))).toEqual(encoded[k].map((w) => Array.from(w)));
    });
  }, 240_000);
});
