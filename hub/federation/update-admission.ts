/**
 * What the hub checks of a `round:update` before the round sees it: the participant's signature
 * over (job, round, SHA-256 of the weights, samples) with the key its invite is bound to, and the
 * sample claim against what it declared at `participant:ready` (declared training samples times
 * the job's epochs, or steps times batch size). The job's `maxSamplesPerUpdate` then clips the
 * count weighted methods use.
 */
import { sha256Hex, verifyUpdate } from '../../core/crypto/identity.ts';
import type { JobRecord, RoundUpdate } from '../../core/wire/protocol.ts';
import type { Store } from '../db/store.ts';

/** An update as the round takes it: `samples` clipped, the signed claim and key kept for the audit. */
export type AdmittedUpdate = RoundUpdate & { claimedSamples: number; publicKey: string };

/** The audit fields of an admitted update (an organization can later prove what it sent). */
export function signedAuditFields(msg: RoundUpdate): Record<string, unknown> {
  const a = msg as Partial<AdmittedUpdate>;
  return {
    signature: msg.signature,
    ...(a.publicKey ? { publicKey: a.publicKey } : {}),
    ...(a.claimedSamples !== undefined && a.claimedSamples !== msg.samples
      ? { claimedSamples: a.claimedSamples }
      : {}),
  };
}

/** Who sent the update and under which job. */
export interface AdmissionContext {
  store: Store;
  job: JobRecord;
  participantId: string;
  publicKey: Uint8Array;
}

/** Admitted (with the sample count the round should use) or refused with the participant's answer. */
export type Admission =
  | { ok: true; samples: number; sha256: string }
  | { ok: false; code: 'unauthorized' | 'bad-request'; error: string };

/** The most samples a participant can have trained on in one round, by its own declaration. */
export function declaredWork(trainSamples: number, spec: JobRecord['spec']): number {
  if (spec.localSteps) return spec.localSteps * spec.batchSize;
  return Math.ceil(spec.localEpochs * trainSamples);
}

/** Checks signature and sample claim of an update. */
export function admitUpdate(ctx: AdmissionContext, msg: RoundUpdate): Admission {
  const sha256 = sha256Hex(msg.weights);
  const claim = { jobId: msg.jobId, round: msg.round, weightsSha256: sha256, samples: msg.samples };
  if (!verifyUpdate(ctx.publicKey, claim, Buffer.from(msg.signature, 'base64'))) {
    return {
      ok: false,
      code: 'unauthorized',
      error: `Update for round ${msg.round} refused: its signature does not verify with your enrolled key over (job, round, SHA-256 of the weights, samples).`,
    };
  }
  const declared = ctx.store.getParticipant(ctx.participantId)?.dataset?.trainSamples;
  if (declared === undefined) {
    return {
      ok: false,
      code: 'bad-request',
      error: 'Update refused: declare your data with participant:ready before sending updates.',
    };
  }
  const work = declaredWork(declared, ctx.job.spec);
  if (msg.samples > work) {
    return {
      ok: false,
      code: 'bad-request',
      error: `Update for round ${msg.round} refused: it claims ${msg.samples} samples, but you declared ${declared} training samples, so at most ${work} this round.`,
    };
  }
  const cap = ctx.job.spec.maxSamplesPerUpdate;
  return { ok: true, samples: cap !== undefined ? Math.min(msg.samples, cap) : msg.samples, sha256 };
}
