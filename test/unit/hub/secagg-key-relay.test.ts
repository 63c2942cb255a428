/**
 * The secure-aggregation key relay between the hub's session and the participants' clients, in
 * process and message for message: adverts are signed with the enrollment identity keys the hub
 * announces, and a hub-in-the-middle that substitutes a key is refused by the participants.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  formatFingerprint,
  generateIdentity,
  keyFingerprint,
  signBytes,
  type IdentityKeyPair,
} from '../../../core/crypto/identity.ts';
import {
  SecAggClient,
  describeIdentities,
  type IdentityPins,
} from '../../../core/participant/secagg-client.ts';
import { generateX25519 } from '../../../core/privacy/secagg-crypto.ts';
import { SecAggParticipant } from '../../../core/privacy/secagg-participant.ts';
import {
  SecAggRefusal,
  advertSigningBytes,
  identityRosterDigest,
} from '../../../core/privacy/secagg-types.ts';
import type { FederationServerEvents } from '../../../core/wire/protocol.ts';
import { secAggRoundSchema, type SecAggKeys, type SecAggRound } from '../../../core/wire/secagg-protocol.ts';
import { SecAggSession } from '../../../hub/privacy/secagg-session.ts';
import { updateMetrics } from './tiny-job.ts';

const IDS = ['p0', 'p1', 'p2'];
const METRICS = updateMetrics;
type Push = 'secagg:neighbours' | 'secagg:inbox' | 'secagg:survivors' | 'secagg:reveal';
type PushMsg<E extends Push> = Parameters<FederationServerEvents[E]>[0];
/** What a hub-in-the-middle (or a lossy link) does to a push on its way to `to`; null: lost. */
type Tamper = <E extends Push>(to: string, event: E, msg: PushMsg<E>) => PushMsg<E> | null;

const sessions: SecAggSession[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.dispose();
});

function fp(key: Uint8Array): string {
  return formatFingerprint(keyFingerprint(key));
}

/** A hub session over three enrolled participants, and their clients wired to it through `tamper`. */
function federation(opts: {
  tamper?: Tamper;
  params?: (id: string, p: SecAggRound) => SecAggRound;
  pins?: Map<string, IdentityPins>;
  identities?: Map<string, IdentityKeyPair>;
}) {
  const enrolled = opts.identities ?? new Map(IDS.map((id) => [id, generateIdentity()]));
  const errors = new Map<string, unknown>();
  /** The events each participant sent to the hub. */
  const sent = new Map<string, string[]>(IDS.map((id) => [id, []]));
  const keys = new Map<string, SecAggKeys>();
  const clients = new Map<string, SecAggClient>();
  const tamper: Tamper = opts.tamper ?? ((_to, _e, m) => m);
  const deliver = <M>(
    id: string,
    msg: M | null,
    run: (c: SecAggClient, m: M) => Promise<void> | void,
  ): void => {
    const c = clients.get(id);
    if (!c || !msg) return;
    Promise.resolve()
      .then(() => run(c, msg))
      .catch((err: unknown) => {
        errors.set(id, err);
        c.abandon(err);
      });
  };
  const session: SecAggSession = new SecAggSession(
    {
      jobId: 'job',
      round: 1,
      phaseTimeoutMs: 60_000,
      send: (to, event, raw) => {
        const m = tamper(to, event, raw as PushMsg<typeof event>);
        if (event === 'secagg:neighbours')
          deliver(to, m as PushMsg<'secagg:neighbours'> | null, (c, x) => c.onNeighbours(x));
        else if (event === 'secagg:inbox')
          deliver(to, m as PushMsg<'secagg:inbox'> | null, (c, x) => c.onInbox(x));
        else if (event === 'secagg:survivors')
          deliver(to, m as PushMsg<'secagg:survivors'> | null, (c, x) => c.onSurvivors(x));
        else deliver(to, m as PushMsg<'secagg:reveal'> | null, (c, x) => c.onReveal(x));
      },
      audit: () => undefined,
      log: () => undefined,
      onFailure: () => undefined,
    },
    {
      participants: IDS,
      threshold: 2,
      vectorLength: 5,
      maxWeight: 1,
      weighted: false,
      dpClip: null,
      noiseStd: 0,
      identities: new Map(
        IDS.map((id) => [id, { name: `Org ${id}`, publicKey: enrolled.get(id)!.publicKey }]),
      ),
    },
  );
  sessions.push(session);
  const make = (id: string): SecAggClient => {
    const params = opts.params ? opts.params(id, session.paramsFor(id)) : session.paramsFor(id);
    return new SecAggClient(
      'job',
      1,
      secAggRoundSchema.parse(params),
      5,
      async (event, msg) => {
        sent.get(id)!.push(event);
        if (event === 'secagg:keys') keys.set(id, msg as SecAggKeys);
        const m = msg as never;
        const ack =
          event === 'secagg:keys'
            ? session.keys(id, m)
            : event === 'secagg:shares'
              ? session.shares(id, m)
              : event === 'secagg:masked'
                ? session.masked(id, m)
                : event === 'secagg:consistency'
                  ? session.consistency(id, m)
                  : session.unmask(id, m);
        if (!ack.ok) throw new Error(`${event} refused: ${ack.error}`);
      },
      enrolled.get(id)!,
      opts.pins?.get(id),
    );
  };
  return { session, enrolled, errors, sent, keys, clients, make };
}

/** Every client sends its keys; resolves with who got through the share phase and who did not. */
async function keyPhases(f: ReturnType<typeof federation>): Promise<{ shared: string[]; refused: string[] }> {
  for (const id of IDS) f.clients.set(id, f.make(id));
  await Promise.all([...f.clients.values()].map((c) => c.start()));
  const signal = new AbortController().signal;
  const outcome = await Promise.all(
    IDS.map((id) =>
      f.clients
        .get(id)!
        .sharesSent(signal)
        .then(
          () => [id, true] as const,
          () => [id, false] as const,
        ),
    ),
  );
  return {
    shared: outcome.filter(([, ok]) => ok).map(([id]) => id),
    refused: outcome.filter(([, ok]) => !ok).map(([id]) => id),
  };
}

describe('secure aggregation: keys signed with the enrollment identity', () => {
  it('an honest relay completes the round, and the unmasked sum is the sum of the deltas', async () => {
    const f = federation({});
    expect(await keyPhases(f)).toEqual({ shared: IDS, refused: [] });
    const signal = new AbortController().signal;
    const deltas = IDS.map((_, k) => Float32Array.from([0.1 * k, -0.2, 0.3, 0.05 * k]));
    await Promise.all(IDS.map((id, k) => f.clients.get(id)!.submit(deltas[k]!, 10, METRICS, signal)));
    const result = await f.session.finish();
    expect(result.survivors).toEqual(IDS);
    expect(result.weightSum).toBe(3);
    for (let i = 0; i < 4; i++)
      expect(result.weightedSum[i]).toBeCloseTo(
        deltas.reduce((s, d) => s + d[i]!, 0),
        4,
      );
  });

  it('announces the identity keys bound at enrollment with the round, one per participant', () => {
    const f = federation({});
    const p = f.session.paramsFor('p1');
    expect(p.identityKeys.map((e) => [e.id, fp(e.publicKey)])).toEqual(
      IDS.map((id) => [id, fp(f.enrolled.get(id)!.publicKey)]),
    );
    expect(() => secAggRoundSchema.parse({ ...p, identityKeys: p.identityKeys.slice(1) })).toThrow(
      /identityKeys must name every participant/,
    );
    // What the participant logs for people to compare: names (cleaned of terminal escapes) and fingerprints.
    const shown = describeIdentities({
      ...p,
      identityKeys: p.identityKeys.map((e) => (e.id === 'p2' ? { ...e, name: 'Org\u001b[2J p2' } : e)),
    });
    expect(shown).toEqual([
      `Org p0: key ${fp(f.enrolled.get('p0')!.publicKey)}`,
      `Org p1 (this participant): key ${fp(f.enrolled.get('p1')!.publicKey)}`,
      `Org p2: key ${fp(f.enrolled.get('p2')!.publicKey)}`,
    ]);
  });

  it('a hub that swaps one relayed X25519 key is refused by the participant it lied to, with the fingerprint to check', async () => {
    const hubKey = generateX25519().publicKey;
    const f = federation({
      tamper: (to, event, msg) => {
        if (event !== 'secagg:neighbours' || to !== 'p0') return msg;
        const m = msg as PushMsg<'secagg:neighbours'>;
        return {
          ...m,
          adverts: m.adverts.map((a) => (a.id === 'p1' ? { ...a, sPublicKey: hubKey } : a)),
        } as typeof msg;
      },
    });
    const { refused } = await keyPhases(f);
    expect(refused).toEqual(['p0']);
    const err = f.errors.get('p0');
    expect(err).toBeInstanceOf(SecAggRefusal);
    expect((err as Error).message).toMatch(
      /the keys relayed for p1 are not signed by the identity key announced for p1/,
    );
    expect((err as Error).message).toContain(fp(f.enrolled.get('p1')!.publicKey));
    // p0 sent its keys and nothing after: no share of its secrets is sealed to the hub's key.
    expect(f.sent.get('p0')).toEqual(['secagg:keys']);
    expect(f.sent.get('p1')).toEqual(['secagg:keys', 'secagg:shares']);
  });

  it('a hub that also announces its own identity key for a participant breaks the roster digest: the honest neighbour is refused', async () => {
    // The hub shows p0 its own identity key for p1 and re-signs a substituted advert for p1 with it.
    const hubIdentity = generateIdentity();
    const f = federation({
      params: (id, p) =>
        id !== 'p0'
          ? p
          : {
              ...p,
              identityKeys: p.identityKeys.map((e) =>
                e.id === 'p1' ? { ...e, publicKey: hubIdentity.publicKey } : e,
              ),
            },
    });
    const p0 = f.make('p0');
    // p0 signed over the roster it was shown; the honest session here refuses that, the hub-in-the-middle would not.
    await expect(p0.start()).rejects.toThrow(/not signed/);
    for (const id of ['p1', 'p2']) await f.make(id).start();
    const advert = (id: string) => {
      const { jobId: _j, round: _r, ...a } = f.keys.get(id)!;
      return { id, ...a };
    };
    const unsigned = { ...advert('p1'), sPublicKey: generateX25519().publicKey };
    const fakeRoster = identityRosterDigest(p0.params.identityKeys);
    const forged = {
      ...unsigned,
      signature: signBytes(hubIdentity.privateKeyPem, advertSigningBytes('job/1', unsigned, fakeRoster)),
    };
    // p2 signed over the roster everyone else was shown, so its authentic keys no longer verify at p0.
    await expect(
      p0.onNeighbours({ jobId: 'job', round: 1, adverts: [forged, advert('p2')] }),
    ).rejects.toThrow(/keys relayed for p2 are not signed by the identity key announced for p2/);
  });

  it('refuses a round whose announced key for this participant is not the one it enrolled with', () => {
    const f = federation({
      params: (id, p) => ({
        ...p,
        identityKeys: p.identityKeys.map((e) =>
          e.id === id ? { ...e, publicKey: generateIdentity().publicKey } : e,
        ),
      }),
    });
    expect(() => f.make('p2')).toThrow(/this installation enrolled with key/);
  });

  it('refuses a later round that announces another identity key for a participant', () => {
    const identities = new Map(IDS.map((id) => [id, generateIdentity()]));
    const pins = new Map(IDS.map((id) => [id, new Map() as IdentityPins]));
    federation({ identities, pins }).make('p0');
    expect(pins.get('p0')!.get('p1')).toEqual(identities.get('p1')!.publicKey);
    const swapped = new Map(identities).set('p1', generateIdentity());
    const later = federation({ identities: swapped, pins });
    expect(() => later.make('p0')).toThrow(/Org p1 \(p1\).*had key .* in an earlier round/);
  });

  it('the hub takes no keys signed by anything but the enrolled identity key', () => {
    const f = federation({});
    const p = f.session.paramsFor('p1');
    const keysSignedBy = (identity: IdentityKeyPair) => {
      const part = new SecAggParticipant(
        {
          roundId: p.roundId,
          participants: p.participants,
          degree: p.degree,
          threshold: p.threshold,
          graphSeed: p.graphSeed,
          vectorLength: 5,
          rosterDigest: identityRosterDigest(p.identityKeys),
        },
        'p1',
        { sign: (b) => signBytes(identity.privateKeyPem, b) },
        () => true,
      );
      const { id: _id, ...a } = part.advertise();
      return { jobId: 'job', round: 1, ...a };
    };
    expect(f.session.keys('p1', keysSignedBy(generateIdentity()))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not signed/),
    });
    expect(f.session.keys('p1', keysSignedBy(f.enrolled.get('p1')!))).toEqual({ ok: true });
  });

  it('a participant whose connection dropped while it trained takes its seat again, gets its inbox again, and counts', async () => {
    let lossy = true;
    const f = federation({
      tamper: (to, event, msg) => (lossy && to === 'p2' && event === 'secagg:inbox' ? null : msg),
    });
    await keyPhases(f);
    const signal = new AbortController().signal;
    const delta = (k: number) => Float32Array.from([0.1 * k, 0.2, -0.1, 0]);
    await Promise.all(['p0', 'p1'].map((id, k) => f.clients.get(id)!.submit(delta(k), 10, METRICS, signal)));
    // p2's inbox went to a socket that was already gone; p2 reconnects.
    f.session.left('p2');
    lossy = false;
    const late = f.clients.get('p2')!.submit(delta(2), 10, METRICS, signal);
    expect(f.session.rejoin('p2')).toBe(true);
    await late;
    expect(f.session.rejoin('p2')).toBe(false);
    expect(f.session.rejoin('p0')).toBe(false);
    const result = await f.session.finish();
    expect(result.survivors).toEqual(IDS);
    expect(result.weightedSum[0]).toBeCloseTo(0.3, 4);
  });
});
