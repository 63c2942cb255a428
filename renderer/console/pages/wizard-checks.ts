/**
 * The wizard's checks in plain language, at the field they concern ("Rounds must be at least 1"),
 * before the hub's schema sees the job. Pure: tested without a browser.
 */
import { jobSpecSchema } from '../../../core/wire/job-spec.ts';
import { formToSpec, type JobForm } from './job-form.ts';

export const WIZARD_STEPS = [
  'Basics',
  'Model',
  'Method',
  'Training',
  'Stopping',
  'Hub evaluation',
  'Review',
] as const;

export interface FieldProblem {
  /** The form field, or 'job' for a problem no single field owns. */
  field: keyof JobForm | 'job';
  step: number;
  message: string;
}

interface NumberRule {
  field: keyof JobForm;
  step: number;
  label: string;
  integer?: boolean;
  /** Smallest allowed value (inclusive), or above `gt` when that is set. */
  min?: number;
  gt?: number;
  max?: number;
  /** Below this (exclusive). */
  lt?: number;
  unit?: string;
  applies?: (f: JobForm) => boolean;
}

const usesTrim = (f: JobForm) => f.method === 'trimmed-mean' || f.compareMethods.includes('trimmed-mean');

const RULES: NumberRule[] = [
  { field: 'seed', step: 0, label: 'Seed', integer: true },
  { field: 'trimBeta', step: 2, label: 'Trim fraction β', min: 0, lt: 0.5, applies: usesTrim },
  {
    field: 'maxByzantine',
    step: 2,
    label: 'Bad participants tolerated',
    integer: true,
    min: 0,
    max: 1000,
  },
  { field: 'rounds', step: 3, label: 'Rounds', integer: true, min: 1, max: 100_000 },
  {
    field: 'localEpochs',
    step: 3,
    label: 'Local epochs',
    gt: 0,
    max: 1000,
    applies: (f) => f.trainBy === 'epochs',
  },
  {
    field: 'localSteps',
    step: 3,
    label: 'Local steps',
    integer: true,
    min: 1,
    max: 1_000_000,
    applies: (f) => f.trainBy === 'steps',
  },
  { field: 'batchSize', step: 3, label: 'Batch size', integer: true, min: 1, max: 4096 },
  { field: 'learningRate', step: 3, label: 'Learning rate', gt: 0, max: 10 },
  {
    field: 'targetPercent',
    step: 4,
    label: 'Target accuracy',
    gt: 0,
    max: 100,
    unit: ' %',
    applies: (f) => f.useTarget,
  },
  { field: 'minParticipants', step: 4, label: 'Minimum participants', integer: true, min: 1, max: 10_000 },
  { field: 'deadlineMinutes', step: 4, label: 'Round deadline', min: 1, max: 7 * 24 * 60, unit: ' minutes' },
  {
    field: 'hubEvalLimit',
    step: 5,
    label: 'Test images',
    integer: true,
    min: 1,
    applies: (f) => f.hubEval === 'fashion-mnist',
  },
];

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** The plain-language problem of one number, or null when it is fine. */
function checkNumber(rule: NumberRule, value: number): string | null {
  const unit = rule.unit ?? '';
  if (!Number.isFinite(value)) return `Enter a number for ${rule.label}.`;
  if (rule.integer && !Number.isInteger(value)) return `${rule.label} must be a whole number.`;
  if (rule.min !== undefined && value < rule.min)
    return `${rule.label} must be at least ${fmt(rule.min)}${unit}.`;
  if (rule.gt !== undefined && value <= rule.gt)
    return `${rule.label} must be more than ${fmt(rule.gt)}${unit}.`;
  if (rule.max !== undefined && value > rule.max)
    return `${rule.label} must be at most ${fmt(rule.max)}${unit}.`;
  if (rule.lt !== undefined && value >= rule.lt)
    return `${rule.label} must be less than ${fmt(rule.lt)}${unit}.`;
  return null;
}

const STEP_OF: Record<string, number> = {
  name: 0,
  seed: 0,
  model: 1,
  method: 2,
  compareMethods: 2,
  trimBeta: 2,
  maxByzantine: 2,
  rounds: 3,
  localEpochs: 3,
  localSteps: 3,
  batchSize: 3,
  learningRate: 3,
  optimizer: 3,
  targetAccuracy: 4,
  minParticipants: 4,
  roundDeadlineSec: 4,
  hubEvaluation: 5,
};

// Spec fields that one form field shows (the rest are shown on the Review step).
const FORM_FIELD: Record<string, keyof JobForm> = {
  minParticipants: 'minParticipants',
  maxByzantine: 'maxByzantine',
  trimBeta: 'trimBeta',
  rounds: 'rounds',
  batchSize: 'batchSize',
  learningRate: 'learningRate',
};

/** Every problem of the form, each at its field and step, in plain language. */
export function wizardProblems(form: JobForm): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const name = form.name.trim();
  if (!name) problems.push({ field: 'name', step: 0, message: 'Give the job a name.' });
  else if (name.length > 200)
    problems.push({ field: 'name', step: 0, message: 'The job name must be at most 200 characters.' });
  for (const rule of RULES) {
    if (rule.applies && !rule.applies(form)) continue;
    const message = checkNumber(rule, form[rule.field] as number);
    if (message) problems.push({ field: rule.field, step: rule.step, message });
  }
  if (problems.length > 0) return problems;
  // Anything the rules above do not know yet, the hub's own schema still catches (named by field).
  const res = jobSpecSchema.safeParse(formToSpec(form));
  if (res.success) return [];
  return res.error.issues.map((i) => {
    const top = String(i.path[0] ?? '');
    const field = FORM_FIELD[top];
    return {
      field: field ?? ('job' as const),
      step: STEP_OF[top] ?? 6,
      // Cross-field checks (e.g. a quorum too small for the method) already speak plainly.
      message: i.code === 'custom' ? i.message : `${top || 'The job'}: ${i.message}`,
    };
  });
}

/** The first step before `target` that has a problem (the wizard stops there), or null. */
export function firstBadStepBefore(problems: FieldProblem[], target: number): number | null {
  const bad = problems.map((p) => p.step).filter((s) => s < target);
  return bad.length ? Math.min(...bad) : null;
}
