/**
 * The real transport: socket.io over WebSocket only, the hub's certificate pinned by the
 * fingerprint from the invite (never `rejectUnauthorized: false`). socket.io's own reconnection is
 * off: the engine reconnects with its own backoff so it can say when the next attempt comes.
 */
import { PARTICIPANT_MAX_ATTACHMENTS, socketParser } from '../net/socket-parser.ts';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { pinnedTlsOptions, type PinnedTlsOptions } from '../net/pinned-tls.ts';
import {
  FEDERATION_NAMESPACE,
  authChallengeSchema,
  type Ack,
  type AuthChallenge,
  type FederationClientEvents,
  type FederationServerEvents,
  type ParticipantAuth,
  type ParticipantStatus,
} from '../wire/protocol.ts';
import type { AckedEvent, ClientPayload, FederationConnection, TransportFactory } from './types.ts';

type FederationSocket = Socket<FederationServerEvents, FederationClientEvents>;
type Handler = (...args: unknown[]) => void;

/** A socket transport; `onOutgoing` sees every frame the socket sends (audits and tests). */
export function createSocketTransport(
  hooks: { onOutgoing?: (event: string, args: unknown[]) => void } = {},
): TransportFactory {
  return (opts) => new SocketConnection(opts, hooks.onOutgoing);
}

/** Connects to a hub's /federation namespace over pinned TLS WebSocket. */
export const socketTransport: TransportFactory = createSocketTransport();

class SocketConnection implements FederationConnection {
  private socket: FederationSocket | null = null;
  private readonly handlers: [string, Handler][] = [];
  private connectError: ((err: { message: string; code?: string }) => void) | null = null;
  private closed = false;
  private opening = false;
  /** The signed answer to the hub's last challenge, sent with the next connect attempt only. */
  private proof: { nonce: string; issuedAt: number; signature: string } | null = null;
  /** Challenges answered since the last successful connect (a hub that keeps asking is broken). */
  private challenges = 0;

  constructor(
    private readonly opts: {
      url: string;
      fingerprint: string | null;
      auth: ParticipantAuth;
      maxBytes?: number;
      prove?: (challenge: AuthChallenge) => string;
    },
    private readonly onOutgoing?: (event: string, args: unknown[]) => void,
  ) {}

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  on<E extends keyof FederationServerEvents>(event: E, handler: FederationServerEvents[E]): void {
    // The handler's type comes from the same event map; socket.io's generic `on` cannot be indexed by E.
    this.handlers.push([event, handler as Handler]);
  }

  onConnect(handler: () => void): void {
    this.handlers.push([
      'connect',
      () => {
        this.challenges = 0;
        handler();
      },
    ]);
  }

  onDisconnect(handler: (reason: string, byServer: boolean) => void): void {
    this.handlers.push([
      'disconnect',
      (reason) => handler(String(reason), reason === 'io server disconnect'),
    ]);
  }

  onConnectError(handler: (err: { message: string; code?: string }) => void): void {
    this.connectError = handler;
    this.handlers.push([
      'connect_error',
      (err) => {
        const e = err as Error & { data?: { code?: unknown; challenge?: unknown } };
        if (e.data?.code === 'auth-challenge' && this.answer(e.data.challenge)) return;
        handler({ message: e.message, code: typeof e.data?.code === 'string' ? e.data.code : undefined });
      },
    ]);
  }

  async request<E extends AckedEvent>(
    event: E,
    msg: ClientPayload<E>,
    timeoutMs: number,
  ): Promise<Ack<object>> {
    if (!this.socket) throw new Error('not connected');
    // The typed emitWithAck cannot take a generic event key; payload and answer types come from the same map.
    const timed = this.socket.timeout(timeoutMs) as unknown as {
      emitWithAck(e: string, m: unknown): Promise<Ack<object>>;
    };
    return await timed.emitWithAck(event, msg);
  }

  notify(msg: ParticipantStatus): void {
    this.socket?.emit('participant:status', msg);
  }

  open(): void {
    if (this.socket) {
      // The socket keeps the TLS options of its first connection: check the pin again before
      // reconnecting, so a hub whose certificate changed is named, not retried as "unreachable".
      const socket = this.socket;
      void this.checkPin().then((err) => {
        if (this.closed) return;
        if (err) this.connectError?.(err);
        else socket.connect();
      });
      return;
    }
    if (this.opening) return;
    this.opening = true;
    void this.create()
      .catch((err: unknown) => this.connectError?.(pinError(err)))
      .finally(() => (this.opening = false));
  }

  /** Signs the hub's challenge and connects again at once; false when it cannot (the engine then hears the error). */
  private answer(raw: unknown): boolean {
    const challenge = authChallengeSchema.safeParse(raw);
    if (!challenge.success || !this.opts.prove || !this.socket || this.challenges >= 3) return false;
    this.challenges++;
    this.proof = {
      nonce: challenge.data.nonce,
      issuedAt: challenge.data.issuedAt,
      signature: this.opts.prove(challenge.data),
    };
    this.socket.connect();
    return true;
  }

  /** The handshake auth of one attempt: the proof travels once. */
  private authFor(): ParticipantAuth {
    const proof = this.proof;
    this.proof = null;
    return proof ? { ...this.opts.auth, proof } : this.opts.auth;
  }

  close(): void {
    this.closed = true;
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
  }

  private async checkPin(): Promise<{ message: string; code?: string } | null> {
    const { url, fingerprint } = this.opts;
    if (!fingerprint) return null;
    try {
      await pinnedTlsOptions(url, fingerprint);
      return null;
    } catch (err) {
      return pinError(err);
    }
  }

  private async create(): Promise<void> {
    const { url, fingerprint, maxBytes } = this.opts;
    let tls: Partial<PinnedTlsOptions> = {};
    if (fingerprint) tls = await pinnedTlsOptions(url, fingerprint);
    else if (new URL(url).protocol === 'https:') {
      throw new Error(
        `The invite for ${url} carries no certificate fingerprint; ask the operator for a new invite.`,
      );
    }
    if (this.closed) return;
    const options: Partial<ManagerOptions & SocketOptions> & Record<string, unknown> = {
      transports: ['websocket'],
      upgrade: false,
      reconnection: false,
      autoConnect: false,
      forceNew: true,
      timeout: 20_000,
      // A function: socket.io calls it on every attempt, so the challenge answer goes on the retry.
      auth: (cb: (data: object) => void) => cb(this.authFor()),
      maxPayload: maxBytes ? maxBytes * 2 : undefined,
      parser: socketParser(PARTICIPANT_MAX_ATTACHMENTS),
      ...tls,
    };
    const socket: FederationSocket = io(new URL(FEDERATION_NAMESPACE, url).toString(), options);
    const on = socket.on.bind(socket) as (event: string, handler: Handler) => void;
    for (const [event, handler] of this.handlers) on(event, handler);
    const tap = this.onOutgoing;
    if (tap) socket.onAnyOutgoing((event: string, ...args: unknown[]) => tap(event, args));
    this.socket = socket;
    socket.connect();
  }
}

// A certificate that is not the pinned one is not fixed by retrying: it gets its own code.
function pinError(err: unknown): { message: string; code?: string } {
  const message = err instanceof Error ? err.message : String(err);
  return { message, code: message.includes('your invite pins') ? 'pin-mismatch' : undefined };
}
