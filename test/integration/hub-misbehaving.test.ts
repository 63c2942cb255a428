import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { encodeWeights } from '../../core/wire/weights-codec.ts';
import { crc32 } from '../../core/wire/crc32.ts';
import { weightManifest } from '../../core/model/manifest.ts';
import type { RoundStart, RoundUnified } from '../../core/wire/protocol.ts';
import type { Hub } from '../../hub/index.ts';
import type { OperatorClient } from '../../cli/operator-client.ts';
import {
  TINY_MANIFEST,
  TINY_MODEL,
  UPDATE_METRICS,
  ask,
  connectRaw,
  jobWithInvite,
  next,
  outcome,
  readyFor,
  readyParticipant,
  startTestHub,
  teardown,
  tempDir,
  tinyJob,
  filled,
  inviteToken,
} from './hub-helpers.ts';

/** A valid payload with one value replaced by NaN and the checksum fixed, so only the NaN is wrong. */
function nanPayload(): Uint8Array {
  const bytes = encodeWeights(TINY_MANIFEST, filled(1));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offset = view.getUint32(12, true);
  view.setFloat32(offset + 8, Number.NaN, true);
  view.setUint32(20, crc32(bytes.subarray(offset)), true);
  return bytes;
}

describe('hub: misbehaving participants', () => {
  const tmp = tempDir();
  let hub: Hub;
  let op: OperatorClient;
  const sockets: Socket[] = [];
  const track = (s: Socket) => (sockets.push(s), s);

  beforeAll(async () => {
    ({ hub, op } = await startTestHub(tmp.dir, { rateLimit: { burst: 30, perSec: 5 } }));
  });
  afterAll(() => teardown(sockets, hub, tmp));

  it('refuses an unknown token at the handshake', async () => {
    const res = await outcome(track(await connectRaw(hub, { token: 'x'.repeat(32), instanceId: 'i' })));
    expect(res.connected).toBe(false);
    expect(res.code).toBe('unauthorized');
    expect(res.message).toMatch(/not known/);
  });

  it('refuses another protocol version with a clear message', async () => {
    const { token } = await jobWithInvite(op, tinyJob({ name: 'version' }));
    const res = await outcome(track(await connectRaw(hub, { token, instanceId: 'i', protocolVersion: 999 })));
    expect(res.code).toBe('version-mismatch');
    expect(res.message).toMatch(/version 999/);
  });

  it('refuses a revoked invite and disconnects its live sockets', async () => {
    const { job } = await jobWithInvite(op, tinyJob({ name: 'revoke' }));
    const inv = await op.request<{ id: string; invite: string }>('POST', '/api/invites', {
      name: 'Gone',
      jobId: job.id,
    });
    const token = JSON.parse(Buffer.from(inv.invite.slice('fedunify1.'.length), 'base64url').toString())
      .token as string;
    const live = track(await connectRaw(hub, { token, instanceId: 'rv' }));
    expect((await outcome(live)).connected).toBe(true);
    const dropped = next(live, 'disconnect');
    await op.request('DELETE', `/api/invites/${inv.id}`);
    await dropped;
    const again = await outcome(track(await connectRaw(hub, { token, instanceId: 'rv' })));
    expect(again.message).toMatch(/revoked/);
  });

  it('rejects a dataset that does not fit the model', async () => {
    const { token } = await jobWithInvite(op, tinyJob({ name: 'schema' }));
    const s = track(await connectRaw(hub, { token, instanceId: 'sch' }));
    await next(s, 'job:assign');
    const ack = await ask(s, 'participant:ready', readyFor([28, 28, 1], 10));
    expect(ack.code).toBe('schema-mismatch');
    expect(ack.error).toMatch(/28×28×1.*4×4×1/);
  });

  it('rejects wrong shapes, NaN, oversize, stale and replayed updates while the honest round completes', async () => {
    const { job, token } = await jobWithInvite(op, tinyJob({ name: 'bad weights', rounds: 3 }));
    const a = track(await readyParticipant(hub, token, 'bw-a'));
    const startA = next<RoundStart>(a, 'round:start');
    const b = track(await readyParticipant(hub, await inviteToken(op, job.id, 'Org B'), 'bw-b'));
    await startA;
    const base = { jobId: job.id, round: 1, samples: 5, metrics: UPDATE_METRICS };

    const otherModel = weightManifest({
      ...TINY_MODEL,
      numClasses: 2,
      layers: [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }],
    });
    const wrongShape = encodeWeights(
      otherModel,
      otherModel.map((t) => new Float32Array(t.shape.reduce((x, y) => x * y, 1))),
    );
    expect((await ask(b, 'round:update', { ...base, weights: wrongShape })).code).toBe('bad-weights');
    const nan = await ask(b, 'round:update', { ...base, weights: nanPayload() });
    expect(nan.code).toBe('bad-weights');
    expect(nan.error).toMatch(/NaN/);
    expect((await ask(b, 'round:update', { ...base, weights: new Uint8Array(200_000) })).code).toBe(
      'too-large',
    );
    expect(
      (await ask(b, 'round:update', { ...base, round: 7, weights: encodeWeights(TINY_MANIFEST, filled(1)) }))
        .code,
    ).toBe('wrong-round');
    expect((await ask(b, 'round:update', { ...base, weights: 'not bytes' })).code).toBe('bad-request');

    const good = { ...base, weights: encodeWeights(TINY_MANIFEST, filled(4)) };
    const first = await ask<{ ok: boolean; sha256: string }>(a, 'round:update', good);
    const replay = await ask<{ ok: boolean; sha256: string }>(a, 'round:update', good);
    expect(replay).toEqual(first);
    const unified = next<RoundUnified>(a, 'round:unified');
    expect(
      (await ask(b, 'round:update', { ...base, weights: encodeWeights(TINY_MANIFEST, filled(2)) })).ok,
    ).toBe(true);
    expect((await unified).round).toBe(1);
    const stale = await ask(a, 'round:update', { ...base, weights: encodeWeights(TINY_MANIFEST, filled(9)) });
    expect(stale.code).toBe('conflict');
    const audit = await op.request<{ action: string }[]>('GET', `/api/jobs/${job.id}/audit`);
    expect(audit.filter((e) => e.action === 'update')).toHaveLength(2);
  });

  it('drops a socket that sends a frame over the limit', async () => {
    const { token } = await jobWithInvite(op, tinyJob({ name: 'frame' }));
    const s = track(await connectRaw(hub, { token, instanceId: 'big' }));
    await next(s, 'job:assign');
    const closed = next<string>(s, 'disconnect');
    s.emit('round:update', { weights: new Uint8Array(hub.frameLimit() + 1024) });
    expect(await closed).toMatch(/transport (close|error)/);
  });

  it('ignores junk events, then rate-limits a flood and disconnects', async () => {
    const { token } = await jobWithInvite(op, tinyJob({ name: 'flood' }));
    const s = track(await connectRaw(hub, { token, instanceId: 'fl' }));
    await next(s, 'job:assign');
    s.emit('junk:event', { a: 1 });
    s.emit('participant:ready', 'garbage');
    expect((await ask(s, 'participant:ready', null)).code).toBe('bad-request');
    const err = next<{ code: string }>(s, 'hub:error');
    const closed = next<string>(s, 'disconnect');
    for (let i = 0; i < 200; i++) s.emit('participant:status', { state: 'training' });
    expect((await err).code).toBe('rate-limited');
    expect(await closed).toBe('io server disconnect');
    const info = await op.request<{ version: string }>('GET', '/api/hub');
    expect(info.version).toMatch(/\d+\.\d+/);
  });
});
