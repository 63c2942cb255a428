/**
 * The participant's side of one secure-aggregation round over the federation connection: sends
 * its signed keys at round start, its sealed shares when the neighbours' keys arrive, its masked
 * update after training, then signs the survivor list and reveals only what the consistency rule
 * allows (core/privacy/secagg-participant.ts enforces it).
 */
import { generateIdentity, signBytes, verifyBytes, type IdentityKeyPair } from '../crypto/identity.ts';
import { encodeFixedPoint, fixedPointParams } from '../privacy/fixed-point.ts';
import { SecAggParticipant } from '../privacy/secagg-participant.ts';
import type { EncryptedShare } from '../privacy/secagg-types.ts';
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

/** One round's client state. */
export class SecAggClient {
  private readonly identity: IdentityKeyPair;
  private readonly keysOf = new Map<string, Uint8Array>();
  private readonly participant: SecAggParticipant;
  private inbox: EncryptedShare[] | null = null;
  private inboxArrived!: () => void;
  private readonly inboxReady = new Promise<void>((r) => (this.inboxArrived = r));
  private sharedDone!: () => void;
  private readonly shared = new Promise<void>((r) => (this.sharedDone = r));

  constructor(
    readonly jobId: string,
    readonly round: number,
    readonly params: SecAggRound,
    /** Model parameters + 1 (the weight slot). */
    vectorLength: number,
    private readonly send: SecAggSend,
    identity?: IdentityKeyPair,
  ) {
    // Until the identity key bound at enrollment is available here, a per-round Ed25519 key signs
    // the relayed keys (it protects against tampering in transit, not against the hub itself).
    this.identity = identity ?? generateIdentity();
    this.keysOf.set(params.self, this.identity.publicKey);
    this.participant = new SecAggParticipant(
      {
        roundId: params.roundId,
        participants: params.participants,
        degree: params.degree,
        threshold: params.threshold,
        graphSeed: params.graphSeed,
        vectorLength,
      },
      params.self,
      { sign: (bytes) => signBytes(this.identity.privateKeyPem, bytes) },
      (id, bytes, sig) => {
        const key = this.keysOf.get(id);
        return key !== undefined && verifyBytes(key, bytes, sig);
      },
    );
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
      identityKey: this.identity.publicKey,
      signature: a.signature,
    });
  }

  private learnKey(id: string, key: Uint8Array): void {
    const known = this.keysOf.get(id);
    if (known && !known.every((b, i) => b === key[i]))
      throw new Error(`the hub relayed two different identity keys for ${id}: refusing to continue`);
    this.keysOf.set(id, key);
  }

  /** Phase 1: shares to the neighbours whose keys the hub relayed. */
  async onNeighbours(msg: SecAggNeighbours): Promise<void> {
    for (const a of msg.adverts) this.learnKey(a.id, a.identityKey);
    const shares = await this.participant.shareKeys(msg.adverts);
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

  /** Phase 4: reveals what the consistency rule allows. */
  async onReveal(msg: SecAggRevealRequest): Promise<void> {
    for (const s of msg.signatures) this.learnKey(s.id, s.identityKey);
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
