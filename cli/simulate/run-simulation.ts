/**
 * The paper's experiment on one machine: a real hub (in-process, TLS on loopback) and K real
 * participants (child processes running `fedunify join` on their share of Fashion-MNIST). The hub
 * evaluates every compared method on the same updates each round, as in the paper's Tables 3/4.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startHub, type Hub } from '../../hub/index.ts';
import type { JobSpecInput } from '../../core/wire/job-spec.ts';
import type { UnifyMethod } from '../../core/unify/types.ts';
import type { RoundRecord } from '../../core/wire/protocol.ts';
import { joinArgs, killAll, logTail, spawnParticipant, type ChildParticipant } from './children.ts';
import { HubClient } from './hub-client.ts';
import { roundFromRecord, type SimResults, type SimRound } from './results.ts';
import { roundPrivacy } from '../../core/privacy/round-privacy.ts';
import { dpSpecSchema } from '../../core/wire/privacy-spec.ts';

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
  optimizer: 'adam' | 'sgd';
  /** Training samples per participant. */
  limit?: number;
  testLimit?: number;
  hubTestLimit?: number;
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
  /** Called with each round as soon as the hub closes it. */
  onRound?: (round: SimResults['rounds'][number]) => void;
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
export function simulationJobSpec(o: SimulationOptions): JobSpecInput {
  const env = partitionEnv(o);
  const multi = env === 'iid' || env === 'dirichlet';
  return {
    ...(o.maxByzantine !== undefined ? { maxByzantine: o.maxByzantine } : {}),
    ...(o.maxSamplesPerUpdate !== undefined ? { maxSamplesPerUpdate: o.maxSamplesPerUpdate } : {}),
    name: `simulate ${o.env} ${o.method} ×${o.participants}${o.attackers ? ` + ${o.attackers} attacking (${o.attack})` : ''}`,
    model: 'paper-cnn',
    method: o.method,
    compareMethods: [...new Set([o.method, ...(o.compare ?? COMPARED)])],
    rounds: o.rounds,
    localEpochs: o.localEpochs,
    ...(o.localSteps ? { localSteps: o.localSteps } : {}),
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    optimizer: o.optimizer,
    minParticipants: o.participants + (o.attackers ?? 0),
    seed: o.seed,
    hubEvaluation: {
      data: 'fashion-mnist',
      partition: {
        env,
        seed: o.seed,
        ...(multi ? { owners: o.participants } : {}),
        ...(o.env === 'dirichlet' ? { alpha: o.alpha ?? 0.5 } : {}),
      },
      ...(o.hubTestLimit ? { limit: o.hubTestLimit } : {}),
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
  const started = performance.now();
  const spec = simulationJobSpec(o);
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'fedunify-sim-'));
  const log = o.onLog ?? (() => undefined);
  let hub: Hub | null = null;
  const children: ChildParticipant[] = [];
  try {
    hub = await startHub({ dataDir: join(work, 'hub'), port: 0, host: '127.0.0.1', logLevel: 'warn' });
    log(`hub at ${hub.url} (certificate ${hub.fingerprint?.slice(0, 23)}…)`);
    const client = new HubClient(hub.url, hub.fingerprint);
    if (!hub.operator.password) throw new Error('The fresh hub did not report its operator password.');
    await client.login(hub.operator.username, hub.operator.password);
    const job = await client.createJob(spec);
    log(`job ${job.id} created: ${o.rounds} rounds, method ${o.method}, ${o.participants} participants`);
    if (o.env === 'V' && o.participants !== 2)
      log(
        `the V-environment is an IID split: ${o.participants} participants get ${o.participants} IID shares`,
      );
    const names = Array.from({ length: o.participants + attackers }, (_, i) =>
      i >= o.participants ? `A${i - o.participants + 1}` : `P${i + 1}`,
    );
    for (const [i, name] of names.entries()) {
      const { invite } = await client.createInvite(name, job.id);
      const logPath = join(out, `participant-${i + 1}.log`);
      children.push(spawnParticipant(name, participantArgs(o, invite, i, join(work, name)), logPath));
      log(`${name} started (pid ${children[i].proc.pid}), log ${logPath}`);
    }
    const records = await watchJob(client, job.id, children, names, o, signal);
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
      durationSec: (performance.now() - started) / 1000,
    };
  } finally {
    await killAll(children);
    await hub?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

async function watchJob(
  client: HubClient,
  jobId: string,
  children: ChildParticipant[],
  names: string[],
  o: SimulationOptions,
  signal?: AbortSignal,
): Promise<RoundRecord[]> {
  let reported = 0;
  let dead = 0;
  for (const c of children) void c.exited.then(() => dead++);
  for (;;) {
    if (signal?.aborted) throw new Error('Simulation interrupted.');
    const job = await client.job(jobId);
    const rounds = (await client.rounds(jobId)).filter((r) => r.completedAt);
    for (const r of rounds.slice(reported)) o.onRound?.(roundFromRecord(r, names));
    reported = Math.max(reported, rounds.length);
    if (job.status === 'completed') {
      // Let the participants' evaluations of the last unified model arrive.
      await Promise.race([Promise.all(children.map((c) => c.exited)), delay(10_000)]);
      return (await client.rounds(jobId)).filter((r) => r.completedAt);
    }
    if (job.status === 'aborted' || job.status === 'failed') {
      throw new Error(`The job ${job.status}: ${job.statusDetail}`);
    }
    if (dead === children.length) {
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
