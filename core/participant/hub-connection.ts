/**
 * The participant engine's connection lifecycle, apart from the engine's job logic: building the
 * pinned, identity-proving connection to an invite's hub, the backoff between reconnect attempts,
 * and the sends waiting for the connection to come back. connection.ts holds the policy (delays,
 * words, fatal errors); this module holds the state that applies it.
 */
import { signChallenge } from '../crypto/identity.ts';
import type { Invite } from '../wire/invite.ts';
import { PROTOCOL_VERSION } from '../wire/protocol.ts';
import { backoffDelay, retryMessage, type BackoffOptions } from './connection.ts';
import type { StoredIdentity } from './identity-store.ts';
import type { StateStore } from './state.ts';
import type { FederationConnection, TransportFactory } from './types.ts';

/** Builds (without opening) the connection to an invite's hub, authenticated with the identity key. */
export function connectToHub(
  factory: TransportFactory,
  invite: Invite,
  instanceId: string,
  identity: StoredIdentity,
): FederationConnection {
  return factory({
    url: invite.hub,
    fingerprint: invite.fingerprint,
    auth: {
      token: invite.token,
      protocolVersion: PROTOCOL_VERSION,
      instanceId,
      publicKey: Buffer.from(identity.publicKey).toString('base64'),
    },
    // The signature binds the certificate this participant pinned, so it is worthless to any other hub.
    prove: (c) =>
      Buffer.from(
        signChallenge(identity.privateKeyPem, {
          hubFingerprint: invite.fingerprint ?? '',
          inviteId: c.inviteId,
          nonce: c.nonce,
          issuedAt: c.issuedAt,
        }),
      ).toString('base64'),
  });
}

/** Reconnect attempts with backoff: at most one pending at a time, reset once connected. */
export class Reconnector {
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly store: StateStore,
    private readonly backoff: BackoffOptions | undefined,
  ) {}

  /** Connected: the next drop starts again from the shortest delay. */
  reset(): void {
    this.attempt = 0;
  }

  /** Cancels the pending attempt, if any. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Tells the user why and when, then calls `reopen` after the backoff delay (unless one is already pending). */
  schedule(reason: string, jobId: string | undefined, reopen: () => void): void {
    if (this.timer) return;
    const delay = backoffDelay(this.attempt++, this.backoff);
    const detail = retryMessage(reason, delay);
    this.store.update({ connection: 'reconnecting', connectionDetail: detail });
    this.store.log('warn', detail, jobId);
    this.timer = setTimeout(() => {
      this.timer = null;
      reopen();
    }, delay);
  }
}

/** Sends waiting for the connection to come (back) up. */
export class ConnectWaiters {
  private waiters: (() => void)[] = [];

  /** Resolves at once when `connected`, else at the next release(); rejects when the signal aborts. */
  wait(connected: boolean, signal: AbortSignal): Promise<void> {
    if (connected) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push(resolve);
      signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), {
        once: true,
      });
    });
  }

  /** The connection is up: every waiting send goes on. */
  release(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
