/**
 * The federation and operator protocols: one typed contract for both sides (socket.io typed
 * events), plus zod schemas to check every message on arrival. Binary weights travel as
 * Uint8Array produced by `encodeWeights` (weights-codec.ts), never as JSON arrays.
 */
import { z } from 'zod';
import { cleanText } from './clean-text.ts';
import type { JobSpec } from './job-spec.ts';
import type { ModelSpec } from '../model/spec.ts';
import type { UnifyMethod } from '../unify/types.ts';
import type { RoundPicks } from '../unify/pick-stats.ts';
import type {
  SecAggConsistency,
  SecAggInbox,
  SecAggKeys,
  SecAggMasked,
  SecAggNeighbours,
  SecAggRevealRequest,
  SecAggRound,
  SecAggShares,
  SecAggSurvivors,
  SecAggUnmask,
} from './secagg-protocol.ts';

/**
 * Bumped on any incompatible change; the hub refuses other versions at the handshake.
 * 3: secure-aggregation keys are signed with the enrollment key the hub announces per round.
 */
export const PROTOCOL_VERSION = 3;

export const FEDERATION_NAMESPACE = '/federation';
export const OPERATOR_NAMESPACE = '/operator';

/** Every acknowledged request answers with this. */
export type Ack<T = object> = ({ ok: true } & T) | { ok: false; error: string; code: ErrorCode };

export type ErrorCode =
  | 'bad-request'
  | 'unauthorized'
  | 'version-mismatch'
  | 'schema-mismatch'
  | 'wrong-round'
  | 'bad-weights'
  | 'too-large'
  | 'rate-limited'
  | 'not-found'
  | 'conflict'
  | 'internal'
  /** Handshake only: sign the enclosed challenge and connect again (the transport does it). */
  | 'auth-challenge';

/** Standard base64 of exactly 32 bytes (an Ed25519 public key). */
export const base64Key32 = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'expected 32 bytes in base64');
/** Standard base64 of exactly 64 bytes (an Ed25519 signature). */
export const base64Sig64 = z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'expected 64 bytes in base64');

/** A hub challenge: the participant signs (hub certificate fingerprint, invite id, nonce, issuedAt). */
export const authChallengeSchema = z.object({
  nonce: z.string().regex(/^[0-9a-f]{64}$/),
  issuedAt: z.number().int().nonnegative(),
  inviteId: z.string().min(1).max(64),
});
export type AuthChallenge = z.infer<typeof authChallengeSchema>;

/**
 * Handshake `auth` of a participant socket. The first attempt carries the token and the public key;
 * the hub answers with an `auth-challenge` connect error; the next attempt adds the signed proof.
 */
export const participantAuthSchema = z.object({
  token: z.string().min(16).max(512),
  protocolVersion: z.number().int(),
  /** The participant's Ed25519 public key (raw 32 bytes, base64): the identity the invite binds. */
  publicKey: base64Key32,
  /** Ignored by the hub since protocol 2 (a participant is its invite and key); kept for old clients' logs. */
  instanceId: z.string().min(1).max(128).optional(),
  proof: z
    .object({
      nonce: z.string().regex(/^[0-9a-f]{64}$/),
      issuedAt: z.number().int().nonnegative(),
      signature: base64Sig64,
    })
    .optional(),
});
export type ParticipantAuth = z.infer<typeof participantAuthSchema>;

/** What a participant says about its local data: shapes and counts, never the data. */
export const datasetSummarySchema = z.object({
  inputShape: z.tuple([
    z.number().int().positive(),
    z.number().int().positive(),
    z.number().int().positive(),
  ]),
  numClasses: z.number().int().positive(),
  classCounts: z.array(z.number().int().nonnegative()).max(1000),
  trainSamples: z.number().int().nonnegative(),
  testSamples: z.number().int().nonnegative(),
});
export type DatasetSummary = z.infer<typeof datasetSummarySchema>;

/** Participant-supplied text: bounded, then cleaned of escapes, controls and bidi overrides. */
const cleanString = (max: number) => z.string().max(max).transform(cleanText);

export const backendInfoSchema = z.object({
  backend: cleanString(64),
  device: cleanString(256),
  /** Why better backends were not used ("tfjs-node-gpu not installed", ...). */
  notes: z.array(cleanString(500)).max(10),
});
export type BackendInfo = z.infer<typeof backendInfoSchema>;

export const readySchema = z.object({ dataset: datasetSummarySchema, backend: backendInfoSchema });
export type ReadyMessage = z.infer<typeof readySchema>;

export const localMetricsSchema = z.object({
  loss: z.number().finite(),
  accuracy: z.number().min(0).max(1),
  testLoss: z.number().finite().nullable(),
  testAccuracy: z.number().min(0).max(1).nullable(),
  samplesPerSec: z.number().nonnegative().finite(),
  durationMs: z.number().nonnegative().finite(),
});
export type LocalMetrics = z.infer<typeof localMetricsSchema>;

export const roundUpdateSchema = z.object({
  jobId: z.string().min(1).max(64),
  round: z.number().int().positive(),
  samples: z.number().int().positive(),
  metrics: localMetricsSchema,
  weights: z.instanceof(Uint8Array),
  /** Ed25519 signature (base64) over (jobId, round, SHA-256 of weights, samples): core/crypto/identity.ts. */
  signature: base64Sig64,
});
export type RoundUpdate = z.infer<typeof roundUpdateSchema>;

export const roundEvalSchema = z.object({
  jobId: z.string().min(1).max(64),
  round: z.number().int().positive(),
  accuracy: z.number().min(0).max(1),
  loss: z.number().finite(),
  samples: z.number().int().nonnegative(),
});
export type RoundEval = z.infer<typeof roundEvalSchema>;

export const participantStatusSchema = z.object({
  state: z.enum([
    'idle',
    'loading-data',
    'ready',
    'training',
    'evaluating',
    'awaiting-approval',
    'uploading',
    'waiting',
  ]),
  round: z.number().int().nonnegative().optional(),
  samplesDone: z.number().nonnegative().optional(),
  samplesTotal: z.number().nonnegative().optional(),
  samplesPerSec: z.number().nonnegative().optional(),
  /** Sent when training moved to another backend mid-job (a GPU engine page lost or back). */
  backend: backendInfoSchema.optional(),
});
export type ParticipantStatus = z.infer<typeof participantStatusSchema>;

/** The job as a participant sees it. */
export interface JobAssignment {
  jobId: string;
  name: string;
  model: ModelSpec;
  method: UnifyMethod;
  rounds: number;
  localEpochs: number;
  localSteps: number | null;
  batchSize: number;
  learningRate: number;
  optimizer: 'adam' | 'sgd';
  targetAccuracy: number | null;
  /** The round the job is at (0 before the first round starts). */
  currentRound: number;
  /** Privacy of the job's rounds, so the participant can show what protects what it sends. */
  privacy?: JobPrivacy;
  /** FedProx: μ of the proximal term μ/2‖w − w_global‖² added to the local loss (absent: 0). */
  proximalMu?: number;
  /** The learning rate follows this schedule over the job's rounds (absent: constant). */
  learningRateSchedule?: 'cosine';
}

/** What a participant is told about a job's privacy (noise multiplier resolved from a target ε). */
export interface JobPrivacy {
  secureAggregation: boolean;
  dp: {
    mode: 'central' | 'local';
    clip: number;
    noiseMultiplier: number;
    delta: number;
    /** The job's privacy budget, when it sets one. */
    targetEpsilon?: number;
  } | null;
}

export interface RoundStart {
  jobId: string;
  round: number;
  /** Unix ms after which the hub may close the round without this participant. */
  deadline: number;
  weights: Uint8Array;
  /** Secure aggregation: the round's SecAgg+ parameters (send secagg:keys, not round:update). */
  secagg?: SecAggRound;
  /** Local DP: clip the delta to this L2 norm and add N(0, noiseStd²) before it leaves. */
  localDp?: { clip: number; noiseStd: number };
}

export interface RoundUnified {
  jobId: string;
  round: number;
  method: UnifyMethod;
  weights: Uint8Array;
  /** The unified model's accuracy on the hub's test set, when the job gives one. */
  hubAccuracy: number | null;
  /** The hub's audit chain head after this round (participants keep it: `fedunify audit verify --head`). */
  auditHead?: AuditHead;
}

/** The newest entry of the hub's hash-chained audit log. */
export interface AuditHead {
  id: number;
  hash: string;
}

/** Before round 1: how many participants are ready and how many the job needs. */
export interface JobRoster {
  jobId: string;
  ready: number;
  needed: number;
}

export interface JobEnd {
  jobId: string;
  /** privacy-budget: the next round would have spent more than the job's target ε. */
  reason: 'target-reached' | 'round-limit' | 'privacy-budget' | 'aborted';
  finalRound: number;
}

/** Hub → participant. */
export interface FederationServerEvents {
  'job:assign': (job: JobAssignment) => void;
  'round:start': (msg: RoundStart) => void;
  'round:unified': (msg: RoundUnified) => void;
  'job:end': (msg: JobEnd) => void;
  'job:roster': (msg: JobRoster) => void;
  'hub:error': (msg: { code: ErrorCode; message: string }) => void;
  /** Secure aggregation: the neighbours' signed keys (key phase closed). */
  'secagg:neighbours': (msg: SecAggNeighbours) => void;
  /** Secure aggregation: the sealed shares addressed to this participant (share phase closed). */
  'secagg:inbox': (msg: SecAggInbox) => void;
  /** Secure aggregation: who sent masked inputs; sign this list (input phase closed). */
  'secagg:survivors': (msg: SecAggSurvivors) => void;
  /** Secure aggregation: reveal b-shares of survivors and s-shares of the dropped. */
  'secagg:reveal': (msg: SecAggRevealRequest) => void;
}

/** Participant → hub. Every request is acknowledged. */
export interface FederationClientEvents {
  'participant:ready': (msg: ReadyMessage, ack: (res: Ack) => void) => void;
  'round:update': (msg: RoundUpdate, ack: (res: Ack<{ bytes: number; sha256: string }>) => void) => void;
  'round:eval': (msg: RoundEval, ack: (res: Ack) => void) => void;
  'secagg:keys': (msg: SecAggKeys, ack: (res: Ack) => void) => void;
  'secagg:shares': (msg: SecAggShares, ack: (res: Ack) => void) => void;
  'secagg:masked': (msg: SecAggMasked, ack: (res: Ack<{ bytes: number; sha256: string }>) => void) => void;
  'secagg:consistency': (msg: SecAggConsistency, ack: (res: Ack) => void) => void;
  'secagg:unmask': (msg: SecAggUnmask, ack: (res: Ack) => void) => void;
  'participant:status': (msg: ParticipantStatus) => void;
}

// ---- Operator side: REST for commands and reads, /operator socket for live pushes. ----

export type JobStatus = 'waiting' | 'running' | 'completed' | 'aborted' | 'failed';

export interface JobRecord {
  id: string;
  spec: JobSpec;
  status: JobStatus;
  currentRound: number;
  createdAt: string;
  updatedAt: string;
  /** Why the job ended, or what it waits for ("waiting for 2 participants, 1 connected"). */
  statusDetail: string;
}

export interface ParticipantRecord {
  id: string;
  jobId: string;
  inviteId: string;
  name: string;
  connected: boolean;
  state: ParticipantStatus['state'] | 'offline';
  round: number;
  samplesPerSec: number | null;
  dataset: DatasetSummary | null;
  backend: BackendInfo | null;
  lastSeen: string;
  /** SHA-256 of the participant's Ed25519 public key (hex); null for records from before identities. */
  keyFingerprint?: string | null;
}

export interface RoundRecord {
  jobId: string;
  round: number;
  method: UnifyMethod;
  startedAt: string;
  completedAt: string | null;
  /** Per participant: sample count and local metrics of its update, then its eval of the unified model. */
  participants: {
    participantId: string;
    name: string;
    samples: number;
    localAccuracy: number | null;
    localTestAccuracy: number | null;
    unifiedLocalAccuracy: number | null;
    bytes: number;
    sha256: string;
    /** L2 distance of the update from the global model it started from. */
    distanceFromGlobal?: number;
    /** L2 distance from the round's coordinate-wise median update. */
    distanceFromMedian?: number;
    /** Robust z-score of distanceFromMedian (core/unify/update-stats.ts); flagged above 3.5. */
    outlierScore?: number;
    outlier?: boolean;
  }[];
  /** Hub-test accuracy of each method on this round's updates (the job's method drives the next round). */
  methods: { method: UnifyMethod; hubAccuracy: number | null; hubLoss: number | null }[];
  hubAccuracy: number | null;
  unifyMs: number | null;
  /** Hub-test evaluation of the round's methods (ms); null until it ran, absent when not evaluated. */
  evalMs?: number | null;
  /**
   * Per layer, which participant's value max and absmax picked and how far each landed from avg
   * (core/unify/pick-stats.ts); present when the job uses or compares max/absmax and the round had
   * at most 16 participants.
   */
  picks?: RoundPicks;
}

export interface InviteRecord {
  id: string;
  /** The organization invited. */
  name: string;
  /** The job it joins; null: the hub's oldest waiting or running job. */
  jobId: string | null;
  createdAt: string;
  revoked: boolean;
  /** SHA-256 of the Ed25519 key the invite is bound to (hex); null until a participant enrolls. */
  keyFingerprint?: string | null;
  /** Present only in the answer that creates it: the token is stored hashed. */
  invite?: string;
}

export interface LogEntry {
  ts: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  source: string;
  /** One line: what happened and why (never a stack trace). */
  message: string;
  jobId?: string;
  /** What an expert needs (a stack, the raw error), shown folded under the one-line message. */
  details?: string;
}

/** Hub → operator console. */
export interface OperatorServerEvents {
  'job:changed': (job: JobRecord) => void;
  'job:deleted': (msg: { jobId: string }) => void;
  'participant:changed': (p: ParticipantRecord) => void;
  'round:changed': (r: RoundRecord) => void;
  'log:entry': (e: LogEntry) => void;
}

/** Operator console → hub (none: commands go through the REST API). */
export type OperatorClientEvents = Record<string, never>;
