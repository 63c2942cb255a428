/**
 * Runtime schemas of what the hub pushes to a participant (job:assign, round:start, round:unified,
 * job:end, job:roster, hub:error). The participant checks each push on arrival, as the hub checks
 * every participant message: a hub that is out of date, not a FedUnify hub, or hostile must not
 * crash a participant or put odd text in its terminal. Unknown fields are dropped (a newer hub may
 * add some); text that is shown is cleaned of escapes, controls and bidi overrides.
 */
import { z } from 'zod';
import { UNIFY_METHODS } from '../unify/types.ts';
import { cleanText } from './clean-text.ts';
import { modelSpecSchema } from './job-spec.ts';
import type { JobAssignment, JobEnd, JobRoster, ErrorCode, RoundStart, RoundUnified } from './protocol.ts';
import { secAggRoundSchema } from './secagg-protocol.ts';

const text = (max: number) => z.string().max(max).transform(cleanText);
const jobId = z.string().min(1).max(200);
const round = z.number().int().nonnegative().max(10_000_000);
const finite = z.number().finite();

/** Binary weights as socket.io delivers them (a Buffer in Node, an ArrayBuffer in a browser). */
const binary = z.unknown().transform((value, ctx): Uint8Array => {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  ctx.addIssue({ code: 'custom', message: 'weights must be binary data' });
  return z.NEVER;
});

const jobPrivacySchema = z.object({
  secureAggregation: z.boolean(),
  dp: z
    .object({
      mode: z.enum(['central', 'local']),
      clip: finite.positive(),
      noiseMultiplier: finite.nonnegative(),
      delta: finite.positive().lt(1),
      targetEpsilon: finite.positive().optional(),
    })
    .nullable(),
});

export const jobAssignmentSchema = z.object({
  jobId,
  name: text(200),
  model: modelSpecSchema,
  method: z.enum(UNIFY_METHODS),
  rounds: z.number().int().positive().max(10_000_000),
  localEpochs: finite.positive().max(10_000),
  localSteps: z.number().int().positive().max(100_000_000).nullable(),
  batchSize: z.number().int().positive().max(1_000_000),
  learningRate: finite.positive().max(100),
  optimizer: z.enum(['adam', 'sgd']),
  targetAccuracy: finite.min(0).max(1).nullable(),
  currentRound: round,
  privacy: jobPrivacySchema.optional(),
  proximalMu: finite.nonnegative().optional(),
  learningRateSchedule: z.literal('cosine').optional(),
}) satisfies z.ZodType<JobAssignment, unknown>;

export const roundStartSchema = z.object({
  jobId,
  round: round.min(1),
  deadline: finite,
  weights: binary,
  secagg: secAggRoundSchema.optional(),
  localDp: z.object({ clip: finite.positive(), noiseStd: finite.nonnegative() }).optional(),
}) satisfies z.ZodType<RoundStart, unknown>;

export const roundUnifiedSchema = z.object({
  jobId,
  round: round.min(1),
  method: z.enum(UNIFY_METHODS),
  weights: binary,
  hubAccuracy: finite.min(0).max(1).nullable(),
  auditHead: z
    .object({ id: z.number().int().nonnegative(), hash: z.string().regex(/^[0-9a-f]{64}$/) })
    .optional(),
}) satisfies z.ZodType<RoundUnified, unknown>;

export const jobEndSchema = z.object({
  jobId,
  reason: z.enum(['target-reached', 'round-limit', 'privacy-budget', 'aborted']),
  finalRound: round,
}) satisfies z.ZodType<JobEnd, unknown>;

export const jobRosterSchema = z.object({
  jobId,
  ready: z.number().int().nonnegative(),
  needed: z.number().int().nonnegative(),
}) satisfies z.ZodType<JobRoster, unknown>;

export const hubErrorSchema = z.object({
  // Shown, never branched on: a code this participant does not know is still shown.
  code: z
    .string()
    .max(64)
    .transform((c) => cleanText(c) as ErrorCode),
  message: text(2000),
});
