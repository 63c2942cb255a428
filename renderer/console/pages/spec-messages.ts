/**
 * The hub checks a job with its schema; its messages ("Too small: expected number to be >0") become
 * plain words at the field ("Rounds must be at least 1."). Pure, so it is tested without a browser.
 */

const LABELS: Record<string, string> = {
  name: 'The job name',
  model: 'The model',
  method: 'The method',
  compareMethods: 'Compared methods',
  trimBeta: 'The trim fraction (trimBeta)',
  maxByzantine: 'maxByzantine',
  clipNorm: 'clipNorm',
  rounds: 'Rounds',
  localEpochs: 'Local epochs',
  localSteps: 'Local steps',
  batchSize: 'Batch size',
  learningRate: 'The learning rate',
  optimizer: 'The optimizer',
  targetAccuracy: 'The target accuracy',
  minParticipants: 'Minimum participants',
  roundDeadlineSec: 'The round deadline (seconds)',
  seed: 'The seed',
  hubEvaluation: 'Hub evaluation',
};

// Whole-number fields: "> 0" reads best as "at least 1".
const INTEGER = new Set([
  'rounds',
  'localSteps',
  'batchSize',
  'minParticipants',
  'roundDeadlineSec',
  'seed',
  'maxByzantine',
]);

function label(path: string): string {
  const top = path.split('.')[0] ?? '';
  return LABELS[top] && !path.includes('.') ? LABELS[top] : path ? `“${path}”` : 'The job';
}

/** A schema message about `path` (dot-separated) in plain language; unknown shapes keep the path. */
export function plainSpecMessage(path: string, message: string): string {
  const what = label(path);
  let m: RegExpMatchArray | null;
  if ((m = /expected (number|int|string|boolean|array|object), received (\w+)/.exec(message))) {
    const kind = {
      number: 'a number',
      int: 'a whole number',
      string: 'text',
      boolean: 'true or false',
      array: 'a list',
      object: 'a group of fields',
    }[m[1]];
    return m[2] === 'undefined' ? `${what} is missing.` : `${what} must be ${kind}.`;
  }
  if ((m = /Too small: expected number to be >(=?)(-?[\d.]+)/.exec(message))) {
    const n = Number(m[2]);
    return m[1] === '='
      ? `${what} must be at least ${n}.`
      : Number.isInteger(n) && INTEGER.has(path)
        ? `${what} must be at least ${n + 1}.`
        : `${what} must be more than ${n}.`;
  }
  if ((m = /Too big: expected number to be <(=?)(-?[\d.]+)/.exec(message))) {
    return m[1] === '=' ? `${what} must be at most ${m[2]}.` : `${what} must be less than ${m[2]}.`;
  }
  if ((m = /Too small: expected (string|array) to have >=(\d+)/.exec(message))) {
    return m[1] === 'string'
      ? `${what} must not be empty.`
      : `${what} needs at least ${m[2]} entr${m[2] === '1' ? 'y' : 'ies'}.`;
  }
  if ((m = /Too big: expected (string|array) to have <=(\d+)/.exec(message))) {
    return `${what} must have at most ${m[2]} ${m[1] === 'string' ? 'characters' : 'entries'}.`;
  }
  if ((m = /Invalid option: expected one of (.+)$/.exec(message))) {
    return `${what} must be one of ${m[1].replace(/"/g, '').split('|').join(', ')}.`;
  }
  if ((m = /Unrecognized keys?: (.+)$/.exec(message))) {
    return `Unknown field ${m[1]}: check its spelling, or remove it.`;
  }
  return path ? `${path}: ${message}` : message;
}
