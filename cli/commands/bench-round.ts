/**
 * `fedunify bench round`: a real hub in its own process on TLS loopback, K lightweight participants
 * over several client processes sending ready-made PAPER_CNN updates (no training, no hub
 * evaluation); per K the round overhead, the hub's unify time, its peak RSS and the bytes moved.
 */
import type { Command } from 'commander';
import { measureRoundOverhead, type RoundOverheadResult } from '../../bench/round-overhead.ts';
import { UNIFY_METHODS, type UnifyMethod } from '../../core/unify/types.ts';
import { formatTable } from '../simulate/writers.ts';
import { readFileSync } from 'node:fs';
import { modelSpecSchema } from '../../core/wire/job-spec.ts';
import type { ModelSpec } from '../../core/model/spec.ts';

/** Reads a model spec (JSON) for --model; throws saying what is wrong. */
function readModel(path: string): ModelSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`--model ${path}: cannot read it as JSON (${(err as Error).message}).`);
  }
  const parsed = modelSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const what = parsed.error.issues.map((i) => `${i.path.join('.') || 'model'}: ${i.message}`).join('; ');
    throw new Error(`--model ${path} is not a model spec: ${what}.`);
  }
  const m = parsed.data;
  if (m.inputShape.join('x') !== '28x28x1' || m.numClasses !== 10) {
    throw new Error(
      `--model ${path}: bench clients send 28×28×1 images with 10 classes; the model takes ${m.inputShape.join('×')} with ${m.numClasses}.`,
    );
  }
  return m;
}

const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** Registers `fedunify bench round`. */
export function registerBenchRound(bench: Command): void {
  bench
    .command('round')
    .description(
      'Round overhead of a hub process (last update → unified weights at every participant), its unify time, RSS and bytes moved, for K participants in client processes on TLS loopback.',
    )
    .option('--participants <list>', 'comma-separated participant counts', '2,32')
    .option('--rounds <r>', 'rounds per measurement (the median is shown)', '3')
    .option('--method <m>', `the job's unification method (${UNIFY_METHODS.join(', ')})`, 'avg')
    .option('--client-processes <n>', 'client processes (default: one per 250 participants, at most 4)')
    .option('--model <file>', 'a model spec (JSON, 28×28×1 input, 10 classes) instead of the paper CNN')
    .option('--profile <dir>', 'write a V8 CPU profile of the hub process (node --cpu-prof) into <dir>')
    .option('--json', 'print the results as JSON on the last line', false)
    .action(
      async (o: {
        participants: string;
        rounds: string;
        method: string;
        clientProcesses?: string;
        profile?: string;
        model?: string;
        json: boolean;
      }) => {
        const counts = o.participants.split(',').map((s) => Number(s.trim()));
        const rounds = Number(o.rounds);
        const procs = o.clientProcesses === undefined ? undefined : Number(o.clientProcesses);
        if (counts.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(rounds) || rounds < 1) {
          throw new Error(
            '--participants takes whole numbers ≥ 1 separated by commas (e.g. 2,32,128,1000); --rounds a whole number ≥ 1.',
          );
        }
        if (procs !== undefined && (!Number.isInteger(procs) || procs < 1)) {
          throw new Error('--client-processes takes a whole number ≥ 1.');
        }
        if (!(UNIFY_METHODS as readonly string[]).includes(o.method)) {
          throw new Error(`--method must be one of ${UNIFY_METHODS.join(', ')}; got "${o.method}".`);
        }
        const model = o.model === undefined ? undefined : readModel(o.model);
        const results: RoundOverheadResult[] = [];
        for (const k of counts) {
          process.stderr.write(`measuring ${k} participants × ${rounds} rounds…\n`);
          results.push(
            await measureRoundOverhead(k, {
              rounds,
              method: o.method as UnifyMethod,
              clientProcesses: procs,
              profileDir: o.profile,
              model,
            }),
          );
        }
        const rows = results.map((r) => [
          String(r.participants),
          median(r.clientMs).toFixed(1),
          median(r.hubUnifyMs.filter((x): x is number => x !== null)).toFixed(1),
          r.hubRssMb.toFixed(0),
          mb(r.bytesUp / r.rounds),
          mb(r.bytesDown / r.rounds),
          r.hubMaxStallMs.toFixed(0),
          r.disconnects === 0
            ? '0'
            : `${r.disconnects} (${Object.entries(r.disconnectReasons)
                .map(([why, n]) => `${n} ${why}`)
                .join(', ')})`,
        ]);
        const out = o.json
          ? (s: string) => process.stderr.write(s + '\n')
          : (s: string) => process.stdout.write(s + '\n');
        out(
          formatTable(
            [
              'participants',
              'round overhead ms',
              'hub unify ms',
              'hub peak RSS MiB',
              'MB up/round',
              'MB down/round',
              'hub longest stall ms',
              'reconnects',
            ],
            rows,
          ),
        );
        out(
          `${o.method}, ${model?.name ?? 'PAPER_CNN'} (${results[0]?.params} params, ${results[0]?.updateBytes} bytes per update). Overhead: last round:update sent → round:unified at every participant, client clocks, median of ${rounds} rounds; unify ms = the hub's RoundRecord.unifyMs; RSS = peak of the hub process; longest stall = the hub's longest event-loop delay; bytes = payloads (round:update up; round:start + round:unified down).`,
        );
        if (o.json) {
          const summary = results.map((r) => ({
            participants: r.participants,
            clientMs: r.clientMs,
            hubUnifyMs: r.hubUnifyMs,
            hubRssMb: Math.round(r.hubRssMb),
            bytesUp: r.bytesUp,
            bytesDown: r.bytesDown,
            disconnects: r.disconnects,
            disconnectReasons: r.disconnectReasons,
            hubMaxStallMs: Math.round(r.hubMaxStallMs),
            clientStalls: r.clientStalls,
          }));
          process.stdout.write(JSON.stringify(summary) + '\n');
        }
      },
    );
}
