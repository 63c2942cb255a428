/**
 * Identity and limits at the federation handshake and update intake, on a real hub with raw
 * socket.io participants: one invite is one key, proofs cannot be replayed or moved, an
 * unauthenticated socket cannot make the hub buffer much, updates are signed and their sample
 * claims bounded, refusals and outliers are recorded, participant strings are cleaned.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { generateIdentity, signChallenge } from '../../core/crypto/identity.ts';
import { encodeWeights } from '../../core/wire/weights-codec.ts';
import {
  FEDERATION_NAMESPACE,
  PROTOCOL_VERSION,
  type AuthChallenge,
  type InviteRecord,
  type ParticipantRecord,
  type RoundRecord,
  type RoundStart,
} from '../../core/wire/protocol.ts';
import type { Hub } from '../../hub/index.ts';
import type { OperatorClient } from '../../cli/operator-client.ts';
import { pinnedTlsOptions } from '../../core/net/pinned-tls.ts';
import {
  TINY_MANIFEST,
  ask,
  connectRaw,
  filled,
  identityOf,
  inviteToken,
  jobWithInvite,
  next,
  outcome,
  readyFor,
  readyParticipant,
  sendUpdate,
  signedUpdate,
  startTestHub,
  teardown,
  tempDir,
  tinyJob,
} from './hub-helpers.ts';

type AuditRow = { action: string; actor: string; detail: Record<string, unknown> };

describe('trust: identity, signed updates and limits', () => {
  const tmp = tempDir();
  let hub: Hub;
  let op: OperatorClient;
  const sockets: Socket[] = [];
  const track = (s: Socket) => (sockets.push(s), s);

  beforeAll(async () => {
    ({ hub, op } = await startTestHub(tmp.dir));
  });
  afterAll(() => teardown(sockets, hub, tmp));

  it('refuses another key on an enrolled invite, naming it, while the first keeps its place', async () => {
    const { job, token } = await jobWithInvite(op, tinyJob({ name: 'one key' }), 'Org One');
    const first = track(await connectRaw(hub, { token, instanceId: 'owner' }));
    expect((await outcome(first)).connected).toBe(true);
    const thief = track(await connectRaw(hub, { token, instanceId: 'thief' }));
    const res = await outcome(thief);
    expect(res.connected).toBe(false);
    expect(res.code).toBe('unauthorized');
    expect(res.message).toMatch(/belongs to another key/);
    await new Promise((r) => setTimeout(r, 200));
    expect(first.connected).toBe(true);
    const parts = await op.request<ParticipantRecord[]>('GET', `/api/jobs/${job.id}/participants`);
    expect(parts).toHaveLength(1);
    expect(parts[0].connected).toBe(true);
    expect(parts[0].keyFingerprint).toMatch(/^[0-9a-f]{64}$/);
    const invites = await op.request<InviteRecord[]>('GET', '/api/invites');
    expect(invites.find((i) => i.name === 'Org One')?.keyFingerprint).toBe(parts[0].keyFingerprint);
  });

  it('lets the same key reconnect and replace its older connection', async () => {
    const { job, token } = await jobWithInvite(op, tinyJob({ name: 'replace' }));
    const a = track(await connectRaw(hub, { token, instanceId: 'same' }));
    expect((await outcome(a)).connected).toBe(true);
    const dropped = next<string>(a, 'disconnect');
    const b = track(await connectRaw(hub, { token, instanceId: 'same' }));
    expect((await outcome(b)).connected).toBe(true);
    expect(await dropped).toBe('io server disconnect');
    const parts = await op.request<ParticipantRecord[]>('GET', `/api/jobs/${job.id}/participants`);
    expect(parts).toHaveLength(1);
  });

  it('accepts a proof once, for its own invite and this hub only', async () => {
    const { token } = await jobWithInvite(op, tinyJob({ name: 'replay' }));
    const key = generateIdentity();
    const tls = hub.fingerprint ? await pinnedTlsOptions(hub.url, hub.fingerprint) : {};
    const publicKey = Buffer.from(key.publicKey).toString('base64');
    const attempt = (auth: object) =>
      new Promise<{ code?: string; message: string; challenge?: AuthChallenge; connected: boolean }>(
        (resolve) => {
          const s = track(
            io(hub.url + FEDERATION_NAMESPACE, {
              transports: ['websocket'],
              reconnection: false,
              forceNew: true,
              auth,
              ...tls,
            }),
          );
          s.once('connect', () => resolve({ connected: true, message: 'connected' }));
          s.once('connect_error', (e: Error & { data?: { code?: string; challenge?: AuthChallenge } }) =>
            resolve({
              connected: false,
              message: e.message,
              code: e.data?.code,
              challenge: e.data?.challenge,
            }),
          );
        },
      );
    const base = { token, protocolVersion: PROTOCOL_VERSION, publicKey };
    const first = await attempt(base);
    expect(first.code).toBe('auth-challenge');
    const c = first.challenge as AuthChallenge;
    const sign = (fp: string, inviteId = c.inviteId) =>
      Buffer.from(
        signChallenge(key.privateKeyPem, {
          hubFingerprint: fp,
          inviteId,
          nonce: c.nonce,
          issuedAt: c.issuedAt,
        }),
      ).toString('base64');
    // Signed for another hub's certificate: refused, and the nonce is spent.
    const wrongHub = await attempt({
      ...base,
      proof: { nonce: c.nonce, issuedAt: c.issuedAt, signature: sign('AA:BB') },
    });
    expect(wrongHub.code).toBe('unauthorized');
    expect(wrongHub.message).toMatch(/did not verify/);
    const second = (await attempt(base)).challenge as AuthChallenge;
    const good = {
      nonce: second.nonce,
      issuedAt: second.issuedAt,
      signature: Buffer.from(
        signChallenge(key.privateKeyPem, {
          hubFingerprint: hub.fingerprint ?? '',
          inviteId: second.inviteId,
          nonce: second.nonce,
          issuedAt: second.issuedAt,
        }),
      ).toString('base64'),
    };
    expect((await attempt({ ...base, proof: good })).connected).toBe(true);
    // The same proof again (a replay): a fresh challenge, never a connection.
    expect((await attempt({ ...base, proof: good })).code).toBe('auth-challenge');
  });

  it('closes a connection that sends more than the pre-authentication budget', async () => {
    const tls = hub.fingerprint ? await pinnedTlsOptions(hub.url, hub.fingerprint) : {};
    const s = track(
      io(hub.url + FEDERATION_NAMESPACE, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        auth: { token: 'x'.repeat(200_000), protocolVersion: PROTOCOL_VERSION },
        ...tls,
      }),
    );
    // The hub closes the raw connection before it parses the handshake: no answer, just a close.
    const res = await new Promise<string>((resolve) => {
      s.once('connect', () => resolve('connected'));
      s.once('connect_error', (e: Error & { data?: { code?: string } }) => resolve(e.data?.code ?? 'error'));
      s.io.once('close', () => resolve('closed'));
    });
    expect(['closed', 'error']).toContain(res);
  });

  it('refuses an unsigned-by-this-key update and a sample claim beyond what was declared, and records both as refused', async () => {
    const { job, token } = await jobWithInvite(op, tinyJob({ name: 'claims', minParticipants: 2 }), 'Org A');
    const a = track(await readyParticipant(hub, token, 'claims-a'));
    const started = next<RoundStart>(a, 'round:start');
    const b = track(await readyParticipant(hub, await inviteToken(op, job.id, 'Org B'), 'claims-b'));
    await started;
    const weights = encodeWeights(TINY_MANIFEST, filled(1));
    const forged = signedUpdate(identityOf('someone-else'), {
      jobId: job.id,
      round: 1,
      samples: 10,
      weights,
    });
    expect((await ask(a, 'round:update', forged)).code).toBe('unauthorized');
    // Signed over 10 samples, sent as 20: the signature does not cover it.
    const moved = signedUpdate(
      identityOf('claims-a'),
      { jobId: job.id, round: 1, samples: 20, weights },
      { samples: 10 },
    );
    expect((await ask(a, 'round:update', moved)).code).toBe('unauthorized');
    // readyFor declares 30 training samples, 1 epoch.
    const greedy = signedUpdate(identityOf('claims-b'), { jobId: job.id, round: 1, samples: 1e12, weights });
    const res = await ask(b, 'round:update', greedy);
    expect(res.code).toBe('bad-request');
    expect(res.error).toMatch(/declared 30 training samples/);
    expect((await sendUpdate(a, job.id, 1, 1)).ok).toBe(true);
    const audit = await op.request<AuditRow[]>('GET', `/api/jobs/${job.id}/audit`);
    expect(audit.filter((e) => e.action === 'update-refused').length).toBe(3);
    const accepted = audit.find((e) => e.action === 'update');
    expect(accepted?.detail.signature).toMatch(/==$/);
    expect(accepted?.detail.publicKey).toMatch(/=$/);
  });

  it('clips sample counts to the job cap and records the signed claim beside it', async () => {
    const { job, token } = await jobWithInvite(
      op,
      tinyJob({ name: 'cap', minParticipants: 1, rounds: 1, maxSamplesPerUpdate: 4 }),
    );
    const a = track(await readyParticipant(hub, token, 'cap-a'));
    await next<RoundStart>(a, 'round:start');
    expect((await sendUpdate(a, job.id, 1, 1)).ok).toBe(true);
    const audit = await op.request<AuditRow[]>('GET', `/api/jobs/${job.id}/audit`);
    const u = audit.find((e) => e.action === 'update');
    expect(u?.detail.samples).toBe(4);
    expect(u?.detail.claimedSamples).toBe(10);
  });

  it('records an eval for a round that does not exist as refused', async () => {
    const { job, token } = await jobWithInvite(op, tinyJob({ name: 'eval 999', minParticipants: 1 }));
    const a = track(await readyParticipant(hub, token, 'e999'));
    const res = await ask(a, 'round:eval', {
      jobId: job.id,
      round: 999,
      accuracy: 0.5,
      loss: 1,
      samples: 10,
    });
    expect(res.ok).toBe(false);
    const audit = await op.request<AuditRow[]>('GET', `/api/jobs/${job.id}/audit`);
    expect(audit.some((e) => e.action === 'eval-refused' && e.detail.round === 999)).toBe(true);
    expect(audit.some((e) => e.action === 'eval' && e.detail.round === 999)).toBe(false);
  });

  it('flags an update far from the others as an outlier in the round record', async () => {
    const { job, token } = await jobWithInvite(
      op,
      tinyJob({ name: 'outlier', minParticipants: 4, rounds: 1 }),
      'Org 1',
    );
    const socks: Socket[] = [track(await readyParticipant(hub, token, 'o-1'))];
    const started = next<RoundStart>(socks[0], 'round:start');
    for (const n of [2, 3, 4])
      socks.push(track(await readyParticipant(hub, await inviteToken(op, job.id, `Org ${n}`), `o-${n}`)));
    await started;
    const values = [1, 1.1, 0.9, 1e6];
    for (const [i, s] of socks.entries()) expect((await sendUpdate(s, job.id, 1, values[i])).ok).toBe(true);
    await next(socks[0], 'round:unified');
    // The statistics are computed after the weights went out: the record gets them shortly after.
    const r = await vi.waitFor(
      async () => {
        const [rec] = await op.request<RoundRecord[]>('GET', `/api/jobs/${job.id}/rounds`);
        if (!rec.participants.some((p) => p.outlier !== undefined)) throw new Error('no statistics yet');
        return rec;
      },
      { timeout: 10_000, interval: 50 },
    );
    const byName = new Map(r.participants.map((p) => [p.name, p]));
    expect(byName.get('Org 4')?.outlier).toBe(true);
    expect(['Org 1', 'Org 2', 'Org 3'].map((n) => byName.get(n)?.outlier)).toEqual([false, false, false]);
    expect(byName.get('Org 4')?.distanceFromMedian).toBeGreaterThan(1000);
  });

  it('strips escape sequences and bidi overrides from invite names and participant-supplied fields', async () => {
    const job = await op.request<{ id: string }>('POST', '/api/jobs', tinyJob({ name: 'strings' }));
    const inv = await op.request<InviteRecord & { invite: string }>('POST', '/api/invites', {
      name: 'Org\u202Egnp.exe\u001b[31m',
      jobId: job.id,
    });
    expect(inv.name).toBe('Orggnp.exe');
    const { decodeInvite } = await import('../../core/wire/invite.ts');
    const s = track(await connectRaw(hub, { token: decodeInvite(inv.invite).token, instanceId: 'strings' }));
    await next(s, 'job:assign');
    const ready = readyFor();
    ready.backend = {
      backend: 'cpu\u001b]0;owned\u0007',
      device: 'GPU\u2066x\u2069\r\nfake log line',
      notes: ['\u001b[2J'],
    };
    expect((await ask(s, 'participant:ready', ready)).ok).toBe(true);
    const [p] = await op.request<ParticipantRecord[]>('GET', `/api/jobs/${job.id}/participants`);
    expect(p.name).toBe('Orggnp.exe');
    expect(p.backend).toEqual({ backend: 'cpu', device: 'GPUx fake log line', notes: [''] });
  });
});
