/**
 * Plain-data messages and parameters of one SecAgg+ round (Bonawitz et al., CCS 2017, Fig. 4;
 * Bell et al., CCS 2020). Every field is raw bytes or a string so the wire layer can carry them
 * as binary frames and a WebCrypto port can reuse them unchanged.
 */
import { createHash } from 'node:crypto';
import { encodeFields } from './secagg-crypto.ts';

/** Public parameters every party of the round agrees on before it starts. */
export interface SecAggRoundConfig {
  /** Unique per round (e.g. `${jobId}/${round}`): bound into every key derivation and signature. */
  roundId: string;
  /** U0: the participants invited to the round. */
  participants: string[];
  /** Neighbours per participant (K−1 = all pairs). */
  degree: number;
  /** t: the fewest participants that must remain for the round to complete. */
  threshold: number;
  /** Public round randomness the neighbour graph is drawn from. */
  graphSeed: Uint8Array;
  /** Ring elements per masked vector. */
  vectorLength: number;
  /**
   * SHA-256 of the identity keys announced for the round (identityRosterDigest), bound into every
   * key advert's signature: two participants shown different identity keys refuse each other's
   * adverts. Absent only in in-process runs where no hub relays anything.
   */
  rosterDigest?: Uint8Array;
}

/** The identity key announced for one participant of a round. */
export interface AnnouncedIdentity {
  id: string;
  /** Raw Ed25519 public key (32 bytes) the hub bound to this participant's invite at enrollment. */
  publicKey: Uint8Array;
}

/** Phase 0: a participant's two X25519 public keys, signed with its identity key. */
export interface KeyAdvert {
  id: string;
  /** For encrypting shares to it. */
  cPublicKey: Uint8Array;
  /** For agreeing pairwise mask seeds. */
  sPublicKey: Uint8Array;
  /** SHA-256 of its self-mask seed b_u, so a rebuilt b_u can be checked. */
  bCommitment: Uint8Array;
  signature: Uint8Array;
}

/** Phase 1: Shamir shares of b_u and s_u's private key, AES-GCM sealed from `from` to `to`. */
export interface EncryptedShare {
  from: string;
  to: string;
  sealed: Uint8Array;
}

/** Phase 2: x_u plus the self mask and the pairwise masks, mod 2^32. */
export interface MaskedInput {
  id: string;
  masked: Uint32Array;
}

/** Phase 3: a survivor's signature over the survivor list (Bonawitz et al.'s consistency check). */
export interface SurvivorSignature {
  id: string;
  signature: Uint8Array;
}

/** Phase 4: what the hub asks each survivor to reveal. */
export interface UnmaskRequest {
  survivors: string[];
  dropped: string[];
  /** At least t signatures by survivors over the same survivor list. */
  signatures: SurvivorSignature[];
}

/** A Shamir share of one participant's secret. */
export interface RevealedShare {
  of: string;
  share: Uint8Array;
}

/** Phase 4 answer: b-shares of survivors, s-shares of dropped participants — never both for one. */
export interface UnmaskResponse {
  id: string;
  bShares: RevealedShare[];
  sShares: RevealedShare[];
}

/** Signs with the participant's identity key (Ed25519 in FedUnify). */
export interface SecAggSigner {
  sign(bytes: Uint8Array): Uint8Array;
}

/** True when `signature` over `bytes` is by participant `id`'s identity key. */
export type SecAggVerifier = (id: string, bytes: Uint8Array, signature: Uint8Array) => boolean;

/** The round cannot complete (too few participants or shares): nothing about any input is revealed. */
export class SecAggFailure extends Error {
  override name = 'SecAggFailure';
}

/** A participant refused a request that would break the protocol's guarantees. */
export class SecAggRefusal extends Error {
  override name = 'SecAggRefusal';

  constructor(
    message: string,
    /** The participant whose relayed data was refused, when there is one. */
    readonly peer?: string,
  ) {
    super(message);
  }
}

/** The bytes a key advert's signature covers (with the roster digest the signer was shown). */
export function advertSigningBytes(
  roundId: string,
  a: Omit<KeyAdvert, 'signature'>,
  rosterDigest: Uint8Array = new Uint8Array(0),
): Uint8Array {
  return encodeFields('fedunify/secagg-keys/v2', [
    roundId,
    a.id,
    a.cPublicKey,
    a.sPublicKey,
    a.bCommitment,
    rosterDigest,
  ]);
}

/** SHA-256 over the round's announced identity keys (sorted by id, length-prefixed). */
export function identityRosterDigest(roster: readonly AnnouncedIdentity[]): Uint8Array {
  const sorted = [...roster].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const bytes = encodeFields(
    'fedunify/secagg-roster/v1',
    sorted.flatMap((e) => [e.id, e.publicKey]),
  );
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/** The bytes a survivor-list signature covers (ids sorted). */
export function survivorsSigningBytes(roundId: string, survivors: readonly string[]): Uint8Array {
  return encodeFields('fedunify/secagg-survivors/v1', [roundId, ...[...survivors].sort()]);
}

/** Checks the public parameters; throws with what is wrong. */
export function checkRoundConfig(c: SecAggRoundConfig): void {
  const n = c.participants.length;
  if (new Set(c.participants).size !== n) throw new Error('participant ids must be distinct');
  if (n < 3) throw new Error(`secure aggregation needs at least 3 participants, got ${n}`);
  if (!Number.isInteger(c.threshold) || c.threshold < 2 || c.threshold > n)
    throw new Error(`threshold t must be an integer in 2..${n}, got ${c.threshold}`);
  if (!Number.isInteger(c.vectorLength) || c.vectorLength < 1)
    throw new Error(`vectorLength must be a positive integer, got ${c.vectorLength}`);
  if (c.graphSeed.length < 16) throw new Error('graphSeed must be at least 16 bytes of public randomness');
}
