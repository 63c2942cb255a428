/**
 * Secure-aggregation messages of the federation protocol (SecAgg+, core/privacy). Participants
 * submit each phase with an acknowledged event; the hub pushes the next phase's input when the
 * phase closes. Every message is checked on arrival: ids, exact key and share sizes, list lengths.
 */
import { z } from 'zod';
import { localMetricsSchema } from './protocol.ts';

const id = z.string().min(1).max(64);
const jobRound = { jobId: z.string().min(1).max(64), round: z.number().int().positive() };
/** Binary fields (Buffer on Node is a Uint8Array too). */
const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'must be binary' });
const exactBytes = (n: number, what: string) =>
  bytes.refine((b) => b.length === n, { message: `${what} must be ${n} bytes` });
/** Neighbours a participant may have (the hub's graph degree stays far below). */
const MAX_NEIGHBOURS = 1024;
const MAX_PARTICIPANTS = 10000;
/** Sealed share: nonce 12 + two 33-byte Shamir shares + GCM tag 16. */
export const SEALED_SHARE_BYTES = 94;

/**
 * The identity key the hub bound to each participant's invite at enrollment, announced with the
 * round: every relayed key advert must verify under it. The name is for people comparing fingerprints.
 */
const identityEntry = z.object({
  id,
  name: z.string().max(200),
  publicKey: exactBytes(32, 'an identity publicKey'),
});

/** The round's public SecAgg+ parameters, sent with round:start. */
export const secAggRoundSchema = z
  .object({
    roundId: z.string().min(1).max(200),
    /** The receiving participant's id in `participants`. */
    self: id,
    participants: z.array(id).min(3).max(MAX_PARTICIPANTS),
    degree: z.number().int().min(1).max(MAX_NEIGHBOURS),
    threshold: z.number().int().min(2).max(MAX_PARTICIPANTS),
    graphSeed: exactBytes(32, 'graphSeed'),
    /** Fixed-point encoding: element clip range and weight bound (core/privacy/fixed-point.ts). */
    clipRange: z.number().positive().finite(),
    maxWeight: z.number().int().positive(),
    /** weighted-avg: the weight is the sample count; avg: 1. */
    weighted: z.boolean(),
    /** DP: L2 clip of the delta and the noise std each participant adds (0: none). */
    dpClip: z.number().positive().finite().nullable(),
    noiseStd: z.number().nonnegative().finite(),
    /** One entry per participant: the enrolled Ed25519 identity keys (core/crypto/identity.ts). */
    identityKeys: z.array(identityEntry).min(3).max(MAX_PARTICIPANTS),
  })
  .refine(
    (r) => {
      const members = new Set(r.participants);
      const named = new Set(r.identityKeys.map((e) => e.id));
      return (
        named.size === r.identityKeys.length &&
        named.size === members.size &&
        [...named].every((i) => members.has(i))
      );
    },
    { message: 'identityKeys must name every participant of the round exactly once', path: ['identityKeys'] },
  );
export type SecAggRound = z.infer<typeof secAggRoundSchema>;

const advertFields = {
  cPublicKey: exactBytes(32, 'cPublicKey'),
  sPublicKey: exactBytes(32, 'sPublicKey'),
  bCommitment: exactBytes(32, 'bCommitment'),
  /** By the participant's enrolled identity key, over the keys and the round's identity roster. */
  signature: exactBytes(64, 'signature'),
};

export const secAggKeysSchema = z.object({ ...jobRound, ...advertFields });
export type SecAggKeys = z.infer<typeof secAggKeysSchema>;

export const secAggNeighboursSchema = z.object({
  ...jobRound,
  adverts: z.array(z.object({ id, ...advertFields })).max(MAX_NEIGHBOURS),
});
export type SecAggNeighbours = z.infer<typeof secAggNeighboursSchema>;

export const secAggSharesSchema = z.object({
  ...jobRound,
  shares: z
    .array(z.object({ to: id, sealed: exactBytes(SEALED_SHARE_BYTES, 'a sealed share') }))
    .max(MAX_NEIGHBOURS),
});
export type SecAggShares = z.infer<typeof secAggSharesSchema>;

export const secAggInboxSchema = z.object({
  ...jobRound,
  shares: z
    .array(z.object({ from: id, sealed: exactBytes(SEALED_SHARE_BYTES, 'a sealed share') }))
    .max(MAX_NEIGHBOURS),
});
export type SecAggInbox = z.infer<typeof secAggInboxSchema>;

export const secAggMaskedSchema = z.object({
  ...jobRound,
  samples: z.number().int().positive(),
  metrics: localMetricsSchema,
  /** The masked ring vector, little-endian uint32 words. */
  masked: bytes.refine((b) => b.length > 0 && b.length % 4 === 0, {
    message: 'masked must be whole uint32 words',
  }),
});
export type SecAggMasked = z.infer<typeof secAggMaskedSchema>;

export const secAggSurvivorsSchema = z.object({ ...jobRound, survivors: z.array(id).max(MAX_PARTICIPANTS) });
export type SecAggSurvivors = z.infer<typeof secAggSurvivorsSchema>;

export const secAggConsistencySchema = z.object({ ...jobRound, signature: exactBytes(64, 'signature') });
export type SecAggConsistency = z.infer<typeof secAggConsistencySchema>;

export const secAggRevealRequestSchema = z.object({
  ...jobRound,
  survivors: z.array(id).max(MAX_PARTICIPANTS),
  dropped: z.array(id).max(MAX_PARTICIPANTS),
  signatures: z.array(z.object({ id, signature: exactBytes(64, 'signature') })).max(MAX_PARTICIPANTS),
});
export type SecAggRevealRequest = z.infer<typeof secAggRevealRequestSchema>;

const revealed = z
  .array(z.object({ of: id, share: exactBytes(33, 'a Shamir share') }))
  .max(MAX_NEIGHBOURS + 1);
export const secAggUnmaskSchema = z.object({ ...jobRound, bShares: revealed, sShares: revealed });
export type SecAggUnmask = z.infer<typeof secAggUnmaskSchema>;
