/**
 * The participant side of one SecAgg+ round (Bonawitz et al., CCS 2017, Fig. 4, with the sparse
 * neighbourhoods of Bell et al., CCS 2020). The participant's input x_u leaves only as
 *   y_u = x_u + PRG(b_u) + Σ_{v ∈ N(u) ∩ U2, u<v} PRG(s_uv) − Σ_{v ∈ N(u) ∩ U2, u>v} PRG(s_uv)  (mod 2^32)
 * and the participant enforces the consistency rule: for any one participant it reveals either the
 * share of b (it survived) or the share of s (it dropped), never both, across all requests.
 */
import { createHash } from 'node:crypto';
import { split } from 'shamir-secret-sharing';
import {
  deriveKey,
  encodeFields,
  expandMask,
  generateX25519,
  open,
  randomSeed,
  seal,
  x25519,
  type RawKeyPair,
} from './secagg-crypto.ts';
import { neighbourGraph, shareThreshold } from './secagg-graph.ts';
import {
  SecAggRefusal,
  advertSigningBytes,
  checkRoundConfig,
  survivorsSigningBytes,
  type EncryptedShare,
  type KeyAdvert,
  type MaskedInput,
  type SecAggRoundConfig,
  type SecAggSigner,
  type SecAggVerifier,
  type UnmaskRequest,
  type UnmaskResponse,
} from './secagg-types.ts';

/** Shamir share of a 32-byte secret: 32 bytes + the x coordinate. */
export const SHARE_BYTES = 33;

/** The seed both ends of a pair derive from their s keys. */
export function pairSeed(roundId: string, a: string, b: string, secret: Uint8Array): Uint8Array {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return deriveKey(secret, encodeFields('fedunify/secagg-pair/v1', [roundId, lo, hi]));
}

/** The AES-GCM key a pair derives from their c keys. */
export function shareKey(roundId: string, a: string, b: string, secret: Uint8Array): Uint8Array {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return deriveKey(secret, encodeFields('fedunify/secagg-enc/v1', [roundId, lo, hi]));
}

/** The AAD of a share sealed from `from` to `to`. */
export function shareAad(roundId: string, from: string, to: string): Uint8Array {
  return encodeFields('fedunify/secagg-share/v1', [roundId, from, to]);
}

/** SHA-256 of a self-mask seed. */
export function commitment(seed: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(seed).digest());
}

type Phase = 'created' | 'advertised' | 'shared' | 'masked' | 'signed' | 'unmasked';

/** One participant's state for one round; methods must be called in protocol order. */
export class SecAggParticipant {
  private phase: Phase = 'created';
  private readonly c: RawKeyPair = generateX25519();
  private readonly s: RawKeyPair = generateX25519();
  private readonly b: Uint8Array = randomSeed();
  private readonly neighbours: string[];
  private readonly shareT: number;
  private peers = new Map<string, KeyAdvert>();
  /** Shares this participant holds, by owner: its own and those decrypted from neighbours (U2). */
  private held = new Map<string, { b: Uint8Array; s: Uint8Array }>();
  /** What was revealed of whom: the consistency rule's memory. */
  private revealed = new Map<string, 'b' | 's'>();
  private signedSurvivors: string | undefined;

  constructor(
    private readonly config: SecAggRoundConfig,
    readonly id: string,
    private readonly signer: SecAggSigner,
    private readonly verify: SecAggVerifier,
  ) {
    checkRoundConfig(config);
    if (!config.participants.includes(id)) throw new Error(`${id} is not a participant of this round`);
    this.neighbours = neighbourGraph(config.participants, config.degree, config.graphSeed).get(id)!;
    this.shareT = shareThreshold(config.participants.length, config.degree, config.threshold);
  }

  private step(from: Phase, to: Phase): void {
    if (this.phase !== from)
      throw new SecAggRefusal(`protocol step out of order: in ${this.phase}, expected ${from}`);
    this.phase = to;
  }

  /** Phase 0: the two public keys and the commitment to b_u, signed. */
  advertise(): KeyAdvert {
    this.step('created', 'advertised');
    const unsigned = {
      id: this.id,
      cPublicKey: this.c.publicKey,
      sPublicKey: this.s.publicKey,
      bCommitment: commitment(this.b),
    };
    return {
      ...unsigned,
      signature: this.signer.sign(
        advertSigningBytes(this.config.roundId, unsigned, this.config.rosterDigest),
      ),
    };
  }

  /** Phase 1: checks the neighbours' signed keys (U1), then seals shares of b_u and s_u to each. */
  async shareKeys(adverts: readonly KeyAdvert[]): Promise<EncryptedShare[]> {
    this.step('advertised', 'shared');
    for (const a of adverts) {
      if (a.id === this.id) continue;
      if (!this.neighbours.includes(a.id))
        throw new SecAggRefusal(`${a.id} is not a neighbour of ${this.id}`);
      if (this.peers.has(a.id)) throw new SecAggRefusal(`two key adverts for ${a.id}`);
      const { signature, ...unsigned } = a;
      if (
        !this.verify(
          a.id,
          advertSigningBytes(this.config.roundId, unsigned, this.config.rosterDigest),
          signature,
        )
      )
        throw new SecAggRefusal(
          `the keys relayed for ${a.id} are not signed by the identity key announced for ${a.id}: ` +
            `the hub (or the network) substituted them, or showed ${a.id} other identity keys than this participant; ` +
            'refusing the round without sending any share',
          a.id,
        );
      this.peers.set(a.id, a);
    }
    const holders = [this.id, ...this.peers.keys()].sort();
    if (holders.length < this.shareT)
      throw new SecAggRefusal(
        `only ${holders.length} of ${this.id}'s share holders remain; ${this.shareT} are needed`,
      );
    const bShares = await split(this.b, holders.length, this.shareT);
    const sShares = await split(this.s.privateKey, holders.length, this.shareT);
    const out: EncryptedShare[] = [];
    holders.forEach((to, i) => {
      if (to === this.id) {
        this.held.set(this.id, { b: bShares[i]!, s: sShares[i]! });
        return;
      }
      const key = shareKey(
        this.config.roundId,
        this.id,
        to,
        x25519(this.c.privateKey, this.peers.get(to)!.cPublicKey),
      );
      const plain = new Uint8Array(2 * SHARE_BYTES);
      plain.set(bShares[i]!, 0);
      plain.set(sShares[i]!, SHARE_BYTES);
      out.push({ from: this.id, to, sealed: seal(key, plain, shareAad(this.config.roundId, this.id, to)) });
    });
    return out;
  }

  /** Phase 2: opens the shares addressed to it (their senders are U2) and masks the input. */
  maskInput(shares: readonly EncryptedShare[], input: Uint32Array): MaskedInput {
    this.step('shared', 'masked');
    if (input.length !== this.config.vectorLength)
      throw new Error(`input has ${input.length} elements, the round expects ${this.config.vectorLength}`);
    for (const sh of shares) {
      const peer = this.peers.get(sh.from);
      if (sh.to !== this.id || !peer) throw new SecAggRefusal(`unexpected share from ${sh.from} to ${sh.to}`);
      if (this.held.has(sh.from)) throw new SecAggRefusal(`two shares from ${sh.from}`);
      const key = shareKey(this.config.roundId, sh.from, this.id, x25519(this.c.privateKey, peer.cPublicKey));
      let plain: Uint8Array;
      try {
        plain = open(key, sh.sealed, shareAad(this.config.roundId, sh.from, this.id));
      } catch {
        throw new SecAggRefusal(`the share from ${sh.from} does not decrypt: it was altered or misaddressed`);
      }
      if (plain.length !== 2 * SHARE_BYTES)
        throw new SecAggRefusal(`the share from ${sh.from} has the wrong size`);
      this.held.set(sh.from, { b: plain.slice(0, SHARE_BYTES), s: plain.slice(SHARE_BYTES) });
    }
    const n = this.config.vectorLength;
    const y = Uint32Array.from(input);
    const self = expandMask(this.b, n);
    for (let i = 0; i < n; i++) y[i] = y[i]! + self[i]!;
    for (const v of this.held.keys()) {
      if (v === this.id) continue;
      const seed = pairSeed(
        this.config.roundId,
        this.id,
        v,
        x25519(this.s.privateKey, this.peers.get(v)!.sPublicKey),
      );
      const m = expandMask(seed, n);
      if (this.id < v) for (let i = 0; i < n; i++) y[i] = y[i]! + m[i]!;
      else for (let i = 0; i < n; i++) y[i] = y[i]! - m[i]!;
    }
    return { id: this.id, masked: y };
  }

  /** Phase 3: signs the survivor list U3 — once per round, so the hub cannot show two lists. */
  signSurvivors(survivors: readonly string[]): Uint8Array {
    const key = [...survivors].sort().join('\n');
    if (this.phase === 'signed' && this.signedSurvivors === key)
      return this.signer.sign(survivorsSigningBytes(this.config.roundId, survivors));
    this.step('masked', 'signed');
    if (!survivors.includes(this.id))
      throw new SecAggRefusal(`${this.id} is not in the survivor list it is asked to sign`);
    if (survivors.length < this.config.threshold)
      throw new SecAggRefusal(`only ${survivors.length} survivors; the round needs ${this.config.threshold}`);
    this.signedSurvivors = key;
    return this.signer.sign(survivorsSigningBytes(this.config.roundId, survivors));
  }

  /** Phase 4: reveals b-shares of survivors and s-shares of the dropped; refuses anything inconsistent. */
  unmask(req: UnmaskRequest): UnmaskResponse {
    if (this.phase !== 'signed' && this.phase !== 'unmasked')
      throw new SecAggRefusal(`protocol step out of order: in ${this.phase}, expected signed`);
    const survivors = new Set(req.survivors);
    const dropped = new Set(req.dropped);
    for (const d of dropped)
      if (survivors.has(d))
        throw new SecAggRefusal(
          `${d} is listed as both survivor and dropped: refusing to reveal both of its secrets`,
        );
    if ([...survivors].sort().join('\n') !== this.signedSurvivors)
      throw new SecAggRefusal('the survivor list differs from the one this participant signed');
    const signers = new Set<string>();
    for (const sig of req.signatures)
      if (
        survivors.has(sig.id) &&
        this.verify(sig.id, survivorsSigningBytes(this.config.roundId, req.survivors), sig.signature)
      )
        signers.add(sig.id);
    if (signers.size < this.config.threshold)
      throw new SecAggRefusal(
        `only ${signers.size} survivors signed this survivor list; ${this.config.threshold} are needed`,
      );
    const out: UnmaskResponse = { id: this.id, bShares: [], sShares: [] };
    const wanted: [string, 'b' | 's'][] = [];
    for (const [owner] of this.held) {
      if (survivors.has(owner)) wanted.push([owner, 'b']);
      else if (dropped.has(owner)) wanted.push([owner, 's']);
    }
    for (const [owner, kind] of wanted) {
      const before = this.revealed.get(owner);
      if (before !== undefined && before !== kind)
        throw new SecAggRefusal(
          `the ${before}-share of ${owner} was already revealed; revealing its ${kind}-share too would unmask its input`,
        );
    }
    for (const [owner, kind] of wanted) {
      this.revealed.set(owner, kind);
      const h = this.held.get(owner)!;
      (kind === 'b' ? out.bShares : out.sShares).push({ of: owner, share: kind === 'b' ? h.b : h.s });
    }
    this.phase = 'unmasked';
    return out;
  }
}
