/**
 * The participant's side of one secure-aggregation round over the federation connection: sends
 * its signed keys at round start, its sealed shares when the neighbours' keys arrive, its masked
 * update after training, then signs the survivor list and reveals only what the consistency rule
 * allows (core/privacy/secagg-participant.ts enforces it).
 *
 * Keys are signed with the participant's enrollment identity key (the one the hub bound its invite
 * to), and every neighbour's keys are checked against the identity key the hub announced for that
 * neighbour with the round. The hub cannot forge a neighbour's signature; to substitute a key it
 * must also announce an identity key of its own, which (a) this participant refuses when it differs
 * from the one announced for the same participant in an earlier round of the job, and (b) breaks
 * the roster digest every advert is signed over, so honest neighbours refuse each other unless the
 * hub fakes every one of a participant's neighbours. That last case is the residual trust people
 * close by comparing key fingerprints out of band (docs/privacy.md).
 */
import {
  formatFingerprint,
  keyFingerprint,
  signBytes,
  verifyBytes,
  type IdentityKeyPair,
} from '../crypto/identity.ts';
import { encodeFixedPoint, fixedPointParams } from '../privacy/fixed-point.ts';
import { cleanText } from '../wire/clean-text.ts';
import { SecAggParticipant } from '../privacy/secagg-participant.ts';
import { SecAggRefusal, identityRosterDigest, type EncryptedShare } from '../privacy/secagg-types.ts';
import type { LocalMetrics } from '../wire/protocol.ts';
import type {
  SecAggInbox,
  SecAggNeighbours,
  SecAggRevealRequest,
  SecAggRound,
  SecAggSurvivors,
} from '../wire/secagg-protocol.ts';
import type { ClientPayload } from './types.ts';

type SecAggEvent = 'secagg:keys' | 'secagg:shares' | 'secagg:masked' | 'secagg:consistency' | 'secagg:unmask';

/** Sends an acknowledged event (the round runner's retrying send). */
export type SecAggSend = <E extends SecAggEvent>(event: E, msg: ClientPayload<E>) => Promise<void>;

/** Identity keys announced for participants in earlier rounds of a job: an enrolled key never changes. */
export type IdentityPins = Map<string, Uint8Array>;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The hub-given name of a participant, safe to print (the hub is not trusted with terminals). */
function nameOf(e: { id: string; name: string }): string {
  return cleanText(e.name).slice(0, 80) || e.id;
}

function fp(key: Uint8Array): string {
  return formatFingerprint(keyFingerprint(key));
}

/**
 * Checks the identity keys the hub announced for a round: its own entry must be this installation's
 * enrolled key, and no participant's key may differ from the one pinned in an earlier round. Pins
 * the new ones; returns the keys by participant id. Throws a SecAggRefusal saying what was wrong.
 */
export function checkAnnouncedIdentities(
  params: Pick<SecAggRound, 'self' | 'identityKeys'>,
  ownKey: Uint8Array,
  pins: IdentityPins,
): Map<string, Uint8Array> {
  const keys = new Map(params.identityKeys.map((e) => [e.id, e.publicKey]));
  const mine = keys.get(params.self);
  if (!mine || !sameBytes(mine, ownKey))
    throw new SecAggRefusal(
      `the hub announced identity key ${mine ? fp(mine) : '(none)'} for this participant (${params.self}), ` +
        `but this installation enrolled with key ${fp(ownKey)}: the hub is substituting identity keys; refusing the round`,
    );
  for (const e of params.identityKeys) {
    const pinned = pins.get(e.id);
    if (pinned && !sameBytes(pinned, e.publicKey))
      throw new SecAggRefusal(
        `the hub announced identity key ${fp(e.publicKey)} for ${nameOf(e)} (${e.id}), ` +
          `which had key ${fp(pinned)} in an earlier round: an enrolled key never changes, so the hub is substituting it; ` +
          'refusing the round. Compare key fingerprints with that organization out of band.',
        e.id,
      );
  }
  for (const [id, key] of keys) pins.set(id, key);
  return keys;
}

/** The announced roster as people compare it: "name (id) key 3f9a 1c2b …" per participant. */
export function describeIdentities(params: Pick<SecAggRound, 'self' | 'identityKeys'>): string[] {
  return params.identityKeys.map(
    (e) => `${nameOf(e)}${e.id === params.self ? ' (this participant)' : ''}: key ${fp(e.publicKey)}`,
  );
}

/** One round's client state. */
export class SecAggClient {
  private readonly keysOf: Map<string, Uint8Array>;
  private readonly participant: SecAggParticipant;
  private inbox: EncryptedShare[] | null = null;
  private inboxArrived!: () => void;
  private readonly inboxReady = new Promise<void>((r) => (this.inboxArrived = r));
  private sharedDone!: () => void;
  private sharedFailed!: (err: unknown) => void;
  private readonly shared = new Promise<void>((resolve, reject) => {
    this.sharedDone = resolve;
    this.sharedFailed = reject;
  });

  /** Throws a SecAggRefusal when the announced identity keys are not to be trusted (see checkAnnouncedIdentities). */
  constructor(
    readonly jobId: string,
    readonly round: number,
    readonly params: SecAggRound,
    /** Model parameters + 1 (the weight slot). */
    vectorLength: number,
    private readonly send: SecAggSend,
    /** The enrollment identity: the key the hub bound this participant's invite to. */
    private readonly identity: IdentityKeyPair,
    pins: IdentityPins = new Map(),
  ) {
    // Nobody may wait on a round that was refused before training reached it.
    this.shared.catch(() => undefined);
    this.keysOf = checkAnnouncedIdentities(params, identity.publicKey, pins);
    this.participant = new SecAggParticipant(
      {
        roundId: params.roundId,
        participants: params.participants,
        degree: params.degree,
        threshold: params.threshold,
        graphSeed: params.graphSeed,
        vectorLength,
        rosterDigest: identityRosterDigest(params.identityKeys),
      },
      params.self,
      { sign: (bytes) => signBytes(this.identity.privateKeyPem, bytes) },
      (id, bytes, sig) => {
        const key = this.keysOf.get(id);
        return key !== undefined && verifyBytes(key, bytes, sig);
      },
    );
  }

  /** The round cannot go on here (a refusal, or the hub gave up): whoever waits for the shares stops. */
  abandon(err: unknown): void {
    this.sharedFailed(err);
  }

  private get ids(): { jobId: string; round: number } {
    return { jobId: this.jobId, round: this.round };
  }

  /** Phase 0: the signed keys. */
  async start(): Promise<void> {
    const a = this.participant.advertise();
    await this.send('secagg:keys', {
      ...this.ids,
      cPublicKey: a.cPublicKey,
      sPublicKey: a.sPublicKey,
      bCommitment: a.bCommitment,
      signature: a.signature,
    });
  }

  /** Phase 1: checks the neighbours' signed keys, then sends them its shares; refuses substituted keys. */
  async onNeighbours(msg: SecAggNeighbours): Promise<void> {
    let shares;
    try {
      shares = await this.participant.shareKeys(msg.adverts);
    } catch (err) {
      throw this.withFingerprint(err);
    }
    await this.send('secagg:shares', {
      ...this.ids,
      shares: shares.map((s) => ({ to: s.to, sealed: s.sealed })),
    });
    this.sharedDone();
  }

  /** Resolves once this participant's shares are with the hub; rejects when the round is abandoned. */
  sharesSent(signal: AbortSignal): Promise<void> {
    return Promise.race([this.shared, aborted(signal)]);
  }

  /** The sealed shares addressed to this participant. */
  onInbox(msg: SecAggInbox): void {
    this.inbox = msg.shares.map((s) => ({ from: s.from, to: this.params.self, sealed: s.sealed }));
    this.inboxArrived();
  }

  /** Phase 2: encodes w·delta into the ring, masks it and sends it; returns how many values were clipped. */
  async submit(
    delta: Float32Array,
    samples: number,
    metrics: LocalMetrics,
    signal: AbortSignal,
  ): Promise<number> {
    await Promise.race([this.inboxReady, aborted(signal)]);
    const fixed = fixedPointParams({
      clipRange: this.params.clipRange,
      maxWeight: this.params.maxWeight,
      maxParticipants: this.params.participants.length,
    });
    const weight = this.params.weighted ? Math.min(Math.max(1, samples), this.params.maxWeight) : 1;
    const { encoded, clipped } = encodeFixedPoint(delta, weight, fixed);
    const { masked } = this.participant.maskInput(this.inbox!, encoded);
    await this.send('secagg:masked', {
      ...this.ids,
      samples,
      metrics,
      masked: new Uint8Array(masked.buffer, masked.byteOffset, masked.byteLength),
    });
    return clipped;
  }

  /** Phase 3: signs the survivor list (once per round). */
  async onSurvivors(msg: SecAggSurvivors): Promise<void> {
    await this.send('secagg:consistency', {
      ...this.ids,
      signature: this.participant.signSurvivors(msg.survivors),
    });
  }

  /** A refusal about a neighbour's keys, with the fingerprint people should compare out of band. */
  private withFingerprint(err: unknown): unknown {
    if (!(err instanceof SecAggRefusal) || !err.peer) return err;
    const who = this.params.identityKeys.find((e) => e.id === err.peer);
    const key = this.keysOf.get(err.peer);
    if (!who || !key) return err;
    return new SecAggRefusal(
      `${err.message}. The hub announced key ${fp(key)} for ${nameOf(who)}: compare it with that organization's own fingerprint out of band`,
      err.peer,
    );
  }

  /** Phase 4: reveals what the consistency rule allows. */
  async onReveal(msg: SecAggRevealRequest): Promise<void> {
    const r = this.participant.unmask({
      survivors: msg.survivors,
      dropped: msg.dropped,
      signatures: msg.signatures.map((s) => ({ id: s.id, signature: s.signature })),
    });
    await this.send('secagg:unmask', { ...this.ids, bShares: r.bShares, sShares: r.sShares });
  }
}

/** Rejects with an AbortError when the signal aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(new DOMException('aborted', 'AbortError'));
    signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
  });
}
