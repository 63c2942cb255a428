/**
 * The paper's experiment on one machine: a real hub (in-process, TLS on loopback) and K real
 * participants (child processes running `fedunify join` on their share of Fashion-MNIST). The hub
 * evaluates every compared method on the same updates each round, as in the paper's Tables 3/4.
 * The hub's data folder and the participants' state live in DIR/sim-state (run-state.ts), so a
 * killed run goes on with `resume`, losing at most the round in flight.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startHub, type Hub, type OperatorFile } from '../../hub/index.ts';
import {
  startOrderStatThreadsOrWarn,
  type OrderStatThreads,
} from '../../core/unify-threads/order-stat-threads.ts';
import type { JobSpecInput } from '../../core/wire/job-spec.ts';
import type { UnifyMethod } from '../../core/unify/types.ts';
import type { ServerOptimizerName } from '../../core/unify/server-optimizer.ts';
import type { JobRecord, RoundRecord } from '../../core/wire/protocol.ts';
import { joinArgs, killAll, logTail, spawnParticipant, type ChildParticipant } from './children.ts';
import { HubClient } from './hub-client.ts';
import { roundFromRecord, type SimResults, type SimRound } from './results.ts';
import { roundPrivacy } from '../../core/privacy/round-privacy.ts';
import { dpSpecSchema } from '../../core/wire/privacy-spec.ts';
import {
  clearRunState,
  endStaleParticipants,
  hasRunState,
  loadRunState,
  runPaths,
  saveRunState,
  type RunState,
  type StoredOptions,
} from './run-state.ts';

/** A results round with the privacy it had: mechanism and the ε spent up to it. */
function withPrivacy(r: SimRound, spec: JobSpecInput): SimRound {
  const dp = spec.dp ? dpSpecSchema.parse(spec.dp) : undefined;
  return {
    ...r,
    privacy: roundPrivacy({ rounds: spec.rounds, secureAggregation: spec.secureAggregation, dp }, r.round),
  };
}

export interface SimulationOptions {
  env: 'V' | 'H' | 'iid' | 'dirichlet';
  method: UnifyMethod;
  participants: number;
  rounds: number;
  localEpochs: number;
  localSteps?: number;
  batchSize: number;
  learningRate: number;
  /** The local rate over the rounds (cosine: decays to ~0 at the last round); default constant. */
  lrSchedule?: 'constant' | 'cosine';
  optimizer: 'adam' | 'sgd';
  /** Training samples per participant. */
  limit?: number;
  testLimit?: number;
  hubTestLimit?: number;
  /** Hub evaluation of the compared methods every N rounds (and at the last); default every round. */
  evalEvery?: number;
  /** Server optimizer after the job's method (Reddi et al. 2021); default none. */
  serverOptimizer?: ServerOptimizerName;
  serverLearningRate?: number;
  /** FedProx μ in every participant's local loss. */
  proximalMu?: number;
  alpha?: number;
  seed: number;
  /** Methods evaluated on the same updates besides the driving one (default avg, max, absmax). */
  compare?: UnifyMethod[];
  backend: string;
  out: string;
  /** SecAgg+: the hub sees only masked updates and their sum. */
  secureAggregation?: boolean;
  /** Differential privacy (DP-FedAvg): where the noise goes, the clip norm, z or a target ε. */
  dp?: 'central' | 'local';
  dpClip?: number;
  dpNoise?: number;
  targetEpsilon?: number;
  /**
   * Research only: adversarial participants run beside the honest ones (K = participants +
   * attackers updates per round). Attacker j trains on honest participant (j mod participants)'s
   * share, so the honest shares are exactly those of the run without attackers.
   */
  attackers?: number;
  /** The attack they run (core/participant/attack.ts). */
  attack?: string;
  /** Byzantine participants the robust methods tolerate (job spec maxByzantine). */
  maxByzantine?: number;
  /** Clip of the sample counts weighted methods use (job spec maxSamplesPerUpdate). */
  maxSamplesPerUpdate?: number;
  /** Go on with the unfinished run in `out` (its options come from there). */
  resume?: boolean;
  /** Called with each round as soon as the hub closes it. */
  onRound?: (round: SimResults['rounds'][number]) => void;
  /** Called after every poll (about once a second) with where the run stands. */
  onTick?: (t: {
    done: number;
    total: number;
    doneAtStart: number;
    priorSec: number;
    detail: string;
  }) => void;
  /** Called with the results so far whenever they change (a round closed, scores or evals arrived). */
  onResults?: (results: SimResults) => void;
  onLog?: (line: string) => void;
}

const COMPARED: UnifyMethod[] = ['avg', 'max', 'absmax'];

/** The privacy part of a simulation's job spec. */
function privacySpec(o: SimulationOptions): Partial<JobSpecInput> {
  const out: Partial<JobSpecInput> = {};
  if (o.secureAggregation) {
    out.secureAggregation = true;
    // Only sum-based methods can be computed from a masked sum.
    out.compareMethods = [o.method];
  }
  if (o.dp) {
    out.dp = {
      mode: o.dp,
      clip: o.dpClip ?? 1,
      ...(o.targetEpsilon !== undefined
        ? { targetEpsilon: o.targetEpsilon }
        : { noiseMultiplier: o.dpNoise ?? 1 }),
    };
    if (o.dp === 'central') out.compareMethods = [o.method];
  }
  return out;
}

/** The job spec of a simulation. */
export function simulationJobSpec(opts: SimulationOptions): JobSpecInput {
  const o = { ...opts, env: partitionEnv(opts) };
  const multi = o.env === 'iid' || o.env === 'dirichlet';
  const server = o.serverOptimizer && o.serverOptimizer !== 'none' ? o.serverOptimizer : undefined;
  return {
    ...(o.maxByzantine !== undefined ? { maxByzantine: o.maxByzantine } : {}),
    ...(o.maxSamplesPerUpdate !== undefined ? { maxSamplesPerUpdate: o.maxSamplesPerUpdate } : {}),
    name: `simulate ${o.env} ${o.method}${server ? `+${server}` : ''} ×${o.participants}${o.attackers ? ` + ${o.attackers} attacking (${o.attack})` : ''}`,
    model: 'paper-cnn',
    method: o.method,
    compareMethods: [...new Set([o.method, ...(o.compare ?? COMPARED)])],
    rounds: o.rounds,
    localEpochs: o.localEpochs,
    ...(o.localSteps ? { localSteps: o.localSteps } : {}),
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    ...(o.lrSchedule === 'cosine' ? { learningRateSchedule: 'cosine' as const } : {}),
    optimizer: o.optimizer,
    minParticipants: o.participants + (o.attackers ?? 0),
    seed: o.seed,
    ...(server ? { serverOptimizer: server } : {}),
    ...(server && o.serverLearningRate !== undefined ? { serverLearningRate: o.serverLearningRate } : {}),
    ...(o.proximalMu ? { proximalMu: o.proximalMu } : {}),
    hubEvaluation: {
      data: 'fashion-mnist',
      partition: {
        env: o.env,
        seed: o.seed,
        ...(multi ? { owners: o.participants } : {}),
        ...(o.env === 'dirichlet' ? { alpha: o.alpha ?? 0.5 } : {}),
      },
      ...(o.hubTestLimit ? { limit: o.hubTestLimit } : {}),
      ...(o.evalEvery && o.evalEvery > 1 ? { every: o.evalEvery } : {}),
    },
    ...privacySpec(o),
  };
}

/** The `join` arguments of participant i. */
export function participantArgs(o: SimulationOptions, invite: string, i: number, stateDir: string): string[] {
  const env = partitionEnv(o);
  const multi = env === 'iid' || env === 'dirichlet';
  const attacker = o.attack !== undefined && i >= o.participants;
  return joinArgs({
    invite,
    env,
    ownerIndex: i % o.participants,
    seed: o.seed,
    owners: multi ? o.participants : undefined,
    alpha: o.env === 'dirichlet' ? (o.alpha ?? 0.5) : undefined,
    limit: o.limit || undefined,
    testLimit: o.testLimit || undefined,
    backend: o.backend,
    stateDir,
    ...(attacker ? { attack: o.attack } : {}),
  });
}

/** The V-environment with more than 2 participants is its generalisation: IID shares among K (partition.ts). */
export function partitionEnv(o: Pick<SimulationOptions, 'env' | 'participants'>): SimulationOptions['env'] {
  return o.env === 'V' && o.participants > 2 ? 'iid' : o.env;
}

/** Runs a whole simulation and writes nothing (see writeResults); cleans up on success, error and abort. */

/** The options a run is defined by (no callbacks). */
function storedOptions(o: SimulationOptions): StoredOptions {
  const { onRound: _r, onLog: _l, onTick: _t, onResults: _s, resume: _resume, ...rest } = o;
  return { ...rest, out: resolve(o.out) };
}

/**
 * Runs a whole simulation (or the rest of one, with `resume`); writes only its state folder (the
 * caller writes results). Cleans up processes on success, error and abort; removes the state
 * folder only when the job completed.
 */
export async function runSimulation(o: SimulationOptions, signal?: AbortSignal): Promise<SimResults> {
  if (o.env === 'H' && o.participants !== 2) {
    throw new Error(
      `The H-environment has exactly 2 owners; use --participants 2, or --env iid/dirichlet for more.`,
    );
  }
  const attackers = o.attackers ?? 0;
  if (attackers > 0 && !o.attack) throw new Error('--attackers needs --attack KIND (e.g. scale:1e6).');

  if (o.dp && o.targetEpsilon !== undefined && o.dpNoise !== undefined)
    throw new Error('Give --dp-noise or --target-epsilon, not both.');
  const spec = simulationJobSpec(o);
  const started = performance.now();
  const out = resolve(o.out);
  const paths = runPaths(out);
  const log = o.onLog ?? (() => undefined);
  let state: RunState;
  if (o.resume) {
    state = loadRunState(out);
    await endStaleParticipants(out, state);
  } else {
    if (hasRunState(out)) {
      throw new Error(
        `${out} holds an unfinished simulation (${paths.state}): continue it with --resume ${o.out}, or delete that folder to start over.`,
      );
    }
    state = {
      version: 1,
      options: storedOptions(o),
      jobId: null,
      hubPort: null,
      participants: [],
      priorSec: 0,
      startedAt: new Date().toISOString(),
    };
    saveRunState(out, state);
  }
  const priorSec = state.priorSec;
  const elapsed = () => priorSec + (performance.now() - started) / 1000;
  const save = () => saveRunState(out, { ...state, priorSec: elapsed() });
  let hub: Hub | null = null;
  let threads: OrderStatThreads | null = null;
  const children: ChildParticipant[] = [];
  let completed = false;
  try {
    // As `fedunify hub` runs: median and trimmed mean of large rounds on every core.
    threads = await startOrderStatThreadsOrWarn();
    hub = await startHub({
      dataDir: paths.hub,
      port: state.hubPort ?? 0,
      host: '127.0.0.1',
      logLevel: 'warn',
    }).catch((err: Error) => {
      if (state.hubPort === null || !/already in use/.test(err.message)) throw err;
      throw new Error(
        `The run's hub must listen on port ${state.hubPort} again (its participants' invites name it), but that port is in use; free it and --resume again.`,
      );
    });
    state.hubPort = Number(new URL(hub.url).port);
    save();
    log(`hub at ${hub.url} (certificate ${hub.fingerprint?.slice(0, 23)}…), data in ${paths.hub}`);
    const client = new HubClient(hub.url, hub.fingerprint);
    await client.login(hub.operator.username, operatorPassword(hub, paths.hub));
    const names = Array.from({ length: o.participants + attackers }, (_, i) =>
      i >= o.participants ? `A${i - o.participants + 1}` : `P${i + 1}`,
    );
    let job: JobRecord;
    if (state.jobId) {
      job = await client.job(state.jobId);
      log(`resuming job ${job.id} at round ${job.currentRound} of ${o.rounds} (${job.status})`);
    } else {
      job = await client.createJob(spec);
      state.jobId = job.id;
      save();
      log(`job ${job.id} created: ${o.rounds} rounds, method ${o.method}, ${o.participants} participants`);
      if (o.env === 'V' && o.participants !== 2)
        log(
          `the V-environment is an IID split: ${o.participants} participants get ${o.participants} IID shares`,
        );
    }
    for (const name of names.slice(state.participants.length)) {
      const { invite } = await client.createInvite(name, job.id);
      state.participants.push({ name, invite, pid: null });
      save();
    }
    if (job.status === 'waiting' || job.status === 'running') {
      for (const [i, p] of state.participants.entries()) {
        const logPath = join(out, `participant-${i + 1}.log`);
        const args = participantArgs(o, p.invite, i, paths.participant(p.name));
        children.push(spawnParticipant(p.name, args, logPath, { FEDUNIFY_EXIT_WITH_PARENT: '1' }));
        p.pid = children[i].proc.pid ?? null;
        log(`${p.name} started (pid ${p.pid}), log ${logPath}`);
      }
      save();
    }
    const build = async (records: RoundRecord[]): Promise<SimResults> => {
      const parts = await client.participants(job.id);
      const backends = [...new Set(parts.map((p) => p.backend?.backend).filter((b): b is string => !!b))];
      return {
        env: o.env,
        method: o.method,
        participants: o.participants,
        seed: o.seed,
        limit: o.limit ?? null,
        rounds: records.map((r) => withPrivacy(roundFromRecord(r, names), spec)),
        config: {
          ...spec,
          secureAggregation: spec.secureAggregation ?? false,
          attackers,
          attack: attackers > 0 ? (o.attack ?? null) : null,
          testLimit: o.testLimit ?? null,
          hubTestLimit: o.hubTestLimit ?? null,
        },
        backend: backends.join(', ') || o.backend,
        durationSec: elapsed(),
      };
    };
    const records = await watchJob(client, job.id, children, names, o, priorSec, build, save, signal);
    const results = await build(records);
    o.onResults?.(results);
    completed = true;
    return results;
  } catch (err) {
    if (!completed)
      log(`the run stopped; its state is in ${paths.state}: continue it with --resume ${o.out}`);
    throw err;
  } finally {
    await killAll(children);
    await hub?.close();
    await threads?.close();
    if (completed) clearRunState(out);
    else if (hub) save();
  }
}

/** The operator password: reported by a fresh hub, else in its operator.json (a resumed run). */
function operatorPassword(hub: Hub, dataDir: string): string {
  if (hub.operator.password) return hub.operator.password;
  try {
    return (JSON.parse(readFileSync(join(dataDir, 'operator.json'), 'utf8')) as OperatorFile).password;
  } catch (err) {
    throw new Error(
      `The simulation's hub in ${dataDir} has no readable operator.json (${(err as Error).message}); the run cannot be resumed.`,
    );
  }
}

async function watchJob(
  client: HubClient,
  jobId: string,
  children: ChildParticipant[],
  names: string[],
  o: SimulationOptions,
  priorSec: number,
  build: (records: RoundRecord[]) => Promise<SimResults>,
  save: () => void,
  signal?: AbortSignal,
): Promise<RoundRecord[]> {
  let reported = -1;
  let doneAtStart = 0;
  let dead = 0;
  let lastSnapshot = '';
  for (const c of children) void c.exited.then(() => dead++);
  for (;;) {
    if (signal?.aborted) throw new Error('Simulation interrupted.');
    const job = await client.job(jobId);
    const all = await client.rounds(jobId);
    const rounds = all.filter((r) => r.completedAt);
    if (reported < 0) reported = doneAtStart = rounds.length;
    for (const r of rounds.slice(reported)) o.onRound?.(roundFromRecord(r, names));
    reported = Math.max(reported, rounds.length);
    const snapshot = JSON.stringify(rounds);
    if (snapshot !== lastSnapshot) {
      lastSnapshot = snapshot;
      o.onResults?.(await build(rounds));
      save();
    }
    o.onTick?.({ done: rounds.length, total: o.rounds, doneAtStart, priorSec, detail: job.statusDetail });
    if (job.status === 'completed') {
      // Let the participants' evaluations of the last unified model arrive.
      await Promise.race([Promise.all(children.map((c) => c.exited)), delay(10_000)]);
      return (await client.rounds(jobId)).filter((r) => r.completedAt);
    }
    if (job.status === 'aborted' || job.status === 'failed') {
      throw new Error(`The job ${job.status}: ${job.statusDetail}`);
    }
    if (children.length > 0 && dead === children.length) {
      const tails = children.map((c) => `--- ${c.name} (${c.logPath}) ---\n${logTail(c.logPath)}`).join('\n');
      throw new Error(
        `Every participant exited before the job completed (hub: ${job.statusDetail}).\n${tails}`,
      );
    }
    await delay(1000);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
