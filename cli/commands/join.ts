/**
 * `fedunify join`: takes part in a hub's job from the command line with local data. Shows a
 * progress bar (stderr) and a per-round table (stdout); keeps local logs under --state-dir.
 * `runJoin` is exported so `join --ui` (and the simulation) can drive the same engine.
 */
import { progressBar } from '../options.ts';
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join as joinPath } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Option, type Command } from 'commander';
import { ParticipantEngine } from '../../core/participant/engine.ts';
import type { DataSource } from '../../core/wire/bridge.ts';
import type { LogEntry } from '../../core/wire/protocol.ts';
import { formatTable } from '../simulate/writers.ts';
import { pct } from '../simulate/results.ts';
import { ATTACK_KINDS, parseAttack } from '../../core/participant/attack.ts';
import { exitWithParent } from '../simulate/children.ts';

export interface JoinOptions {
  invite: string;
  /** 'fashion-mnist', a folder of class subfolders, an IDX images file, or a CSV file. */
  data: string;
  partition?: 'V' | 'H' | 'iid' | 'dirichlet';
  ownerIndex?: number;
  owners?: number;
  alpha?: number;
  seed?: number;
  limit?: number;
  testLimit?: number;
  backend?: string;
  stateDir?: string;
  approve?: boolean;
  /** Refuse jobs whose model has more parameters than this (default 50 M). */
  maxModelParams?: number;
  /** Research only: corrupt what this participant sends (core/participant/attack.ts). */
  attack?: string;
  /** Print progress bar, logs and the rounds table (default true). */
  interactive?: boolean;
}

/** Turns the command-line data options into a DataSource, with a clear error for what does not fit. */
export function dataSourceFromOptions(o: JoinOptions): DataSource {
  const owner =
    o.partition !== undefined
      ? {
          env: o.partition,
          index: o.ownerIndex ?? 0,
          seed: o.seed ?? 1,
          ...(o.owners !== undefined ? { owners: o.owners } : {}),
          ...(o.alpha !== undefined ? { alpha: o.alpha } : {}),
        }
      : undefined;
  if (o.data === 'fashion-mnist') {
    return { kind: 'fashion-mnist', ...(owner ? { owner } : {}), ...(o.limit ? { limit: o.limit } : {}) };
  }
  if (owner)
    throw new Error('--partition takes a share of Fashion-MNIST only: use it with --data fashion-mnist.');
  if (!existsSync(o.data))
    throw new Error(
      `--data ${o.data}: no such file or folder. Give a folder of class subfolders, an IDX images file, a CSV file, or "fashion-mnist".`,
    );
  if (statSync(o.data).isDirectory()) return { kind: 'folder', path: o.data };
  if (/\.csv$/i.test(o.data)) return { kind: 'csv', path: o.data };
  if (/images-idx3-ubyte(\.gz)?$/.test(o.data)) {
    const labels = o.data.replace('images-idx3', 'labels-idx1');
    if (!existsSync(labels))
      throw new Error(`--data ${o.data}: the labels file ${labels} next to it is missing.`);
    return { kind: 'idx', imagesPath: o.data, labelsPath: labels };
  }
  throw new Error(`--data ${o.data}: not a folder, a *-images-idx3-ubyte[.gz] file or a .csv file.`);
}

/** Starts a participant with these options and returns its engine (already loading data and joining). */
export async function runJoin(o: JoinOptions): Promise<ParticipantEngine> {
  const interactive = o.interactive ?? true;
  const engine = new ParticipantEngine({
    invite: o.invite,
    dataSource: dataSourceFromOptions(o),
    backend: o.backend ?? 'auto',
    stateDir: o.stateDir ?? joinPath(homedir(), '.fedunify', 'participant'),
    approveUploads: o.approve ?? false,
    testLimit: o.testLimit,
    maxModelParams: o.maxModelParams,
    onLog: interactive ? printLog : undefined,
    ...(o.attack ? { attack: o.attack } : {}),
  });
  if (interactive) attachConsole(engine, o.approve ?? false);
  await engine.start();
  return engine;
}

function printLog(e: LogEntry): void {
  const tag = e.level === 'error' ? 'error' : e.level === 'warn' ? 'warn ' : 'info ';
  // On a terminal, first clear the progress bar's line; in a log file, no escape codes.
  const clear = process.stderr.isTTY ? '\r\x1b[K' : '';
  process.stderr.write(`${clear}[${e.ts.slice(11, 19)}] ${tag} ${e.message}\n`);
}

/** Progress bar, the rounds table after each round, and approval prompts. */
function attachConsole(engine: ParticipantEngine, approve: boolean): void {
  let bar: ReturnType<typeof progressBar> | null = null;
  let barRound = 0;
  let printed = 0;
  let asked = 0;
  engine.subscribe((ev) => {
    if (ev.type === 'progress') {
      const p = ev.progress;
      if (barRound !== p.round) {
        bar?.stop();
        barRound = p.round;
        bar = progressBar(`round ${p.round}`);
      }
      bar?.update(p);
      return;
    }
    if (ev.type !== 'state') return;
    const s = ev.state;
    if (!s.training && bar) {
      bar.stop();
      bar = null;
      barRound = 0;
    }
    const complete = s.rounds.filter((r) => r.unifiedLocalAccuracy !== null || r.hubAccuracy !== null).length;
    if (complete > printed) {
      printed = complete;
      const rows = s.rounds.map((r) => [
        String(r.round),
        pct(r.localAccuracy),
        pct(r.localTestAccuracy),
        pct(r.hubAccuracy),
        pct(r.unifiedLocalAccuracy),
        r.method,
      ]);
      process.stdout.write(
        '\n' +
          formatTable(
            ['round', 'local acc', 'local test acc', 'hub acc', 'unified acc here', 'method'],
            rows,
          ) +
          '\n\n',
      );
    }
    if (approve && s.pendingApproval && s.pendingApproval.round > asked) {
      const pending = s.pendingApproval;
      asked = pending.round;
      void askApproval(pending).then((ok) => engine.decideUpload(pending.round, ok));
    }
  });
}

async function askApproval(p: { round: number; bytes: number; sha256: string }): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(
      `Round ${p.round}: send ${p.bytes} bytes of weights (sha256 ${p.sha256}) to the hub? [y/N] `,
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number ≥ 0, got "${v}".`);
  return n;
};

/** Registers `fedunify join`. */
export function registerJoin(program: Command): void {
  program
    .command('join')
    .description("Take part in a hub's job: train on local data, send only weights.")
    .option('--invite <invite>', 'the invite string from the hub operator (fedunify1.…)')
    .option(
      '--data <path>',
      '"fashion-mnist", a folder of class subfolders, an IDX images file, or a CSV file',
    )
    .addOption(
      new Option('--partition <env>', "take one owner's share of Fashion-MNIST as in the paper").choices([
        'V',
        'H',
        'iid',
        'dirichlet',
      ]),
    )
    .option('--owner-index <i>', 'which share (0-based) with --partition', int('--owner-index'), 0)
    .option('--owners <k>', 'number of owners for iid / dirichlet', int('--owners'))
    .option('--alpha <a>', 'Dirichlet concentration', Number)
    .option('--seed <n>', 'partition seed', int('--seed'), 1)
    .option('--limit <n>', 'at most this many training samples', int('--limit'))
    .option('--test-limit <n>', 'at most this many local test samples', int('--test-limit'))
    .option(
      '--backend <name>',
      'auto | tensorflow | wasm | cpu | webgpu | webgl (webgpu/webgl run the GPU engine page in headless Chromium: CHROMIUM_PATH or /usr/bin/chromium)',
      'auto',
    )
    .option('--state-dir <dir>', 'where local logs are kept (default ~/.fedunify/participant)')
    .option('--approve', 'ask before each upload of weights', false)
    .option(
      '--max-model-params <n>',
      "refuse a job whose model has more parameters than this (default 50000000: a hub's model cannot exhaust this machine's memory)",
      int('--max-model-params'),
    )
    .addOption(
      // Hidden: research only, for measuring robust methods (`simulate --attackers`); docs/security.md.
      new Option('--attack <kind>', `RESEARCH ONLY: send corrupted updates (${ATTACK_KINDS})`)
        .hideHelp()
        .argParser((v: string) => {
          parseAttack(v);
          return v;
        }),
    )
    // --- join --ui (renderer owner): the browser UI supplies what the command line leaves out. ---
    .option('--ui', 'open the participant UI in a browser instead of the terminal view', false)
    .option('--ui-port <port>', 'local port of the UI (default: any free port)', int('--ui-port'))
    .option(
      '--gpu-tab',
      "with --ui: train WebGPU/WebGL in the browser tab that opens the UI, on that browser's GPU (the tab receives batches of your training data: open it on this machine)",
      false,
    )
    .action(async (opts: JoinOptions & { ui?: boolean; uiPort?: number; gpuTab?: boolean }) => {
      if (opts.ui) {
        const { runJoinUi } = await import('./join-ui.ts');
        const { engine, close } = await runJoinUi(opts);
        await new Promise<void>((resolve) => {
          const stop = () => void engine.leave().finally(() => void close().finally(resolve));
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        return;
      }
      if (opts.gpuTab) throw new Error('--gpu-tab needs --ui: the tab is the UI opened in a browser.');
      if (!opts.invite || !opts.data)
        throw new Error('join needs --invite and --data (or --ui to give them in the browser).');
      // --- end of join --ui ---
      let started: ParticipantEngine | null = null;
      exitWithParent(() => {
        process.stderr.write('The simulation that started this participant is gone; leaving.\n');
        void (started?.leave() ?? Promise.resolve()).finally(() => process.exit(1));
      });
      const engine = await runJoin(opts);
      started = engine;
      const onSignal = () => void engine.leave();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const end = await engine.finished();
        process.stderr.write(
          `Job ended after round ${end.finalRound} (${end.reason}). Logs: ${opts.stateDir ?? '~/.fedunify/participant'}\n`,
        );
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
