/**
 * Round overhead of a real hub on TLS loopback, measured from outside it: the hub runs in its own
 * process, K lightweight participants (no training; ready-made PAPER_CNN updates) are spread over
 * several client processes. Per round: the time from the last update sent to the unified weights
 * at every participant (client clocks, epoch ms, comparable across processes on one machine), the
 * hub's own unify time (RoundRecord.unifyMs), the hub's peak RSS, and the payload bytes up/down.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { paramCount } from '../core/model/manifest.ts';
import { PAPER_CNN, type ModelSpec } from '../core/model/spec.ts';
import type { UnifyMethod } from '../core/unify/types.ts';
import { HubClient } from '../cli/simulate/hub-client.ts';
import type { BenchClientReply, BenchHubReply, BenchHubRequest, BenchRoundTimes } from './round-messages.ts';

export interface RoundOverheadResult {
  participants: number;
  rounds: number;
  params: number;
  /** The whole round:update payload (weights + JSON fields) per participant per round. */
  updateBytes: number;
  /** Client side: last round:update sent → round:unified received by all, per round (ms). */
  clientMs: number[];
  /** Hub side: RoundRecord.unifyMs per round (the job method's result from the collector). */
  hubUnifyMs: (number | null)[];
  /** Peak resident memory of the hub process during the measurement (MiB). */
  hubRssMb: number;
  /** Payload bytes the participants sent (updates) and received (round:start + round:unified). */
  bytesUp: number;
  bytesDown: number;
  /** Participant sockets that dropped and reconnected during the measurement. */
  disconnects: number;
  /** Those drops by socket.io's reason as the client saw it. */
  disconnectReasons: Record<string, number>;
  /** The hub's longest event-loop stall during the measurement (ms). */
  hubMaxStallMs: number;
  /** Stalls of 1 s or more in the client processes, summed over them. */
  clientStalls: number;
}

/** Options of one measurement. */
export interface RoundOverheadOptions {
  rounds?: number;
  method?: UnifyMethod;
  /** Client processes (default: one per 250 participants, at least 1, at most 4). */
  clientProcesses?: number;
  /** Folder for a V8 CPU profile of the hub process (`--cpu-prof`). */
  profileDir?: string;
  /** The job's model (default PAPER_CNN). */
  model?: ModelSpec;
}

const BOOT = fileURLToPath(new URL('./child-boot.js', import.meta.url));
const HUB_CHILD = fileURLToPath(new URL('./round-hub-child.ts', import.meta.url));
const CLIENT_CHILD = fileURLToPath(new URL('./round-client-child.ts', import.meta.url));

/** The next IPC message of a child that satisfies `pick`; rejects when the child exits first. */
function nextMessage<T, R>(child: ChildProcess, pick: (m: T) => R | undefined): Promise<R> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T): void => {
      let r: R | undefined;
      try {
        r = pick(m);
      } catch (err) {
        cleanup();
        reject(err as Error);
        return;
      }
      if (r === undefined) return;
      cleanup();
      resolve(r);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`bench child exited (code ${code}) before answering`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Runs `rounds` rounds with `participants` clients against a fresh hub process. */
export async function measureRoundOverhead(
  participants: number,
  opts: RoundOverheadOptions = {},
): Promise<RoundOverheadResult> {
  const rounds = opts.rounds ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'fedunify-bench-round-'));
  const execArgv = opts.profileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.profileDir] : [];
  const hub = fork(BOOT, [HUB_CHILD, join(dir, 'hub')], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const clients: ChildProcess[] = [];
  try {
    const info = await nextMessage(hub, (m: BenchHubReply) => (m.type === 'ready' ? m : undefined));
    const client = new HubClient(info.url, info.fingerprint);
    await client.login(info.username, info.password);
    const method = opts.method ?? 'avg';
    const model = opts.model ?? PAPER_CNN;
    const job = await client.createJob({
      name: `bench round ×${participants}`,
      model,
      rounds,
      method,
      compareMethods: [method],
      minParticipants: participants,
      roundDeadlineSec: 3600,
      seed: 1,
    });
    const t0 = performance.now();
    const progress = (what: string): void => {
      process.stderr.write(`  ${((performance.now() - t0) / 1000).toFixed(1)} s: ${what}\n`);
    };
    const tokens: string[] = [];
    for (let i = 0; i < participants; i++) {
      // One invite per participant, as separate organizations would have.
      const { invite } = await client.createInvite(`B${i + 1}`, job.id);
      const payload = JSON.parse(
        Buffer.from(invite.slice('fedunify1.'.length), 'base64url').toString('utf8'),
      );
      tokens.push((payload as { token: string }).token);
    }
    const procs = Math.max(
      1,
      Math.min(opts.clientProcesses ?? Math.ceil(participants / 250), 4, participants),
    );
    const per = Math.ceil(participants / procs);
    progress(`${participants} invites created`);
    hub.send({ type: 'reset-rss' } satisfies BenchHubRequest);
    let connected = 0;
    const done: Promise<Extract<BenchClientReply, { type: 'done' }>>[] = [];
    for (let p = 0; p < procs; p++) {
      const child = fork(BOOT, [CLIENT_CHILD], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      clients.push(child);
      child.on('message', (m: BenchClientReply) => {
        if (m.type !== 'connected') return;
        connected += m.count;
        if (connected === participants) progress(`${participants} participants connected`);
      });
      done.push(
        nextMessage(child, (m: BenchClientReply) => {
          if (m.type === 'error') throw new Error(m.message);
          return m.type === 'done' ? m : undefined;
        }),
      );
      child.send({
        type: 'start',
        url: info.url,
        fingerprint: info.fingerprint,
        tokens: tokens.slice(p * per, (p + 1) * per),
        offset: p * per,
        model,
      });
    }
    const reports = await Promise.all(done);
    progress(`${rounds} rounds done`);
    const records = await client.rounds(job.id);
    hub.send({ type: 'rss' } satisfies BenchHubRequest);
    const rss = await nextMessage(hub, (m: BenchHubReply) => (m.type === 'rss' ? m : undefined));
    const disconnectReasons: Record<string, number> = {};
    for (const r of reports)
      for (const [why, n] of Object.entries(r.reasons))
        disconnectReasons[why] = (disconnectReasons[why] ?? 0) + n;
    const byRound = new Map<number, BenchRoundTimes>();
    for (const t of reports.flatMap((r) => r.rounds)) {
      const acc = byRound.get(t.round) ?? { round: t.round, lastSent: 0, lastUnified: 0, unified: 0 };
      byRound.set(t.round, {
        round: t.round,
        lastSent: Math.max(acc.lastSent, t.lastSent),
        lastUnified: Math.max(acc.lastUnified, t.lastUnified),
        unified: acc.unified + t.unified,
      });
    }
    const clientMs = [...byRound.values()]
      .sort((a, b) => a.round - b.round)
      .map((t) => (t.unified === participants ? t.lastUnified - t.lastSent : NaN));
    return {
      participants,
      rounds,
      params: paramCount(model),
      updateBytes: reports[0]?.updateBytes ?? 0,
      clientMs,
      hubUnifyMs: records.map((r) => r.unifyMs),
      hubRssMb: rss.peakMb,
      bytesUp: reports.reduce((a, r) => a + r.bytesUp, 0),
      bytesDown: reports.reduce((a, r) => a + r.bytesDown, 0),
      disconnects: reports.reduce((a, r) => a + r.disconnects, 0),
      disconnectReasons,
      hubMaxStallMs: rss.maxStallMs,
      clientStalls: reports.reduce((a, r) => a + r.clientStalls, 0),
    };
  } finally {
    for (const c of clients) if (c.exitCode === null) c.kill();
    if (hub.exitCode === null) {
      const exited = new Promise((r) => hub.once('exit', r));
      hub.send({ type: 'stop' } satisfies BenchHubRequest);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
      clearTimeout(timer);
      if (hub.exitCode === null) hub.kill();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
