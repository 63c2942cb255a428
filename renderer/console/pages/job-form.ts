/** The wizard's form model and its conversion to a job spec and to YAML (pure, browser-safe). */
import { parse, stringify } from 'yaml';
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
  /** How many participants may send bad updates (robust methods derive their trim from it). */
  maxByzantine: number;
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
    maxByzantine: 0,
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
  if (f.maxByzantine !== 0) spec.maxByzantine = f.maxByzantine;
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

const WIZARD_KEYS = new Set([
  'name',
  'model',
  'method',
  'compareMethods',
  'trimBeta',
  'maxByzantine',
  'rounds',
  'localEpochs',
  'localSteps',
  'batchSize',
  'learningRate',
  'optimizer',
  'targetAccuracy',
  'minParticipants',
  'roundDeadlineSec',
  'hubEvaluation',
  'seed',
]);

const num = (v: unknown, fallback: number): number =>
  v === undefined ? fallback : typeof v === 'number' ? v : NaN;

/**
 * The wizard form for a YAML job, so edits made in YAML carry over to the wizard; refuses (with
 * the reason) YAML that does not parse or that uses what the wizard cannot show, so nothing is lost.
 */
export function yamlToForm(text: string): { ok: true; form: JobForm } | { ok: false; error: string } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return {
      ok: false,
      error: `The YAML does not parse (${err instanceof Error ? err.message.split('\n')[0] : String(err)}).`,
    };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, error: 'The YAML is not a job (expected fields such as name: and rounds:).' };
  }
  const y = doc as Record<string, unknown>;
  const unknown = Object.keys(y).filter((k) => !WIZARD_KEYS.has(k));
  if (y.model !== undefined && y.model !== 'paper-cnn') unknown.push('model (a custom model)');
  const hub = y.hubEvaluation as Record<string, unknown> | undefined;
  const part = hub?.partition as Record<string, unknown> | undefined;
  if (hub && (hub.data !== 'fashion-mnist' || (part && !['V', 'H', 'iid'].includes(String(part.env)))))
    unknown.push('hubEvaluation (other data or split)');
  if (unknown.length > 0) {
    return {
      ok: false,
      error: `The wizard cannot show ${unknown.join(', ')}: keep editing this job as YAML.`,
    };
  }
  const d = defaultJobForm();
  const methods = (v: unknown, fallback: UnifyMethod[]) =>
    Array.isArray(v) ? v.filter((m): m is UnifyMethod => UNIFY_METHODS.includes(m as UnifyMethod)) : fallback;
  const steps = y.localSteps !== undefined;
  const target = y.targetAccuracy;
  return {
    ok: true,
    form: {
      name: typeof y.name === 'string' ? y.name : y.name === undefined ? '' : String(y.name),
      seed: num(y.seed, d.seed),
      method: UNIFY_METHODS.includes(y.method as UnifyMethod) ? (y.method as UnifyMethod) : d.method,
      compareMethods: methods(y.compareMethods, d.compareMethods),
      trimBeta: num(y.trimBeta, d.trimBeta),
      maxByzantine: num(y.maxByzantine, d.maxByzantine),
      rounds: num(y.rounds, NaN),
      trainBy: steps ? 'steps' : 'epochs',
      localEpochs: num(y.localEpochs, d.localEpochs),
      localSteps: num(y.localSteps, d.localSteps),
      batchSize: num(y.batchSize, d.batchSize),
      learningRate: num(y.learningRate, d.learningRate),
      optimizer: y.optimizer === 'sgd' ? 'sgd' : 'adam',
      useTarget: target !== undefined,
      targetPercent: target === undefined ? d.targetPercent : Math.round(num(target, NaN) * 1e6) / 1e4,
      minParticipants: num(y.minParticipants, d.minParticipants),
      deadlineMinutes:
        y.roundDeadlineSec === undefined ? d.deadlineMinutes : num(y.roundDeadlineSec, NaN) / 60,
      hubEval: hub ? 'fashion-mnist' : 'none',
      hubEvalEnv: part ? (part.env as JobForm['hubEvalEnv']) : 'none',
      hubEvalLimit: num(hub?.limit, d.hubEvalLimit),
    },
  };
}
