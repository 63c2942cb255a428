/** The wizard's form model and its conversion to a job spec and to YAML (pure, browser-safe). */
import { stringify } from 'yaml';
import type { JobSpecInput } from '../../../core/wire/job-spec.ts';
import { UNIFY_METHODS, type UnifyMethod } from '../../../core/unify/types.ts';

export const METHOD_INFO: Record<UnifyMethod, string> = {
  avg: 'Mean of each weight across participants (paper eq. 4).',
  'weighted-avg': 'Mean weighted by each participant’s sample count (FedAvg).',
  max: 'Element-wise maximum (paper eq. 5).',
  absmax: 'Keeps the signed weight with the largest magnitude (paper eq. 6).',
  'absmax-magnitude': 'Eq. 6 read literally: the largest magnitude, always ≥ 0 (ablation).',
  median: 'Coordinate-wise median: robust to one bad participant.',
  'trimmed-mean': 'Drops the extremes at each position, averages the rest.',
  krum: 'Krum: keeps the one update closest to its neighbours (robust to maxByzantine bad ones).',
  'multi-krum': 'Multi-Krum: averages the updates closest to their neighbours, leaving out maxByzantine.',
  bulyan: 'Bulyan: Krum selection, then a trimmed average around the median at each weight.',
  'norm-clip-avg': 'Average of the changes, each clipped to a bound (clipNorm, or the median change).',
};

export { UNIFY_METHODS };

export interface JobForm {
  name: string;
  seed: number;
  method: UnifyMethod;
  compareMethods: UnifyMethod[];
  trimBeta: number;
  rounds: number;
  trainBy: 'epochs' | 'steps';
  localEpochs: number;
  localSteps: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'adam' | 'sgd';
  useTarget: boolean;
  targetPercent: number;
  minParticipants: number;
  deadlineMinutes: number;
  hubEval: 'none' | 'fashion-mnist';
  hubEvalEnv: 'none' | 'V' | 'H' | 'iid';
  hubEvalLimit: number;
}

/** The wizard's starting values: the paper's V-environment setup. */
export function defaultJobForm(): JobForm {
  return {
    name: 'fashion-mnist-federated',
    seed: 1,
    method: 'avg',
    compareMethods: ['avg', 'max', 'absmax'],
    trimBeta: 0.1,
    rounds: 5,
    trainBy: 'epochs',
    localEpochs: 1,
    localSteps: 20,
    batchSize: 64,
    learningRate: 0.001,
    optimizer: 'adam',
    useTarget: true,
    targetPercent: 85,
    minParticipants: 2,
    deadlineMinutes: 60,
    hubEval: 'fashion-mnist',
    hubEvalEnv: 'none',
    hubEvalLimit: 2000,
  };
}

/** The job spec the form describes (validated by the hub, and by the wizard before sending). */
export function formToSpec(f: JobForm): JobSpecInput {
  const spec: JobSpecInput = {
    name: f.name.trim(),
    model: 'paper-cnn',
    method: f.method,
    compareMethods: f.compareMethods,
    rounds: f.rounds,
    batchSize: f.batchSize,
    learningRate: f.learningRate,
    optimizer: f.optimizer,
    minParticipants: f.minParticipants,
    roundDeadlineSec: Math.round(f.deadlineMinutes * 60),
    seed: f.seed,
  };
  if (f.method === 'trimmed-mean' || f.compareMethods.includes('trimmed-mean')) spec.trimBeta = f.trimBeta;
  if (f.trainBy === 'steps') spec.localSteps = f.localSteps;
  else spec.localEpochs = f.localEpochs;
  if (f.useTarget) spec.targetAccuracy = f.targetPercent / 100;
  if (f.hubEval === 'fashion-mnist') {
    spec.hubEvaluation = {
      data: 'fashion-mnist',
      limit: f.hubEvalLimit,
      ...(f.hubEvalEnv === 'none' ? {} : { partition: { env: f.hubEvalEnv, seed: f.seed } }),
    };
  }
  return spec;
}

/** The spec as YAML, as the YAML mode shows it. */
export function specToYaml(spec: JobSpecInput): string {
  return stringify(spec, { lineWidth: 0, flowCollectionPadding: false });
}

/** The YAML editor's starting text. */
export function defaultYaml(): string {
  return `# A FedUnify job. Fields: see the wizard, or docs (jobSpecSchema).
${specToYaml(formToSpec(defaultJobForm()))}`;
}
