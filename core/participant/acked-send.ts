/**
 * Acknowledged sends to the hub (updates, evaluations, secure-aggregation frames): each attempt is
 * recorded in the outbound log, timeouts and transient refusals are retried across reconnects, and
 * a hub's final "no" or a stop ends the send. Kept apart so every phase of a round sends the same way.
 */
import type { OutboundRecord } from '../wire/bridge.ts';
import { errorText, throwIfAborted } from './error-text.ts';
import type { RunnerContext } from './runner-context.ts';
import type { AckedEvent, ClientPayload } from './types.ts';

/** Raised when a send is given up (hub said no, or the engine stopped). */
export class SendRefused extends Error {}

/** What one acknowledged send needs from the runner's context. */
export type SendContext = Pick<
  RunnerContext,
  'store' | 'outbound' | 'connection' | 'waitConnected' | 'ackTimeoutMs' | 'maxAttempts'
>;

/** Sends an acknowledged frame, retrying on timeouts and across reconnects. */
export async function sendAcked<E extends AckedEvent>(
  ctx: SendContext,
  jobId: string,
  event: E,
  msg: ClientPayload<E>,
  round: number,
  approvedBy: OutboundRecord['approvedBy'],
  signal: AbortSignal,
): Promise<void> {
  const { store } = ctx;
  for (let attempt = 1; attempt <= ctx.maxAttempts; attempt++) {
    throwIfAborted(signal);
    let conn = ctx.connection();
    if (!conn?.connected) {
      await ctx.waitConnected(signal);
      conn = ctx.connection();
    }
    if (!conn) continue;
    const rec = ctx.outbound.record(round, event, msg, approvedBy);
    store.update({ outbound: [...store.get().outbound, rec].slice(-1000) });
    try {
      const ack = await conn.request(event, msg, ctx.ackTimeoutMs);
      if (ack.ok) return;
      if (ack.code === 'conflict') {
        store.log('info', `${event} for round ${round}: the hub already has it.`, jobId);
        return;
      }
      if (ack.code === 'rate-limited' || ack.code === 'internal') {
        store.log(
          'warn',
          `${event} for round ${round}: hub answered ${ack.code} (${ack.error}); retrying.`,
          jobId,
        );
        continue;
      }
      throw new SendRefused(`${event} for round ${round} refused by the hub: ${ack.error} (${ack.code}).`);
    } catch (err) {
      if (err instanceof SendRefused) throw err;
      // A job that ended (or a user who left) closed the connection under this send: nothing to retry.
      throwIfAborted(signal);
      store.log(
        'warn',
        `${event} for round ${round}: no answer from the hub (${errorText(err)}); attempt ${attempt} of ${ctx.maxAttempts}.`,
        jobId,
      );
    }
  }
  throw new SendRefused(`${event} for round ${round}: gave up after ${ctx.maxAttempts} attempts.`);
}
