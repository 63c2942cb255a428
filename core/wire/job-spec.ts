/**
 * The job an operator creates (JSON or YAML), validated at runtime with zod. Shared by the hub,
 * the CLI and the console's YAML editor, so an error reads the same everywhere.
 */
import { z } from 'zod';
import { UNIFY_METHODS } from '../unify/types.ts';
import { minParticipantsFor, participantsProblem } from '../unify/byzantine.ts';
import { PAPER_CNN } from '../model/spec.ts';
import { privacyProblems, privacySpecFields } from './privacy-spec.ts';
import { ADAPTIVE_SERVER_OPTIMIZERS, SERVER_OPTIMIZERS } from '../unify/server-optimizer.ts';

const positiveInt = z.number().int().positive();

export const layerSpecSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('conv2d'),
    filters: positiveInt.max(4096),
    kernelSize: positiveInt.max(15),
    strides: positiveInt.max(8).optional(),
    padding: z.enum(['same', 'valid']).optional(),
    activation: z.enum(['relu', 'linear']).optional(),
  }),
  z.object({
    type: z.literal('maxPool2d'),
    poolSize: positiveInt.max(8),
    strides: positiveInt.max(8).optional(),
    padding: z.enum(['same', 'valid']).optional(),
  }),
  z.object({ type: z.literal('flatten') }),
  z.object({
    type: z.literal('dense'),
    units: positiveInt.max(65536),
    activation: z.enum(['relu', 'softmax', 'linear']).optional(),
  }),
  z.object({ type: z.literal('dropout'), rate: z.number().min(0).lt(1) }),
]);

export const modelSpecSchema = z.object({
  name: z.string().min(1).max(100),
  inputShape: z.tuple([positiveInt.max(1024), positiveInt.max(1024), positiveInt.max(4)]),
  numClasses: z.number().int().min(2).max(1000),
  layers: z.array(layerSpecSchema).min(1).max(64),
});

/** Where the hub finds its own test set (the paper's parameter-server test images). */
export const hubEvaluationSchema = z.object({
  /** 'fashion-mnist' (located like the CLI does) or a path to a dataset the hub can read. */
  data: z.string().min(1),
  /** Reproduce a paper environment's hub test split instead of the plain test file. */
  partition: z
    .object({
      env: z.enum(['V', 'H', 'iid', 'dirichlet']),
      seed: z.number().int(),
      owners: positiveInt.max(1000).optional(),
      alpha: z.number().positive().optional(),
    })
    .optional(),
  limit: positiveInt.optional(),
  /** Score every N-th round only (and always the last); scoring runs while the next round trains. */
  every: positiveInt.max(100000).optional(),
  /** Score on a seeded random sample of this many test examples (big test sets, big models). */
  sample: positiveInt.optional(),
});

export const jobSpecSchema = z
  .object({
    name: z.string().min(1).max(200),
    /** 'paper-cnn' or a full model spec. */
    model: z.union([z.literal('paper-cnn'), modelSpecSchema]).default('paper-cnn'),
    method: z.enum(UNIFY_METHODS).default('avg'),
    trimBeta: z.number().min(0).lt(0.5).optional(),
    /** Methods also evaluated on the same updates each round (the paper's avg/max/absmax columns). */
    compareMethods: z.array(z.enum(UNIFY_METHODS)).default(['avg', 'max', 'absmax']),
    rounds: positiveInt.max(100000),
    localEpochs: z.number().positive().max(1000).default(1),
    /** When set, train this many batches per round instead of whole epochs. */
    localSteps: positiveInt.optional(),
    batchSize: positiveInt.max(4096).default(64),
    learningRate: z.number().positive().max(10).default(0.001),
    /**
     * How the local learning rate moves over the job's rounds; learningRate is the peak. 'cosine': a
     * one-round warm-up share, then half a cosine down towards 0 at the last round (default constant).
     */
    learningRateSchedule: z.enum(['constant', 'cosine']).optional(),
    optimizer: z.enum(['adam', 'sgd']).default('adam'),
    /** Stop when every participant's local accuracy of the unified model reaches this (0..1). */
    targetAccuracy: z.number().gt(0).max(1).optional(),
    minParticipants: positiveInt.max(10000).default(2),
    roundDeadlineSec: positiveInt.max(7 * 24 * 3600).default(3600),
    seed: z.number().int().default(1),
    /** Participant sampling (Flower's fraction_fit): train with this fraction of the ready participants each round. */
    fractionFit: z.number().gt(0).max(1).optional(),
    /** Participant sampling (Flower's min_fit_clients): at least this many per round. */
    minFit: positiveInt.max(100000).optional(),
    hubEvaluation: hubEvaluationSchema.optional(),
    /** f: how many participants may send arbitrarily bad updates; robust methods are sized for it. */
    maxByzantine: z.number().int().min(0).max(1000).optional(),
    /** norm-clip-avg: bound on each update's L2 distance from the global model (default: the round's median). */
    clipNorm: z.number().positive().finite().optional(),
    /** Sample counts weighted methods use are clipped to this (a participant's claim is its own word). */
    maxSamplesPerUpdate: positiveInt.optional(),
    ...privacySpecFields,
    /** Server optimizer applied to the job method's result (Reddi et al. 2021); default none. */
    serverOptimizer: z.enum(SERVER_OPTIMIZERS).optional(),
    /** η of the server optimizer (default 1 for fedavgm, 0.01 for the adaptive ones). */
    serverLearningRate: z.number().positive().max(100).optional(),
    /** fedavgm: β, the server momentum (default 0.9). */
    serverMomentum: z.number().min(0).lt(1).optional(),
    /** fedadagrad/fedadam/fedyogi: β1 (default 0.9). */
    beta1: z.number().min(0).lt(1).optional(),
    /** fedadam/fedyogi: β2 (default 0.99). */
    beta2: z.number().min(0).lt(1).optional(),
    /** fedadagrad/fedadam/fedyogi: τ, the adaptivity (default 1e-3). */
    tau: z.number().positive().max(10).optional(),
    /** FedProx (Li et al. 2020): μ of the proximal term μ/2‖w − w_global‖² in each local loss. */
    proximalMu: z.number().min(0).max(1000).optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    for (const [path, message] of privacyProblems(spec))
      ctx.addIssue({ code: 'custom', path: [path], message });
    for (const problem of serverOptimizerProblems(spec)) ctx.addIssue({ code: 'custom', ...problem });
    // The quorum is the fewest updates a round can close with: it must satisfy the method's bound.
    const problem = participantsProblem(spec.method, spec.maxByzantine ?? 0, spec.minParticipants);
    if (problem) {
      ctx.addIssue({
        code: 'custom',
        path: ['minParticipants'],
        message: `minParticipants ${spec.minParticipants} is too small: ${problem.replace(/, got \d+$/, '')}; set minParticipants to at least ${minParticipantsFor(spec.method, spec.maxByzantine ?? 0)} or lower maxByzantine`,
      });
    }
    // A compared method the quorum cannot satisfy would fail every round: refuse it up front.
    spec.compareMethods.forEach((m, i) => {
      if (m === spec.method) return;
      const why = participantsProblem(m, spec.maxByzantine ?? 0, spec.minParticipants);
      if (!why) return;
      ctx.addIssue({
        code: 'custom',
        path: ['compareMethods', i],
        message: `${why.replace(/, got \d+$/, '')}, but minParticipants is ${spec.minParticipants}; raise minParticipants to ${minParticipantsFor(m, spec.maxByzantine ?? 0)} or drop ${m} from compareMethods`,
      });
    });
  });

/** Server-optimizer fields that do not apply to the chosen optimizer (a typo would otherwise do nothing). */
function serverOptimizerProblems(spec: {
  serverOptimizer?: string;
  serverLearningRate?: number;
  serverMomentum?: number;
  beta1?: number;
  beta2?: number;
  tau?: number;
}): { path: string[]; message: string }[] {
  const name = spec.serverOptimizer ?? 'none';
  const adaptive = (ADAPTIVE_SERVER_OPTIMIZERS as readonly string[]).includes(name);
  const problems: { path: string[]; message: string }[] = [];
  const misplaced = (field: keyof typeof spec, appliesTo: string) => {
    if (spec[field] !== undefined)
      problems.push({
        path: [field],
        message: `${field} applies to serverOptimizer ${appliesTo} only (this job has ${name}); remove it or choose such an optimizer`,
      });
  };
  if (name === 'none') misplaced('serverLearningRate', 'fedavgm, fedadagrad, fedadam or fedyogi');
  if (name !== 'fedavgm') misplaced('serverMomentum', 'fedavgm');
  if (!adaptive) {
    misplaced('beta1', 'fedadagrad, fedadam or fedyogi');
    misplaced('tau', 'fedadagrad, fedadam or fedyogi');
  }
  if (name !== 'fedadam' && name !== 'fedyogi') misplaced('beta2', 'fedadam or fedyogi');
  return problems;
}

/** A job as written by an operator (defaults not yet applied). */
export type JobSpecInput = z.input<typeof jobSpecSchema>;
/** A validated job with defaults applied. */
export type JobSpec = z.output<typeof jobSpecSchema>;

/** The model spec a job trains, with 'paper-cnn' resolved. */
export function resolveModel(spec: JobSpec): z.output<typeof modelSpecSchema> {
  return spec.model === 'paper-cnn' ? PAPER_CNN : spec.model;
}
