/**
 * `fedunify bench round`: the hub's round overhead on loopback for 2 and 32 participants that send
 * ready-made PAPER_CNN updates (no training, no hub evaluation), and the bytes of one update.
 */
import type { Command } from 'commander';
import { measureRoundOverhead, type RoundOverheadResult } from '../../bench/round-overhead.ts';
import { formatTable } from '../simulate/writers.ts';

const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

/** Registers `fedunify bench round`. */
export function registerBenchRound(bench: Command): void {
  bench
    .command('round')
    .description(
      'Round overhead (last update → unified weights) and bytes per update, 2 and 32 participants on loopback.',
    )
    .option('--participants <list>', 'comma-separated participant counts', '2,32')
    .option('--rounds <r>', 'rounds per measurement (the median is shown)', '3')
    .option('--json', 'print the results as JSON on the last line', false)
    .action(async (o: { participants: string; rounds: string; json: boolean }) => {
      const counts = o.participants.split(',').map((s) => Number(s.trim()));
      const rounds = Number(o.rounds);
      if (counts.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(rounds) || rounds < 1) {
        throw new Error(
          '--participants takes whole numbers ≥ 1 separated by commas (e.g. 2,32); --rounds a whole number ≥ 1.',
        );
      }
      const results: RoundOverheadResult[] = [];
      for (const k of counts) {
        process.stderr.write(`measuring ${k} participants × ${rounds} rounds…\n`);
        results.push(await measureRoundOverhead(k, rounds));
      }
      const rows = results.map((r) => [
        String(r.participants),
        median(r.clientMs).toFixed(1),
        median(r.hubUnifyMs.filter((x): x is number => x !== null)).toFixed(1),
        String(r.weightBytes),
        String(r.updateBytes),
        String(r.updateBytes * r.participants),
      ]);
      const out = o.json
        ? (s: string) => process.stderr.write(s + '\n')
        : (s: string) => process.stdout.write(s + '\n');
      out(
        formatTable(
          [
            'participants',
            'round overhead ms (client)',
            'unify ms (hub)',
            'weight bytes',
            'update bytes/participant',
            'upload bytes/round',
          ],
          rows,
        ),
      );
      out(
        `params ${results[0]?.params}; 4 bytes × params = ${(results[0]?.params ?? 0) * 4}. Overhead: last round:update sent → round:unified at every client, measured client-side (median of ${rounds} rounds); unify ms = hub's RoundRecord.unifyMs.`,
      );
      if (o.json) process.stdout.write(JSON.stringify(results) + '\n');
    });
}
