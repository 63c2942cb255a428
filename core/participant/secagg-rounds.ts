/**
 * The secure-aggregation client phases of one job's rounds: starts a round's key phase (refusing
 * identity keys it cannot trust), shows the announced identity roster when it changes, and runs
 * the hub's secagg pushes outside the training queue. The pushes arrive already checked against
 * their schemas (hub-pushes.ts). Split from the round runner so the runner only orchestrates;
 * SecAggClient (secagg-client.ts) holds one round's cryptography.
 */
import type { IdentityKeyPair } from '../crypto/identity.ts';
import type { WeightManifest } from '../model/spec.ts';
import type { RoundStart } from '../wire/protocol.ts';
import type {
  SecAggInbox,
  SecAggNeighbours,
  SecAggRevealRequest,
  SecAggSurvivors,
} from '../wire/secagg-protocol.ts';
import { errorText, isAbort } from './error-text.ts';
import { SecAggClient, describeIdentities, type IdentityPins, type SecAggSend } from './secagg-client.ts';
import type { StateStore } from './state.ts';

/** What the secure-aggregation phases need from the runner. */
export interface SecAggRoundsDeps {
  store: StateStore;
  jobId: string;
  /** The model's weights (their count sizes the masked vector). */
  manifest: WeightManifest;
  /** The enrollment identity (signs the round's keys). */
  identity: () => IdentityKeyPair;
  /** Aborts when the runner stops: failures after that are not reported. */
  stopped: AbortSignal;
}

/** The secure-aggregation state of one job: the current round's client and the pinned identity keys. */
export class SecAggRounds {
  /** The secure-aggregation state of the current round (when the job uses it). */
  private client: SecAggClient | null = null;
  /** Identity keys the hub announced in earlier secure-aggregation rounds of this job. */
  private readonly identityPins: IdentityPins = new Map();
  /** The roster last shown to the user (logged again only when it changes). */
  private shownRoster = '';

  constructor(private readonly deps: SecAggRoundsDeps) {}

  /** The client of `round`, or null when that round has none (not started, refused, superseded). */
  clientOf(round: number): SecAggClient | null {
    return this.client?.round === round ? this.client : null;
  }

  /**
   * Starts the key phase of a secure-aggregation round at once; false (logged) when the round is
   * refused: identity keys this participant cannot trust.
   */
  start(msg: RoundStart, send: SecAggSend): boolean {
    const { store, jobId } = this.deps;
    // The push was checked against its schema on arrival (hub-pushes.ts).
    const params = msg.secagg;
    if (!params) return false;
    const n = this.deps.manifest.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0) + 1;
    let client: SecAggClient;
    try {
      client = new SecAggClient(jobId, msg.round, params, n, send, this.deps.identity(), this.identityPins);
    } catch (err) {
      store.log(
        'error',
        `Round ${msg.round}: secure aggregation refused: ${errorText(err).replace(/[.\s]*$/, '.')} This participant sends nothing this round.`,
        jobId,
      );
      return false;
    }
    this.client = client;
    const roster = describeIdentities(params);
    if (roster.join('\n') !== this.shownRoster) {
      this.shownRoster = roster.join('\n');
      store.log(
        'info',
        `Secure aggregation: the hub announced these enrolled identity keys (compare them with each organization's own fingerprint out of band): ${roster.join('; ')}.`,
        jobId,
      );
    }
    store.log(
      'info',
      `Round ${msg.round}: secure aggregation with ${msg.secagg!.participants.length} participants (threshold ${msg.secagg!.threshold}); the hub will see only the masked update.`,
      jobId,
    );
    this.step(msg.round, () => client.start());
    return true;
  }

  /** secagg:neighbours */
  onNeighbours(msg: SecAggNeighbours): void {
    if (msg.jobId === this.deps.jobId) this.step(msg.round, (c) => c.onNeighbours(msg));
  }

  /** secagg:inbox */
  onInbox(msg: SecAggInbox): void {
    if (msg.jobId === this.deps.jobId) this.step(msg.round, (c) => c.onInbox(msg));
  }

  /** secagg:survivors */
  onSurvivors(msg: SecAggSurvivors): void {
    if (msg.jobId === this.deps.jobId) this.step(msg.round, (c) => c.onSurvivors(msg));
  }

  /** secagg:reveal */
  onReveal(msg: SecAggRevealRequest): void {
    if (msg.jobId === this.deps.jobId) this.step(msg.round, (c) => c.onReveal(msg));
  }

  /** Runs one secure-aggregation step for `round` outside the training queue; failures are logged. */
  private step(round: number, step: (c: SecAggClient) => Promise<void> | void): void {
    const client = this.client;
    if (!client || client.round !== round) return;
    void (async () => {
      try {
        await step(client);
      } catch (err) {
        client.abandon(err);
        if (this.deps.stopped.aborted || isAbort(err)) return;
        this.deps.store.log(
          'error',
          `Round ${round}: secure aggregation: ${errorText(err)}`,
          this.deps.jobId,
        );
      }
    })();
  }
}
