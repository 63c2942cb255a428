/**
 * `fedunify privacy epsilon`: the (ε, δ) that a DP training run spends, from the Rényi-DP
 * accountant of the sampled Gaussian mechanism (core/privacy/rdp-accountant.ts).
 */
import type { Command } from 'commander';
import { noiseForEpsilon, privacySpent } from '../../core/privacy/rdp-accountant.ts';
import { positiveInt, positiveReal } from '../options.ts';

interface EpsilonFlags {
  noiseMultiplier?: number;
  targetEpsilon?: number;
  sampleRate: number;
  steps: number;
  delta: number;
  json: boolean;
}

/** Parses a probability in (0, 1] for the option `name`. */
function rate(name: string, includeOne: boolean): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!(n > 0) || !(includeOne ? n <= 1 : n < 1))
      throw new Error(`${name} must be a number in (0, ${includeOne ? '1]' : '1)'}, got "${v}".`);
    return n;
  };
}

function runEpsilon(flags: EpsilonFlags): void {
  if ((flags.noiseMultiplier === undefined) === (flags.targetEpsilon === undefined))
    throw new Error('give exactly one of --noise-multiplier Z (to get ε) or --target-epsilon E (to get Z).');
  const base = { sampleRate: flags.sampleRate, steps: flags.steps, delta: flags.delta };
  const noiseMultiplier =
    flags.noiseMultiplier ?? noiseForEpsilon({ targetEpsilon: flags.targetEpsilon!, ...base });
  const spent = privacySpent({ noiseMultiplier, ...base });
  const out = {
    accountant: 'rdp-sampled-gaussian',
    noiseMultiplier,
    ...base,
    epsilon: spent.epsilon,
    epsilonStandardConversion: spent.epsilonStandard,
    order: spent.order,
  };
  if (flags.json) {
    console.log(JSON.stringify(out));
    return;
  }
  console.log(
    `ε = ${spent.epsilon.toFixed(4)} at δ = ${flags.delta} after ${flags.steps} step(s) with sample rate ${flags.sampleRate} and noise multiplier ${noiseMultiplier.toFixed(4)}`,
  );
  console.log(
    `  Rényi DP of the sampled Gaussian mechanism, best order α = ${spent.order}; conversion of Balle et al. 2020 ` +
      `(the standard conversion gives ε = ${spent.epsilonStandard.toFixed(4)})`,
  );
}

/** Registers `privacy epsilon` on the program. */
export function registerPrivacy(program: Command): void {
  const privacy = program.command('privacy').description('Differential-privacy budget tools.');
  privacy
    .command('epsilon')
    .description(
      'The (ε, δ) spent by T steps of the sampled Gaussian mechanism (DP-SGD, DP-FedAvg), or the noise multiplier for a target ε.',
    )
    .option(
      '--noise-multiplier <z>',
      'noise standard deviation divided by the clip norm',
      positiveReal('--noise-multiplier'),
    )
    .option(
      '--target-epsilon <e>',
      'print the noise multiplier that spends this ε instead',
      positiveReal('--target-epsilon'),
    )
    .requiredOption(
      '--sample-rate <q>',
      'probability that one record (participant) is in a step',
      rate('--sample-rate', true),
    )
    .requiredOption('--steps <t>', 'number of steps (rounds)', positiveInt('--steps'))
    .option('--delta <d>', 'δ of (ε, δ)-DP', rate('--delta', false), 1e-5)
    .option('--json', 'print one JSON object', false)
    .action((flags: EpsilonFlags) => runEpsilon(flags));
}
