/**
 * Limits before and after trust, on a hub started as users start it (`fedunify hub`, a child
 * process) with raw socket.io participants: an unauthenticated connection may not send a large
 * frame even when a job's model makes the hub's frame limit large; one invite holds one live
 * connection and one event budget however many sockets it opens, and the hub keeps answering
 * another organization meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { join } from 'node:path';
import { pinnedTlsOptions } from '../../core/net/pinned-tls.ts';
import { decodeInvite } from '../../core/wire/invite.ts';
import { FEDERATION_NAMESPACE, PROTOCOL_VERSION } from '../../core/wire/protocol.ts';
import type { HubClient } from '../../cli/simulate/hub-client.ts';
import { operatorOf, tempDir, until } from './federation-helpers.ts';
import { ask, connectRaw, identityOf, next, outcome, tinyJob } from './hub-helpers.ts';
import { spawnHub, type SpawnedHub } from './spawned-hub.ts';

/** The hub's default event budget (hub/federation/federation-handlers.ts). */
const BURST = 40;
const PER_SEC = 10;

/** 28×28 → dense 1000: ~3.1 MB of weights, so the hub's frame limit for trusted sockets passes 3 MB. */
const BIG_MODEL = {
  name: 'big dense',
  inputShape: [28, 28, 1] as [number, number, number],
  numClasses: 1000,
  layers: [
    { type: 'flatten' as const },
    { type: 'dense' as const, units: 1000, activation: 'softmax' as const },
  ],
};

describe('trust limits on a spawned hub', () => {
  const dir = tempDir('fedunify-limits-');
  const dataDir = join(dir.path, 'hub');
  const sockets: Socket[] = [];
  let hub: SpawnedHub;
  let client: HubClient;
  let jobId: string;

  const tokenFor = async (org: string, job = jobId): Promise<string> =>
    decodeInvite((await client.createInvite(org, job)).invite).token;
  /** A raw participant connected and assigned its job, proving the key named `who`. */
  const connected = async (token: string, who: string): Promise<Socket> => {
    const s = await connectRaw(hub, { token, instanceId: who }, identityOf(who));
    sockets.push(s);
    const assigned = next(s, 'job:assign');
    const res = await outcome(s);
    if (!res.connected) throw new Error(`${who} was refused: ${res.message}`);
    await assigned;
    return s;
  };

  beforeAll(async () => {
    hub = await spawnHub(dataDir);
    client = await operatorOf(dataDir, hub.url, hub.fingerprint);
    // Three participants needed: the job waits, so nobody trains and only the limits act.
    jobId = (await client.createJob(tinyJob({ name: 'limits', minParticipants: 3 }))).id;
  }, 120_000);
  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await hub?.stop();
    dir.remove();
  });

  it('closes an unauthenticated connection that sends a 2 MB frame, while the same frame from a trusted socket is read and answered', async () => {
    const big = (await client.createJob(tinyJob({ name: 'big model', model: BIG_MODEL, minParticipants: 3 })))
      .id;
    const tls = hub.fingerprint ? await pinnedTlsOptions(hub.url, hub.fingerprint) : {};
    const s = io(hub.url + FEDERATION_NAMESPACE, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: 'x'.repeat(2 * 1024 * 1024), protocolVersion: PROTOCOL_VERSION },
      ...tls,
    });
    sockets.push(s);
    const res = await new Promise<string>((resolve) => {
      s.once('connect', () => resolve('connected'));
      s.once('connect_error', (e: Error & { data?: { code?: string } }) => resolve(e.data?.code ?? 'error'));
      s.io.once('close', () => resolve('closed'));
    });
    expect(['closed', 'error']).toContain(res);
    await until(
      'the hub to log why it closed the connection',
      () => /closed a connection that sent \d+ bytes before authenticating/.test(hub.output()),
      15_000,
    );

    // After the handshake the model's limit applies: a 2 MB frame is read and answered.
    const trusted = await connected(await tokenFor('Big Org', big), 'big-org');
    const answer = await ask(trusted, 'round:update', {
      jobId: big,
      round: 1,
      samples: 1,
      metrics: {},
      weights: new Uint8Array(2 * 1024 * 1024),
      signature: 'A'.repeat(88),
    });
    expect(answer.ok).toBe(false);
    expect(trusted.connected).toBe(true);
  }, 60_000);

  it('keeps one event budget per invite across its sockets, drops the flood with a logged reason, and still answers another organization', async () => {
    const tokenA = await tokenFor('Org A');
    const other = await connected(await tokenFor('Org B'), 'org-b');
    let accepted = 0;
    const start = performance.now();
    let otherAnswer: Promise<{ ok: boolean }> | null = null;
    for (let k = 0; k < 3; k++) {
      // The same key again: a proven reconnect, which replaces the older socket (one live per invite).
      const s = await connected(tokenA, 'org-a');
      const refused = next<{ code: string }>(s, 'hub:error');
      const gone = next<string>(s, 'disconnect');
      for (let i = 0; i < 150; i++) {
        s.emit('participant:status', { state: 'training' }, (ack: { code?: string }) => {
          if (ack.code !== 'rate-limited') accepted++;
        });
      }
      if (k === 2) otherAnswer = ask(other, 'participant:status', { state: 'idle' });
      expect((await refused).code).toBe('rate-limited');
      await gone;
    }
    const seconds = (performance.now() - start) / 1000;
    // Per socket alone, three sockets would get three bursts (≥ 120); per invite, one burst plus the refill.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(BURST + Math.ceil(PER_SEC * seconds) + 1);
    expect((await otherAnswer)?.ok).toBe(true);
    expect(other.connected).toBe(true);
    const log = hub.output();
    expect(log).toMatch(/Org A sent events faster than one connection may \(40 at once, 10\/s\)/);
    expect(log).toMatch(/Org A sent events faster than its invite \(all its connections together\) may/);
    expect(log).not.toMatch(/Org B sent events faster/);
  }, 60_000);

  it('holds one live connection per invite and refuses a burst of connections on it', async () => {
    const token = await tokenFor('Org C');
    const first = await connected(token, 'org-c');
    const kicked = next<{ code: string }>(first, 'hub:error');
    const second = await connected(token, 'org-c');
    expect((await kicked).code).toBe('conflict');
    await until('the older socket to be closed', () => !first.connected);
    expect(second.connected).toBe(true);

    let refusal: { code?: string; message: string } | null = null;
    for (let i = 0; i < 12 && refusal === null; i++) {
      const s = await connectRaw(hub, { token, instanceId: 'org-c' }, identityOf('org-c'));
      sockets.push(s);
      const res = await outcome(s);
      if (!res.connected) refusal = res;
    }
    expect(refusal).toMatchObject({ code: 'rate-limited' });
    expect(refusal?.message).toMatch(/too many connection attempts with this invite/);
    await until(
      'the hub to log the refusal',
      () => /handshake from \S+ refused \(rate-limited\): too many connection attempts/.test(hub.output()),
      10_000,
    );
  }, 60_000);

  // Last in this file: every socket here comes from 127.0.0.1, and this spends its failure budget.
  it('blocks an address after 20 failed handshakes, logs it once, and still admits a valid invite from it', async () => {
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 45; i++) {
      const s = await connectRaw(
        hub,
        { token: `not-a-token-${i}`.padEnd(43, 'x'), instanceId: 'guesser' },
        identityOf('guesser'),
      );
      sockets.push(s);
      const res = await outcome(s);
      expect(res.connected).toBe(false);
      codes.push(res.connected ? 'connected' : res.code);
      s.close();
    }
    // Within the budget each guess gets its own answer; past it, only "rate-limited".
    expect(codes.slice(0, 20).every((c) => c === 'unauthorized')).toBe(true);
    expect(codes.slice(25)).toEqual(Array(20).fill('rate-limited'));
    await until(
      'the hub to log the block',
      () => /too many failed handshakes from this address/.test(hub.output()),
      10_000,
    );
    const valid = await connected(await tokenFor('Org D'), 'org-d');
    expect(valid.connected).toBe(true);
    const blocks = hub.output().match(/refused \(rate-limited\): too many failed handshakes/g) ?? [];
    expect(blocks.length).toBe(1);
    const guesses =
      hub.output().match(/refused \(unauthorized\): unauthorized: this invite token is not known/g) ?? [];
    expect(guesses.length).toBeLessThanOrEqual(21);
  }, 120_000);
});
