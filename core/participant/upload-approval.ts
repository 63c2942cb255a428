/**
 * The user's approval of each upload (when approveUploads is on): shows the size and hash of the
 * bytes about to leave and waits for decide(); a stop or a superseded round counts as declined.
 * Its own small class because the pending request outlives the round step that asked for it.
 */
import type { OutboundRecord } from '../wire/bridge.ts';
import type { ParticipantStatus } from '../wire/protocol.ts';
import { throwIfAborted } from './error-text.ts';
import type { RunnerContext } from './runner-context.ts';

/** One job's pending upload approval (at most one at a time). */
export class UploadApproval {
  private pending: { round: number; resolve: (ok: boolean) => void } | null = null;

  constructor(
    private readonly ctx: Pick<RunnerContext, 'store' | 'outbound'>,
    private readonly jobId: string,
    private readonly status: (s: ParticipantStatus) => void,
  ) {}

  /** Resolves with who approved the upload, or null when the user declined. */
  async request(
    round: number,
    encoded: Uint8Array,
    signal: AbortSignal,
  ): Promise<OutboundRecord['approvedBy'] | null> {
    const { store } = this.ctx;
    if (!store.get().approveUploads) return 'auto';
    const { bytes, sha256 } = this.ctx.outbound.digest(encoded);
    store.update({ pendingApproval: { round, bytes, sha256 } });
    store.log(
      'info',
      `Round ${round}: waiting for your approval to send ${bytes} bytes of weights (sha256 ${sha256.slice(0, 12)}…).`,
      this.jobId,
    );
    this.status({ state: 'awaiting-approval', round });
    const ok = await new Promise<boolean>((resolve) => {
      this.pending = { round, resolve };
      signal.addEventListener('abort', () => resolve(false), { once: true });
    });
    store.update({ pendingApproval: null });
    throwIfAborted(signal);
    return ok ? 'user' : null;
  }

  /** Answers the pending request of `round` (ignored for any other round). */
  decide(round: number, approve: boolean): void {
    if (this.pending?.round !== round) return;
    const { resolve } = this.pending;
    this.pending = null;
    resolve(approve);
  }

  /** Declines whatever is pending (the runner stopped). */
  cancel(): void {
    this.pending?.resolve(false);
    this.pending = null;
  }
}
