/**
 * `fedunify simulate`: reproduces the paper's experiment with a real hub and real participant
 * processes on this machine, prints a per-round table like the paper's Tables 3 and 4, and writes
 * results.{json,csv,md,svg} into --out.
 */
import { Option, type Command } from 'commander';
import { UNIFY_METHODS, type UnifyMethod } from '../../core/unify/types.ts';
import { SERVER_OPTIMIZERS } from '../../core/unify/server-optimizer.ts';
import { methodColumns, pct, type SimResults } from '../simulate/results.ts';
import { runSimulation, type SimulationOptions } from '../simulate/run-simulation.ts';
import { loadRunState } from '../simulate/run-state.ts';
import { createProgressLine, progressLine } from '../simulate/progress.ts';
import { formatTable, tableRows, writeResults } from '../simulate/writers.ts';
import { methodList, positiveInt, positiveReal } from '../options.ts';
import { ATTACK_KINDS, parseAttack } from '../../core/participant/attack.ts';

const nonNegativeInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number ≥ 0, got "${v}".`);
  return n;
};

/** The command's flags: the simulation options under their flag names (`--lr`), plus `--json`. */
type SimulateFlags = Omit<
  SimulationOptions,
  'learningRate' | 'serverLearningRate' | 'resume' | 'onRound' | 'onLog' | 'onTick' | 'onResults'
> & {
  lr: number;
  serverLr?: number;
  resume?: string;
  json: boolean;
};

/** Flags that may come with --resume (everything else is the run's own, read from its folder). */
const RESUME_FLAGS = new Set(['resume', 'json']);

const nonNegativeReal = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n >= 0) || !Number.isFinite(n)) throw new Error(`${name} must be a number ≥ 0, got "${v}".`);
  return n;
};

/** The simulation options of the flags, or of the run in the --resume folder. */
function simulationOptions(f: SimulateFlags, cmd: Command): Omit<SimulationOptions, 'onRound' | 'onLog'> {
  if (f.resume !== undefined) {
    const given = Object.keys(cmd.opts()).filter(
      (k) => !RESUME_FLAGS.has(k) && cmd.getOptionValueSource(k) === 'cli',
    );
    if (given.length > 0) {
      const flags = given.map((k) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()));
      throw new Error(
        `--resume continues a run with its own settings (saved in ${f.resume}); drop ${flags.join(', ')}.`,
      );
    }
    return { ...loadRunState(f.resume).options, out: f.resume, resume: true };
  }
  if (f.serverLr !== undefined && (f.serverOptimizer ?? 'none') === 'none') {
    throw new Error('--server-lr needs --server-optimizer (fedavgm, fedadagrad, fedadam or fedyogi).');
  }
  const { lr, serverLr, json: _json, resume: _resume, ...options } = f;
  return {
    ...options,
    learningRate: lr,
    ...(serverLr !== undefined ? { serverLearningRate: serverLr } : {}),
  };
}

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
    .addOption(
      new Option(
        '--lr-schedule <name>',
        'the local learning rate over the rounds; --lr is its peak (cosine: decays to ~0 at the last round)',
      )
        .choices(['constant', 'cosine'])
        .default('constant'),
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
      methodList('--compare'),
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
    .option(
      '--eval-every <n>',
      'hub evaluation of the compared methods every N rounds (and always the last)',
      positiveInt('--eval-every'),
    )
    .addOption(
      new Option(
        '--server-optimizer <name>',
        'server optimizer after the job method (Reddi et al. 2021): the unified model becomes a pseudo-gradient step',
      ).choices([...SERVER_OPTIMIZERS]),
    )
    .option(
      '--server-lr <x>',
      'server learning rate η (default 1 for fedavgm, 0.01 for fedadagrad/fedadam/fedyogi)',
      positiveReal('--server-lr'),
    )
    .option(
      '--proximal-mu <mu>',
      'FedProx: μ of the proximal term μ/2‖w − w_global‖² in every local loss (default 0: off)',
      nonNegativeReal('--proximal-mu'),
    )
    .option(
      '--out <dir>',
      'where results.{json,csv,md,svg} go (and the run state while it runs)',
      'results/simulate',
    )
    .option(
      '--resume <dir>',
      'continue the killed or failed run whose --out was DIR, with its settings (loses at most the round in flight)',
    )
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
    .action(async (f: SimulateFlags, cmd: Command) => {
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const line = createProgressLine(process.stderr);
      const err = (text: string) => line.log(text);
      const started = performance.now();
      let lastRoundAt: number | null = null;
      try {
        const options = simulationOptions(f, cmd);
        const results = await runSimulation(
          {
            ...options,
            onLog: err,
            onResults: (partial) => writeResults(options.out, partial),
            onTick: (t) =>
              line.update(
                progressLine({
                  ...t,
                  sessionSec: (performance.now() - started) / 1000,
                  sinceLastSec: (performance.now() - (lastRoundAt ?? started)) / 1000,
                }),
                t.done,
              ),
            onRound: (r) => {
              lastRoundAt = performance.now();
              const methods = [
                ...new Set([options.method, ...(options.compare ?? []), ...Object.keys(r.methods)]),
              ];
              const cells = [
                `round ${r.round}`,
                ...r.local.map((l) => `${l.participant} ${pct(l.accuracy)}`),
                ...methods.map((m) => `${m}${m === options.method ? '*' : ''} ${pct(r.methods[m] ?? null)}`),
                ...(r.outliers?.length ? [`outliers: ${r.outliers.join(', ')}`] : []),
              ];
              err(cells.join('  '));
            },
          },
          abort.signal,
        );
        line.stop();
        printResults(results, { ...f, out: options.out, method: options.method });
      } finally {
        line.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

function printResults(results: SimResults, f: { out: string; json: boolean; method: UnifyMethod }): void {
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
