/**
 * The hub side of one SecAgg+ round (Bonawitz et al., CCS 2017, Fig. 4; Bell et al., CCS 2020).
 * The hub relays signed keys and sealed shares it cannot open, keeps only the running ring sum of
 * the masked inputs (never an individual input), and after the survivors reveal b-shares of
 * survivors and s-shares of the dropped, removes the masks from the sum. Each phase closes with
 * the set of participants that answered; fewer than t ends the round with a SecAggFailure.
 */
import { createHash } from 'node:crypto';
import { combine } from 'shamir-secret-sharing';
import { KEY_BYTES, NONCE_BYTES, expandMask, x25519, x25519PublicKey } from './secagg-crypto.ts';
import { neighbourGraph, shareThreshold } from './secagg-graph.ts';
import { SHARE_BYTES, commitment, pairSeed } from './secagg-participant.ts';
import {
  SecAggFailure,
  advertSigningBytes,
  checkRoundConfig,
  survivorsSigningBytes,
  type EncryptedShare,
  type KeyAdvert,
  type MaskedInput,
  type RevealedShare,
  type SecAggRoundConfig,
  type SecAggVerifier,
  type SurvivorSignature,
  type UnmaskRequest,
  type UnmaskResponse,
} from './secagg-types.ts';

/** Exact size of a sealed share: nonce ‖ two Shamir shares ‖ GCM tag. */
export const SEALED_SHARE_BYTES = NONCE_BYTES + 2 * SHARE_BYTES + 16;

/** What the hub ends a round with: the unmasked sum and who is in it. */
export interface SecAggResult {
  sum: Uint32Array;
  survivors: string[];
  dropped: string[];
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The hub's state for one round; messages from unknown or repeated senders are rejected. */
export class SecAggServer {
  private readonly graph: Map<string, string[]>;
  private readonly shareT: number;
  private readonly adverts = new Map<string, KeyAdvert>();
  private u1: Set<string> | undefined;
  private readonly inbox = new Map<string, EncryptedShare[]>();
  private readonly sharers = new Set<string>();
  private u2: Set<string> | undefined;
  private readonly sum: Uint32Array;
  private readonly maskedFrom = new Set<string>();
  private u3: string[] | undefined;
  private readonly signatures = new Map<string, Uint8Array>();
  private readonly responses = new Map<string, UnmaskResponse>();

  constructor(
    readonly config: SecAggRoundConfig,
    private readonly verify: SecAggVerifier,
  ) {
    checkRoundConfig(config);
    this.graph = neighbourGraph(config.participants, config.degree, config.graphSeed);
    this.shareT = shareThreshold(config.participants.length, config.degree, config.threshold);
    this.sum = new Uint32Array(config.vectorLength);
  }

  private atLeastT(set: { size: number }, phase: string): void {
    if (set.size < this.config.threshold)
      throw new SecAggFailure(
        `secure aggregation needs ${this.config.threshold} participants; only ${set.size} ${phase}`,
      );
  }

  /** Phase 0 intake: a signed key advert from a round participant. */
  receiveAdvert(a: KeyAdvert): void {
    if (this.u1) throw new Error(`keys from ${a.id} arrived after the key phase closed`);
    if (!this.graph.has(a.id)) throw new Error(`${a.id} is not a participant of this round`);
    if (this.adverts.has(a.id)) throw new Error(`${a.id} already sent its keys`);
    if (a.cPublicKey.length !== KEY_BYTES || a.sPublicKey.length !== KEY_BYTES || a.bCommitment.length !== 32)
      throw new Error(`keys from ${a.id} have the wrong sizes`);
    const { signature, ...unsigned } = a;
    if (
      !this.verify(
        a.id,
        advertSigningBytes(this.config.roundId, unsigned, this.config.rosterDigest),
        signature,
      )
    )
      throw new Error(`keys from ${a.id} are not signed by its identity key`);
    this.adverts.set(a.id, a);
  }

  /** Closes phase 0: U1 = those who sent keys. */
  closeAdverts(): string[] {
    this.u1 = new Set(this.adverts.keys());
    this.atLeastT(this.u1, 'sent their keys');
    return [...this.u1].sort();
  }

  /** The signed keys `id` needs: its neighbours in U1. */
  advertsFor(id: string): KeyAdvert[] {
    if (!this.u1) throw new Error('the key phase is still open');
    return (this.graph.get(id) ?? []).filter((v) => this.u1!.has(v)).map((v) => this.adverts.get(v)!);
  }

  /** Phase 1 intake: the sealed shares `from` addressed to its neighbours in U1. */
  receiveShares(from: string, shares: readonly EncryptedShare[]): void {
    if (!this.u1 || this.u2) throw new Error(`shares from ${from} arrived outside the share phase`);
    if (!this.u1.has(from)) throw new Error(`${from} did not send keys this round`);
    if (this.sharers.has(from)) throw new Error(`${from} already sent its shares`);
    const near = new Set((this.graph.get(from) ?? []).filter((v) => this.u1!.has(v)));
    const seen = new Set<string>();
    for (const s of shares) {
      if (s.from !== from || !near.has(s.to) || seen.has(s.to))
        throw new Error(`${from} sent a share to ${s.to}, which is not one of its neighbours (or twice)`);
      if (s.sealed.length !== SEALED_SHARE_BYTES) throw new Error(`a share from ${from} has the wrong size`);
      seen.add(s.to);
    }
    if (seen.size !== near.size)
      throw new Error(`${from} sent ${seen.size} shares; it has ${near.size} neighbours`);
    for (const s of shares) this.inbox.set(s.to, [...(this.inbox.get(s.to) ?? []), s]);
    this.sharers.add(from);
  }

  /** Closes phase 1: U2 = those who sent shares. */
  closeShares(): string[] {
    this.u2 = new Set(this.sharers);
    this.atLeastT(this.u2, 'shared their keys');
    return [...this.u2].sort();
  }

  /** The sealed shares addressed to `id` by members of U2. */
  sharesFor(id: string): EncryptedShare[] {
    if (!this.u2) throw new Error('the share phase is still open');
    return (this.inbox.get(id) ?? []).filter((s) => this.u2!.has(s.from));
  }

  /** Phase 2 intake: adds a masked input to the running sum; returns its SHA-256 (hex) for the audit. */
  receiveMasked(input: MaskedInput): string {
    if (!this.u2 || this.u3)
      throw new Error(`a masked input from ${input.id} arrived outside the input phase`);
    if (!this.u2.has(input.id)) throw new Error(`${input.id} did not share its keys this round`);
    if (this.maskedFrom.has(input.id)) throw new Error(`${input.id} already sent its masked input`);
    if (input.masked.length !== this.config.vectorLength)
      throw new Error(
        `the masked input of ${input.id} has ${input.masked.length} elements, expected ${this.config.vectorLength}`,
      );
    for (let i = 0; i < this.sum.length; i++) this.sum[i] = this.sum[i]! + input.masked[i]!;
    this.maskedFrom.add(input.id);
    const bytes = new Uint8Array(input.masked.buffer, input.masked.byteOffset, input.masked.byteLength);
    return createHash('sha256').update(bytes).digest('hex');
  }

  /** Closes phase 2: U3 = those who sent masked inputs; they are asked to sign this list. */
  closeMasked(): string[] {
    this.atLeastT(this.maskedFrom, 'sent masked inputs');
    this.u3 = [...this.maskedFrom].sort();
    return this.u3;
  }

  /** Phase 3 intake: a survivor's signature over U3. */
  receiveSurvivorSignature(s: SurvivorSignature): void {
    if (!this.u3 || !this.u3.includes(s.id)) throw new Error(`${s.id} is not a survivor of this round`);
    if (!this.verify(s.id, survivorsSigningBytes(this.config.roundId, this.u3), s.signature))
      throw new Error(`the survivor-list signature of ${s.id} does not verify`);
    this.signatures.set(s.id, s.signature);
  }

  /** What every survivor is asked: U3, U2∖U3, and the signatures over U3. */
  unmaskRequest(): UnmaskRequest {
    if (!this.u3 || !this.u2) throw new Error('the input phase is still open');
    this.atLeastT(this.signatures, 'signed the survivor list');
    const survivors = new Set(this.u3);
    return {
      survivors: this.u3,
      dropped: [...this.u2].filter((u) => !survivors.has(u)).sort(),
      signatures: [...this.signatures].map(([id, signature]) => ({ id, signature })),
    };
  }

  /** Phase 4 intake: one survivor's revealed shares. */
  receiveUnmask(r: UnmaskResponse): void {
    if (!this.u3 || !this.u3.includes(r.id)) throw new Error(`${r.id} is not a survivor of this round`);
    if (this.responses.has(r.id)) throw new Error(`${r.id} already answered the unmask request`);
    for (const s of [...r.bShares, ...r.sShares])
      if (s.share.length !== SHARE_BYTES) throw new Error(`a share revealed by ${r.id} has the wrong size`);
    this.responses.set(r.id, r);
  }

  private async rebuild(owner: string, kind: 'b' | 's'): Promise<Uint8Array> {
    const shares: Uint8Array[] = [];
    for (const r of this.responses.values()) {
      const list: RevealedShare[] = kind === 'b' ? r.bShares : r.sShares;
      const found = list.find((s) => s.of === owner);
      // A plain Uint8Array copy: the Shamir library refuses subclasses such as Node's Buffer.
      if (found) shares.push(new Uint8Array(found.share));
    }
    if (shares.length < this.shareT)
      throw new SecAggFailure(
        `only ${shares.length} ${kind}-shares of ${owner} were revealed; ${this.shareT} are needed`,
      );
    try {
      return await combine(shares);
    } catch (err) {
      throw new SecAggFailure(`the ${kind}-shares of ${owner} do not combine: ${(err as Error).message}`);
    }
  }

  /** Removes every mask from the running sum; throws SecAggFailure when shares are missing or wrong. */
  async finish(): Promise<SecAggResult> {
    const { survivors, dropped } = this.unmaskRequest();
    this.atLeastT(this.responses, 'answered the unmask request');
    const n = this.config.vectorLength;
    const sum = Uint32Array.from(this.sum);
    for (const u of survivors) {
      const b = await this.rebuild(u, 'b');
      if (!equalBytes(commitment(b), this.adverts.get(u)!.bCommitment))
        throw new SecAggFailure(`the rebuilt self-mask of ${u} does not match its commitment`);
      const m = expandMask(b, n);
      for (let i = 0; i < n; i++) sum[i] = sum[i]! - m[i]!;
    }
    const alive = new Set(survivors);
    for (const d of dropped) {
      const sKey = await this.rebuild(d, 's');
      if (!equalBytes(x25519PublicKey(sKey), this.adverts.get(d)!.sPublicKey))
        throw new SecAggFailure(`the rebuilt mask key of ${d} does not match its advertised key`);
      for (const u of this.graph.get(d)!.filter((v) => alive.has(v))) {
        const m = expandMask(
          pairSeed(this.config.roundId, u, d, x25519(sKey, this.adverts.get(u)!.sPublicKey)),
          n,
        );
        // y_u added PRG(s_ud) when u < d and subtracted it otherwise: undo that.
        if (u < d) for (let i = 0; i < n; i++) sum[i] = sum[i]! - m[i]!;
        else for (let i = 0; i < n; i++) sum[i] = sum[i]! + m[i]!;
      }
    }
    return { sum, survivors, dropped };
  }
}
