/**
 * `fedunify simulate`: reproduces the paper's experiment with a real hub and real participant
 * processes on this machine, prints a per-round table like the paper's Tables 3 and 4, and writes
 * results.{json,csv,md,svg} into --out.
 */
import { Option, type Command } from 'commander';
import { UNIFY_METHODS, type UnifyMethod } from '../../core/unify/types.ts';
import { methodColumns, pct, type SimResults } from '../simulate/results.ts';
import { runSimulation, type SimulationOptions } from '../simulate/run-simulation.ts';
import { formatTable, tableRows, writeResults } from '../simulate/writers.ts';
import { positiveInt, positiveReal } from '../options.ts';
import { ATTACK_KINDS, parseAttack } from '../../core/participant/attack.ts';

const nonNegativeInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number ≥ 0, got "${v}".`);
  return n;
};

/** The command's flags: the simulation options under their flag names (`--lr`), plus `--json`. */
type SimulateFlags = Omit<SimulationOptions, 'learningRate' | 'onRound' | 'onLog'> & {
  lr: number;
  json: boolean;
};

const methodList = (v: string): UnifyMethod[] => {
  const names = v
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const unknown = names.filter((m) => !(UNIFY_METHODS as readonly string[]).includes(m));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(`--compare takes methods from ${UNIFY_METHODS.join(', ')}; got "${v}".`);
  }
  return names as UnifyMethod[];
};

/** Registers `fedunify simulate`. */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description("Reproduce the paper's experiment: a real hub and K participant processes on this machine.")
    .addOption(
      new Option('--env <env>', 'how the data is divided (paper: V = IID halves, H = labels 0-4 / 5-9)')
        .choices(['V', 'H', 'iid', 'dirichlet'])
        .default('V'),
    )
    .addOption(
      new Option('--method <m>', 'the unification method that drives the rounds')
        .choices([...UNIFY_METHODS])
        .default('avg'),
    )
    .option('--participants <k>', 'number of participants (2 for V and H)', positiveInt('--participants'), 2)
    .option('--rounds <r>', 'rounds', positiveInt('--rounds'), 3)
    .option('--local-epochs <e>', 'local epochs per round', positiveReal('--local-epochs'), 1)
    .option('--local-steps <s>', 'local batches per round instead of epochs', positiveInt('--local-steps'))
    .option('--batch-size <b>', 'batch size', positiveInt('--batch-size'), 64)
    .option(
      '--lr <x>',
      "learning rate (default 0.002: the paper's accuracy in fewer rounds on small shares; the paper used Keras' 0.001)",
      positiveReal('--lr'),
      0.002,
    )
    .addOption(new Option('--optimizer <o>', 'optimizer').choices(['adam', 'sgd']).default('adam'))
    .option(
      '--limit <n>',
      'training samples per participant (default: its whole share)',
      positiveInt('--limit'),
    )
    .option(
      '--test-limit <m>',
      'local test samples per participant (default: its whole share)',
      positiveInt('--test-limit'),
    )
    .option(
      '--hub-test-limit <h>',
      "samples of the hub's test set (default: all of it)",
      positiveInt('--hub-test-limit'),
    )
    .option('--alpha <a>', 'Dirichlet concentration (--env dirichlet)', positiveReal('--alpha'))
    .option(
      '--compare <methods>',
      'methods also evaluated on the same updates each round (comma-separated)',
      methodList,
      ['avg', 'max', 'absmax'],
    )
    .option('--seed <s>', 'seed of the partition and the initial weights', positiveInt('--seed'), 1)
    .option('--backend <name>', "participants' compute backend: auto | tensorflow | wasm | cpu", 'auto')
    .option(
      '--secure-aggregation',
      'SecAgg+: the hub sees only masked updates and their sum (avg/weighted-avg, ≥ 3 participants)',
      false,
    )
    .addOption(
      new Option(
        '--dp <mode>',
        'differential privacy: noise added to the sum (central) or by each participant (local)',
      ).choices(['central', 'local']),
    )
    .option('--dp-clip <c>', 'DP: L2 norm each update delta is clipped to', positiveReal('--dp-clip'), 1)
    .option('--dp-noise <z>', 'DP: noise multiplier z (σ = z·C)', positiveReal('--dp-noise'))
    .option(
      '--target-epsilon <e>',
      'DP: the ε the whole run may spend (z is derived from it)',
      positiveReal('--target-epsilon'),
    )
    .option('--out <dir>', 'where results.{json,csv,md,svg} go', 'results/simulate')
    .option('--json', 'print the results object as the last line of stdout', false)
    .option(
      '--attackers <n>',
      'research: adversarial participants run as real join processes beside the honest ones (A1, A2, …)',
      nonNegativeInt('--attackers'),
      0,
    )
    .option('--attack <kind>', `research: what the attackers do: ${ATTACK_KINDS}`, (v: string) => {
      parseAttack(v);
      return v;
    })
    .option(
      '--max-byzantine <f>',
      'job spec maxByzantine: bad updates the robust methods tolerate',
      nonNegativeInt('--max-byzantine'),
    )
    .option(
      '--max-samples-per-update <n>',
      'job spec maxSamplesPerUpdate: clip of the sample counts weighted methods use',
      positiveInt('--max-samples-per-update'),
    )
    .action(async (f: SimulateFlags) => {
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const err = (line: string) => process.stderr.write(`${line}\n`);
      try {
        const { lr, json: _json, ...options } = f;
        const results = await runSimulation(
          {
            ...options,
            learningRate: lr,
            onLog: err,
            onRound: (r) => {
              const methods = [...new Set([f.method, ...(f.compare ?? []), ...Object.keys(r.methods)])];
              const cells = [
                `round ${r.round}`,
                ...r.local.map((l) => `${l.participant} ${pct(l.accuracy)}`),
                ...methods.map((m) => `${m}${m === f.method ? '*' : ''} ${pct(r.methods[m] ?? null)}`),
                ...(r.outliers?.length ? [`outliers: ${r.outliers.join(', ')}`] : []),
              ];
              err(cells.join('  '));
            },
          },
          abort.signal,
        );
        printResults(results, f);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

function printResults(results: SimResults, f: SimulateFlags): void {
  const paths = writeResults(f.out, results);
  const { header, rows } = tableRows(results);
  const log = f.json
    ? (s: string) => process.stderr.write(s + '\n')
    : (s: string) => process.stdout.write(s + '\n');
  log('');
  log(formatTable(header, rows));
  log(
    `(* = ${results.method}, the job's method: it drives the next round. Columns ${methodColumns(results).join('/')} are hub test accuracy.)`,
  );
  log(`backend ${results.backend}; ${results.durationSec.toFixed(0)} s; wrote ${paths.join(', ')}`);
  if (f.json) process.stdout.write(JSON.stringify(results) + '\n');
}
