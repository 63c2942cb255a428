/**
 * What a hub tells the holder of an invite before they join: its own identity and a public summary
 * of the job the invite leads to (GET /api/federation/job, `Authorization: Bearer <invite token>`).
 * Nothing about other organizations is in it.
 */
import { z } from 'zod';
import { UNIFY_METHODS } from '../unify/types.ts';
import { modelSpecSchema } from './job-spec.ts';
import type { JobAssignment, JobStatus } from './protocol.ts';

/** The hub route that answers an invite holder. */
export const FEDERATION_JOB_PATH = '/api/federation/job';

/** The job as a would-be participant sees it before joining. */
export interface JobSummary extends JobAssignment {
  status: JobStatus;
  /** Number of trainable parameters of the model. */
  parameters: number;
  /** How many organizations the job waits for before its first round. */
  minParticipants: number;
}

export const jobSummarySchema = z.object({
  jobId: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  status: z.enum(['waiting', 'running', 'completed', 'aborted', 'failed']),
  model: modelSpecSchema,
  parameters: z.number().int().nonnegative(),
  method: z.enum(UNIFY_METHODS),
  rounds: z.number().int().positive(),
  currentRound: z.number().int().nonnegative(),
  localEpochs: z.number().positive(),
  localSteps: z.number().int().positive().nullable(),
  batchSize: z.number().int().positive(),
  learningRate: z.number().positive(),
  optimizer: z.enum(['adam', 'sgd']),
  targetAccuracy: z.number().gt(0).max(1).nullable(),
  minParticipants: z.number().int().positive(),
});

/** The body of a 200 answer of FEDERATION_JOB_PATH. */
export const federationJobAnswerSchema = z.object({
  /** The organization name the hub knows this invite by. */
  org: z.string().min(1).max(200),
  hubVersion: z.string().max(100),
  protocolVersion: z.number().int(),
  job: jobSummarySchema.nullable(),
  /** Why there is no job, or what the job waits for. */
  detail: z.string().max(1000),
});
export type FederationJobAnswer = z.infer<typeof federationJobAnswerSchema>;

// Compile-time proof that the schema produces the interface.
const _summaryMatches: (value: z.infer<typeof jobSummarySchema>) => JobSummary = (value) => value;
void _summaryMatches;
