/** The upload approval dialog: appears on any screen when the engine waits for the user's decision. */
import { useShallow } from 'zustand/react/shallow';
import { useParticipant } from '../store/index.ts';
import { Spinner } from '../../shared/feedback.tsx';
import { Modal } from '../../shared/modal.tsx';
import { formatBytes } from '../../shared/format.ts';

/** Asks whether this round's weights may be sent. */
export function ApprovalDialog() {
  const { pending, busy, decideUpload } = useParticipant(
    useShallow((s) => ({
      pending: s.engine?.pendingApproval ?? null,
      busy: s.busy,
      decideUpload: s.decideUpload,
    })),
  );
  if (!pending) return null;
  return (
    <Modal label="Approve upload">
      <h2>Send round {pending.round}’s weights to the hub?</h2>
      <dl className="kv">
        <dt>What</dt>
        <dd>Trained model weights and accuracy figures. No data.</dd>
        <dt>Size</dt>
        <dd className="num">{formatBytes(pending.bytes)}</dd>
        <dt>SHA-256</dt>
        <dd className="mono break">{pending.sha256}</dd>
      </dl>
      <div className="actions">
        <button
          type="button"
          className="btn danger"
          disabled={busy === 'approve'}
          onClick={() => void decideUpload(pending.round, false)}
        >
          Withhold this round
        </button>
        <button
          type="button"
          className="btn primary"
          disabled={busy === 'approve'}
          onClick={() => void decideUpload(pending.round, true)}
        >
          {busy === 'approve' && <Spinner label="Sending" />}
          Approve and send
        </button>
      </div>
    </Modal>
  );
}
