/**
 * `fedunify bench unify`: milliseconds per unify() call for every method on the paper CNN's
 * 106,442 parameters, K random updates from a seed (median of --runs calls).
 */
import type { Command } from 'commander';
import {
  methodsFor,
  randomPaperCnnUpdates,
  timeMethod,
  type UnifySpeedResult,
} from '../../bench/unify-speed.ts';
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

interface BenchUnifyFlags {
  participants: number[];
  methods?: UnifyMethod[];
  runs: number;
  seed: number;
  maxByzantine: number;
  quadraticMax: number;
  json: boolean;
}

/** Registers `fedunify bench unify`. */
export function registerBenchUnify(bench: Command): void {
  bench
    .command('unify')
    .description("Milliseconds per unify() call for every method on the paper CNN's 106,442 parameters.")
    .option('--participants <list>', 'comma-separated participant counts K', countList, [2, 10, 100, 1000])
    .option('--methods <list>', 'comma-separated methods (default: all)', methodList('--methods'))
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
    .option('--json', 'print the results as JSON on the last line', false)
    .action((o: BenchUnifyFlags) => {
      const out = o.json
        ? (s: string) => process.stderr.write(s + '\n')
        : (s: string) => process.stdout.write(s + '\n');
      // One set of updates for the largest K; smaller K use its first updates.
      const largest = Math.max(...o.participants);
      process.stderr.write(`generating ${largest} random paper-CNN updates (seed ${o.seed})…\n`);
      const { global, updates } = randomPaperCnnUpdates(largest, o.seed);
      const results: UnifySpeedResult[] = [];
      const skippedRows: string[][] = [];
      for (const k of o.participants) {
        const { run, skipped } = methodsFor(k, o.methods, o.quadraticMax, o.maxByzantine);
        for (const method of run) {
          process.stderr.write(`K = ${k}, ${method}…\n`);
          results.push(timeMethod(method, updates.slice(0, k), global, o.runs, o.maxByzantine));
        }
        for (const s of skipped) skippedRows.push([String(k), s.method, '-', '-', `skipped: ${s.why}`]);
      }
      const rows = results.map((r) => [
        String(r.participants),
        r.method,
        r.ms.toFixed(1),
        r.cpuMs.toFixed(1),
        '',
      ]);
      out(
        formatTable(
          ['participants', 'method', 'ms per call (wall)', 'CPU ms', 'note'],
          [...rows, ...skippedRows],
        ),
      );
      out(
        `paper CNN, 106,442 parameters; median of ${o.runs} call(s)${o.runs > 1 ? ' after one warm-up' : ''}; maxByzantine ${o.maxByzantine}; trimmed-mean β = 0.1; CPU ms = this process's user + system time.`,
      );
      if (o.json) {
        process.stdout.write(
          JSON.stringify(
            results.map((r) => ({
              participants: r.participants,
              method: r.method,
              ms: r.ms,
              cpuMs: r.cpuMs,
            })),
          ) + '\n',
        );
      }
    });
}
