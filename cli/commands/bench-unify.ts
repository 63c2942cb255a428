/**
 * `fedunify bench unify`: milliseconds per unify() call for every method on the paper CNN's
 * 106,442 parameters (or, with --params, on dense models of the given sizes), K random updates
 * from a seed (median of --runs calls).
 */
import type { Command } from 'commander';
import {
  denseModelOf,
  methodsFor,
  randomPaperCnnUpdates,
  randomUpdates,
  timeMethod,
  type UnifySpeedResult,
} from '../../bench/unify-speed.ts';
import { paramCount } from '../../core/model/manifest.ts';
import { startOrderStatThreads } from '../../core/unify-threads/order-stat-threads.ts';
import type { UnifyMethod } from '../../core/unify/types.ts';
import { formatTable } from '../simulate/writers.ts';
import { methodList, positiveInt } from '../options.ts';

const countList = (v: string): number[] => {
  const counts = v.split(',').map((s) => Number(s.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(
      `--participants takes whole numbers ≥ 1 separated by commas (e.g. 2,10,100); got "${v}".`,
    );
  }
  return counts;
};

/** Parses "25000000", "25M", "2.5m" or "100k" (a parameter count, at least 100). */
function paramCountArg(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(v.trim());
  const n = m
    ? Math.round(Number(m[1]) * (m[2].toLowerCase() === 'm' ? 1e6 : m[2].toLowerCase() === 'k' ? 1e3 : 1))
    : NaN;
  if (!Number.isFinite(n) || n < 100 || n > 1e9) {
    throw new Error(
      `--params takes parameter counts from 100 to 1,000M separated by commas, with an optional k or M (e.g. 1M,5M,25M); got "${v}".`,
    );
  }
  return n;
}

const paramsList = (v: string): number[] => v.split(',').map(paramCountArg);

/** Bytes the updates of one measurement hold, at most (beyond this the bench refuses). */
const MAX_UPDATE_BYTES = 12e9;

interface BenchUnifyFlags {
  participants: number[];
  params?: number[];
  methods?: UnifyMethod[];
  runs: number;
  seed: number;
  maxByzantine: number;
  quadraticMax: number;
  threads?: number;
  json: boolean;
}

/** Registers `fedunify bench unify`. */
export function registerBenchUnify(bench: Command): void {
  bench
    .command('unify')
    .description(
      "Milliseconds per unify() call for every method on the paper CNN's 106,442 parameters, or on dense models of --params sizes.",
    )
    .option('--participants <list>', 'comma-separated participant counts K', countList, [2, 10, 100, 1000])
    .option('--methods <list>', 'comma-separated methods (default: all)', methodList('--methods'))
    .option(
      '--params <list>',
      'model sizes: dense models (28×28×1 → hidden → 10) of about these many parameters, e.g. 1M,5M,25M, instead of the paper CNN',
      paramsList,
    )
    .option('--runs <n>', 'timed calls per method and K (the median is shown)', positiveInt('--runs'), 3)
    .option('--seed <s>', 'seed of the random updates', positiveInt('--seed'), 1)
    .option(
      '--max-byzantine <f>',
      'f passed to the robust methods',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0)
          throw new Error(`--max-byzantine must be a whole number ≥ 0, got "${v}".`);
        return n;
      },
      0,
    )
    .option(
      '--quadratic-max <k>',
      'largest K for krum, multi-krum and bulyan (O(K²·P)) unless --methods names them',
      positiveInt('--quadratic-max'),
      100,
    )
    .option(
      '--threads <n>',
      'threads for median and trimmed-mean, as the hub runs them (default: one per core, at most 8; 1 = this thread only)',
      positiveInt('--threads'),
    )
    .option('--json', 'print the results as JSON on the last line', false)
    .action(async (o: BenchUnifyFlags) => {
      const out = o.json
        ? (s: string) => process.stderr.write(s + '\n')
        : (s: string) => process.stdout.write(s + '\n');
      const largest = Math.max(...o.participants);
      const models = o.params?.map(denseModelOf) ?? [null];
      for (const model of models) {
        const bytes = largest * 4 * (model ? paramCount(model) : 106_442);
        if (bytes > MAX_UPDATE_BYTES) {
          throw new Error(
            `K = ${largest} updates of ${model ? paramCount(model).toLocaleString('en-US') : '106,442'} parameters need ${(bytes / 1e9).toFixed(1)} GB; measure this size with fewer --participants (at most ${(MAX_UPDATE_BYTES / 1e9).toFixed(0)} GB of updates).`,
          );
        }
      }
      // The hub's order-statistic threads, reading the updates in shared memory as the hub keeps them.
      const pool = await startOrderStatThreads({ threads: o.threads });
      const results: UnifySpeedResult[] = [];
      const skippedRows: string[][] = [];
      for (const model of models) {
        // One set of updates for the largest K; smaller K use its first updates.
        const what = model ? `${model.name} (${paramCount(model)} parameters)` : 'paper-CNN';
        process.stderr.write(`generating ${largest} random ${what} updates (seed ${o.seed})…\n`);
        const { global, updates } = model
          ? randomUpdates(model, largest, o.seed, true)
          : randomPaperCnnUpdates(largest, o.seed, true);
        const params = global.reduce((n, t) => n + t.length, 0);
        for (const k of o.participants) {
          const { run, skipped } = methodsFor(k, o.methods, o.quadraticMax, o.maxByzantine);
          for (const method of run) {
            process.stderr.write(`K = ${k}, ${params} parameters, ${method}…\n`);
            results.push(timeMethod(method, updates.slice(0, k), global, o.runs, o.maxByzantine));
          }
          for (const s of skipped)
            skippedRows.push([String(k), String(params), s.method, '-', '-', `skipped: ${s.why}`]);
        }
      }
      const rows = results.map((r) => [
        String(r.participants),
        String(r.params),
        r.method,
        r.ms.toFixed(1),
        r.cpuMs.toFixed(1),
        '',
      ]);
      out(
        formatTable(
          ['participants', 'params', 'method', 'ms per call (wall)', 'CPU ms', 'note'],
          [...rows, ...skippedRows],
        ),
      );
      out(
        `${o.params ? 'dense models (28×28×1 → hidden ReLU → 10)' : 'paper CNN, 106,442 parameters'}; median of ${o.runs} call(s)${o.runs > 1 ? ' after one warm-up' : ''}; maxByzantine ${o.maxByzantine}; trimmed-mean β = 0.1; median and trimmed-mean on ${pool.threads} thread(s); CPU ms = this process's user + system time (all its threads).`,
      );
      if (o.json) {
        process.stdout.write(
          JSON.stringify(
            results.map((r) => ({
              participants: r.participants,
              params: r.params,
              method: r.method,
              ms: r.ms,
              cpuMs: r.cpuMs,
            })),
          ) + '\n',
        );
      }
      await pool.close();
    });
}
