/**
 * One secure-aggregation round at the hub, over the federation sockets: takes each phase's
 * submissions (secagg:keys, :shares, :masked, :consistency, :unmask), closes a phase when every
 * expected participant answered or its timer ran out, and pushes the next phase's input. The hub
 * holds only the masked inputs' running sum (SecAggServer); the audit gets their hashes.
 */
import { randomBytes } from 'node:crypto';
import {
  decodeFixedPointSum,
  fixedPointParams,
  type FixedPointParams,
} from '../../core/privacy/fixed-point.ts';
import { verifyBytes } from '../../core/crypto/identity.ts';
import { defaultDegree } from '../../core/privacy/secagg-graph.ts';
import { SecAggServer } from '../../core/privacy/secagg-server.ts';
import {
  SecAggFailure,
  identityRosterDigest,
  type SecAggRoundConfig,
} from '../../core/privacy/secagg-types.ts';
import type { Ack, FederationServerEvents } from '../../core/wire/protocol.ts';
import type {
  SecAggConsistency,
  SecAggKeys,
  SecAggMasked,
  SecAggRound,
  SecAggShares,
  SecAggUnmask,
} from '../../core/wire/secagg-protocol.ts';

/** Element clip range of the fixed-point encoding of update deltas (documented in docs/privacy.md). */
export const SECAGG_CLIP_RANGE = 4;

type Push = 'secagg:neighbours' | 'secagg:inbox' | 'secagg:survivors' | 'secagg:reveal';

/** What a session needs from the round runner. */
export interface SessionDeps {
  jobId: string;
  round: number;
  send<E extends Push>(participantId: string, event: E, msg: Parameters<FederationServerEvents[E]>[0]): void;
  audit(participantId: string, action: string, details: Record<string, unknown>): void;
  log(level: 'info' | 'warn', message: string): void;
  /** A phase before the input phase failed (fewer than t left): the round cannot finish. */
  onFailure(reason: string): void;
  phaseTimeoutMs: number;
}

/** The unmasked result: Σ w·δ and Σ w over the survivors. */
export interface SessionResult {
  weightedSum: Float64Array;
  weightSum: number;
  survivors: string[];
  dropped: string[];
}

/** A refused submission. */
type Refusal = Extract<Ack, { ok: false }>;

type Phase = 'keys' | 'shares' | 'input' | 'consistency' | 'reveal' | 'done' | 'failed';

/** The hub's side of one SecAgg+ round. */
export class SecAggSession {
  private readonly params: Omit<SecAggRound, 'self'>;
  readonly fixed: FixedPointParams;
  private readonly server: SecAggServer;
  /** The identity keys bound at enrollment: the only keys adverts and survivor lists verify under. */
  private readonly identity = new Map<string, Uint8Array>();
  private phase: Phase = 'keys';
  private readonly answered = new Set<string>();
  private expected: Set<string>;
  /** The round's participants as a set (round:start asks per participant). */
  private readonly members: Set<string>;
  private timer: NodeJS.Timeout | null = null;
  private waiter: (() => void) | null = null;
  /** U2: who may still send a masked input (and was sent its inbox). */
  private sharers = new Set<string>();
  /** The inbox pushed to each participant, kept to push again after a reconnect. */
  private readonly inboxes = new Map<string, Parameters<FederationServerEvents['secagg:inbox']>[0]>();

  constructor(
    private readonly deps: SessionDeps,
    opts: {
      participants: string[];
      threshold: number;
      vectorLength: number;
      maxWeight: number;
      weighted: boolean;
      dpClip: number | null;
      noiseStd: number;
      /** Each participant's enrolled Ed25519 public key (the invite's binding) and name. */
      identities: Map<string, { name: string; publicKey: Uint8Array }>;
    },
  ) {
    const participants = [...opts.participants].sort();
    const identityKeys = participants.map((id) => {
      const who = opts.identities.get(id);
      if (!who)
        throw new Error(
          `participant ${id} has no enrolled identity key: it cannot take part in secure aggregation`,
        );
      this.identity.set(id, who.publicKey);
      return { id, name: who.name, publicKey: who.publicKey };
    });
    const config: SecAggRoundConfig = {
      roundId: `${deps.jobId}/${deps.round}`,
      participants,
      degree: defaultDegree(participants.length),
      threshold: opts.threshold,
      graphSeed: new Uint8Array(randomBytes(32)),
      vectorLength: opts.vectorLength,
      rosterDigest: identityRosterDigest(identityKeys),
    };
    this.fixed = fixedPointParams({
      clipRange: SECAGG_CLIP_RANGE,
      maxWeight: opts.maxWeight,
      maxParticipants: participants.length,
    });
    this.server = new SecAggServer(config, (id, bytes, sig) => {
      const key = this.identity.get(id);
      return key !== undefined && verifyBytes(key, bytes, sig);
    });
    this.params = {
      roundId: config.roundId,
      participants,
      degree: config.degree,
      threshold: config.threshold,
      graphSeed: config.graphSeed,
      clipRange: SECAGG_CLIP_RANGE,
      maxWeight: opts.maxWeight,
      weighted: opts.weighted,
      dpClip: opts.dpClip,
      noiseStd: opts.noiseStd,
      identityKeys,
    };
    this.expected = new Set(participants);
    this.members = new Set(participants);
    this.arm();
  }

  /** The round's parameters as participant `id` gets them in round:start. */
  paramsFor(id: string): SecAggRound {
    return { ...this.params, self: id };
  }

  /** t: the fewest masked inputs the round can close with. */
  get threshold(): number {
    return this.params.threshold;
  }

  /** Whether `id` is one of the round's participants. */
  includes(id: string): boolean {
    return this.members.has(id);
  }

  /** Whether masked inputs are being taken (the round's training phase). */
  get takingInputs(): boolean {
    return this.phase === 'input';
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.answered.clear();
    this.timer = setTimeout(() => this.advance(true), this.deps.phaseTimeoutMs);
  }

  /** Stops timers (round closed, job ended). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.waiter?.();
  }

  /** A participant left: the open phase stops waiting for it. */
  left(participantId: string): void {
    if (!this.expected.delete(participantId)) return;
    // Keeps answered ⊆ expected, so "everyone answered" is a size comparison, not a scan per answer.
    this.answered.delete(participantId);
    this.maybeAdvance();
  }

  /**
   * A participant of U2 reconnected while masked inputs are still taken (a dropped connection
   * during local training): it takes its seat again and gets its inbox once more, since a push to
   * its old socket may have been lost. False when it can no longer take part.
   */
  rejoin(participantId: string): boolean {
    if (this.phase !== 'input' || !this.sharers.has(participantId) || this.answered.has(participantId))
      return false;
    this.expected.add(participantId);
    const inbox = this.inboxes.get(participantId);
    if (inbox) this.deps.send(participantId, 'secagg:inbox', inbox);
    return true;
  }

  private maybeAdvance(): void {
    if (this.phase === 'input' || this.phase === 'done' || this.phase === 'failed') return;
    if (this.answered.size === this.expected.size) this.advance(false);
  }

  private fail(reason: string): void {
    this.phase = 'failed';
    this.dispose();
    this.deps.log('warn', `round ${this.deps.round}: secure aggregation failed: ${reason}`);
    this.deps.onFailure(reason);
  }

  /** Closes the open phase and pushes the next one's input. */
  private advance(timedOut: boolean): void {
    if (timedOut && this.phase !== 'input') {
      const missing = [...this.expected].filter((id) => !this.answered.has(id));
      if (missing.length > 0)
        this.deps.log(
          'warn',
          `round ${this.deps.round}: secure-aggregation ${this.phase} phase timed out without ${missing.join(', ')}`,
        );
    }
    try {
      if (this.phase === 'keys') {
        const u1 = this.server.closeAdverts();
        for (const id of u1)
          this.deps.send(id, 'secagg:neighbours', {
            jobId: this.deps.jobId,
            round: this.deps.round,
            adverts: this.server.advertsFor(id),
          });
        this.phase = 'shares';
        this.expected = new Set(u1);
        this.arm();
      } else if (this.phase === 'shares') {
        const u2 = this.server.closeShares();
        this.sharers = new Set(u2);
        for (const id of u2) {
          const inbox = {
            jobId: this.deps.jobId,
            round: this.deps.round,
            shares: this.server.sharesFor(id).map((s) => ({ from: s.from, sealed: s.sealed })),
          };
          this.inboxes.set(id, inbox);
          this.deps.send(id, 'secagg:inbox', inbox);
        }
        this.phase = 'input';
        if (this.timer) clearTimeout(this.timer);
        this.answered.clear();
        this.expected = new Set(u2);
      } else if (this.phase === 'consistency' || this.phase === 'reveal') {
        if (this.timer) clearTimeout(this.timer);
        this.waiter?.();
      }
    } catch (err) {
      if (err instanceof SecAggFailure) this.fail(err.message);
      else throw err;
    }
  }

  private check(pid: string, phase: Phase): Refusal | null {
    if (this.phase !== phase)
      return {
        ok: false,
        code: 'wrong-round',
        error: `Secure aggregation is in its ${this.phase} phase, not ${phase}.`,
      };
    if (!this.expected.has(pid))
      return {
        ok: false,
        code: 'bad-request',
        error: `This participant takes no part in the ${phase} phase of this round.`,
      };
    if (this.answered.has(pid))
      return { ok: false, code: 'conflict', error: `Already received for the ${phase} phase.` };
    return null;
  }

  private accept(pid: string, fn: () => void): Ack {
    try {
      fn();
    } catch (err) {
      return { ok: false, code: 'bad-request', error: (err as Error).message };
    }
    this.answered.add(pid);
    this.maybeAdvance();
    return { ok: true };
  }

  /** secagg:keys */
  keys(pid: string, m: SecAggKeys): Ack {
    const refused = this.check(pid, 'keys');
    if (refused) return refused;
    return this.accept(pid, () =>
      this.server.receiveAdvert({
        id: pid,
        cPublicKey: m.cPublicKey,
        sPublicKey: m.sPublicKey,
        bCommitment: m.bCommitment,
        signature: m.signature,
      }),
    );
  }

  /** secagg:shares */
  shares(pid: string, m: SecAggShares): Ack {
    const refused = this.check(pid, 'shares');
    if (refused) return refused;
    return this.accept(pid, () =>
      this.server.receiveShares(
        pid,
        m.shares.map((s) => ({ from: pid, to: s.to, sealed: s.sealed })),
      ),
    );
  }

  /** secagg:masked: folds the masked input into the sum; returns its size and hash for the audit. */
  masked(pid: string, m: SecAggMasked): Ack<{ bytes: number; sha256: string }> {
    const refused = this.check(pid, 'input');
    if (refused) return refused;
    const bytes = m.masked;
    const words = new Uint32Array(bytes.length / 4);
    new Uint8Array(words.buffer).set(bytes);
    let sha256 = '';
    const ack = this.accept(pid, () => {
      sha256 = this.server.receiveMasked({ id: pid, masked: words });
    });
    if (!ack.ok) return ack;
    this.deps.audit(pid, 'masked-update', { round: this.deps.round, bytes: bytes.length, sha256 });
    return { ok: true, bytes: bytes.length, sha256 };
  }

  /** secagg:consistency */
  consistency(pid: string, m: SecAggConsistency): Ack {
    const refused = this.check(pid, 'consistency');
    if (refused) return refused;
    return this.accept(pid, () => this.server.receiveSurvivorSignature({ id: pid, signature: m.signature }));
  }

  /** secagg:unmask */
  unmask(pid: string, m: SecAggUnmask): Ack {
    const refused = this.check(pid, 'reveal');
    if (refused) return refused;
    return this.accept(pid, () =>
      this.server.receiveUnmask({ id: pid, bShares: m.bShares, sShares: m.sShares }),
    );
  }

  private waitPhase(phase: Phase, expected: string[]): Promise<void> {
    this.phase = phase;
    this.expected = new Set(expected);
    this.arm();
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** Closes the input phase and runs consistency and unmasking; throws SecAggFailure below t. */
  async finish(): Promise<SessionResult> {
    if (this.phase !== 'input') throw new SecAggFailure(`the round is in its ${this.phase} phase, not input`);
    const survivors = this.server.closeMasked();
    const live = survivors.filter((id) => this.expected.has(id));
    const done = this.waitPhase('consistency', live);
    for (const id of live)
      this.deps.send(id, 'secagg:survivors', { jobId: this.deps.jobId, round: this.deps.round, survivors });
    await done;
    const request = this.server.unmaskRequest();
    const signers = request.signatures.map((s) => s.id);
    const revealed = this.waitPhase('reveal', signers);
    for (const id of signers)
      this.deps.send(id, 'secagg:reveal', {
        jobId: this.deps.jobId,
        round: this.deps.round,
        survivors: request.survivors,
        dropped: request.dropped,
        signatures: request.signatures,
      });
    await revealed;
    const result = await this.server.finish();
    this.phase = 'done';
    this.dispose();
    const { weightedSum, weightSum } = decodeFixedPointSum(result.sum, result.survivors.length, this.fixed);
    return { weightedSum, weightSum, survivors: result.survivors, dropped: result.dropped };
  }
}
