/**
 * Reconnection policy: exponential backoff with a cap, and words for the user ("hub unreachable,
 * retrying in 8 s"). Handshake refusals that retrying cannot fix (bad token, other protocol
 * version) stop the engine instead.
 */

export interface BackoffOptions {
  /** First delay in ms (default 1000). */
  baseMs?: number;
  /** Largest delay in ms (default 30000). */
  maxMs?: number;
}

/** Delay before reconnect attempt `attempt` (0-based): base·2^attempt, capped. */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 1000;
  const max = opts.maxMs ?? 30_000;
  return Math.min(max, base * 2 ** Math.min(attempt, 30));
}

/** The status line shown while waiting to reconnect. */
export function retryMessage(reason: string, delayMs: number): string {
  const secs = delayMs >= 1000 ? `${Math.round(delayMs / 1000)} s` : `${delayMs} ms`;
  return `hub unreachable (${reason}), retrying in ${secs}`;
}

const FATAL_CODES = new Set(['unauthorized', 'version-mismatch', 'pin-mismatch']);

/** Whether a connect error means "stop trying" rather than "try again later". */
export function isFatalConnectError(err: { message: string; code?: string }): boolean {
  if (err.code && FATAL_CODES.has(err.code)) return true;
  return /unauthori[sz]ed|invalid token|revoked|version/i.test(err.message) && !/timeout/i.test(err.message);
}

/** Explains a fatal refusal and what to do about it. */
export function fatalMessage(err: { message: string; code?: string }): string {
  if (err.code === 'pin-mismatch')
    return `Stopped: the hub's certificate fingerprint changed. ${err.message}`;
  if (err.code === 'version-mismatch' || /version/i.test(err.message)) {
    return `The hub refused this participant's protocol version (${err.message}). Update FedUnify to the hub's version.`;
  }
  return `The hub refused the invite (${err.message}). Ask the hub operator for a new invite.`;
}
