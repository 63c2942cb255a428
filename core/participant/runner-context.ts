/**
 * What a round runner needs from its engine (state, outbound log, runtime, connection, identity),
 * and the status reporting built on it. Its own module so that the runner's phases (secure
 * aggregation, upload, evaluation) take these dependencies explicitly instead of the runner itself.
 */
import type { UpdateClaim, IdentityKeyPair } from '../crypto/identity.ts';
import type { ParticipantStatus } from '../wire/protocol.ts';
import type { Attack } from './attack.ts';
import type { OutboundLog } from './outbound-log.ts';
import type { StateStore } from './state.ts';
import type { FederationConnection, ParticipantRuntime } from './types.ts';

/** The engine's side of a round runner: its state, logs, runtime, connection and identity. */
export interface RunnerContext {
  store: StateStore;
  outbound: OutboundLog;
  runtime: ParticipantRuntime;
  /** The live connection, or null while there is none. */
  connection(): FederationConnection | null;
  /** Resolves once connected (again); rejects when the signal aborts. */
  waitConnected(signal: AbortSignal): Promise<void>;
  ackTimeoutMs: number;
  maxAttempts: number;
  /** Signs (job, round, SHA-256 of the weights, samples) with the identity key; base64. */
  signUpdate: (claim: UpdateClaim) => string;
  /** The enrollment identity (the key the hub bound the invite to): signs secure-aggregation keys. */
  identity: () => IdentityKeyPair;
  /** Research only: how this participant corrupts its updates (null: honest). */
  attack?: Attack | null;
}

/** How often (at most) training progress goes to the hub as a participant:status. */
export const STATUS_EVERY_MS = 1000;

/** Sends a participant:status when connected (fire-and-forget) and records it in the outbound log. */
export function reportStatus(
  ctx: Pick<RunnerContext, 'connection' | 'outbound'>,
  s: ParticipantStatus,
): void {
  const conn = ctx.connection();
  if (!conn?.connected) return;
  conn.notify(s);
  ctx.outbound.record(s.round ?? 0, 'participant:status', s, 'auto');
}
