/** Outbound: everything that left this machine, per round, and the manual-approval switch. */
import { ScrollHint } from '../../shared/scroll-hint.tsx';
import { useShallow } from 'zustand/react/shallow';
import { useParticipant } from '../store/index.ts';
import { Card, PageHeader } from '../../shared/layout.tsx';
import { CopyButton, EmptyState, Spinner } from '../../shared/feedback.tsx';
import { formatBytes, formatClock, shortHash } from '../../shared/format.ts';

/** The outbound screen. */
export function OutboundScreen() {
  const { outbound, approve, busy, setApproveUploads } = useParticipant(
    useShallow((s) => ({
      outbound: s.engine?.outbound ?? [],
      approve: s.engine?.approveUploads ?? false,
      busy: s.busy,
      setApproveUploads: s.setApproveUploads,
    })),
  );
  const total = outbound.reduce((n, o) => n + o.bytes, 0);
  return (
    <>
      <PageHeader
        title="Outbound"
        subtitle="Only model weights and accuracy figures leave this machine. Every upload is listed with its SHA-256."
      />
      <Card title="Approval">
        <label className="check">
          <input
            type="checkbox"
            checked={approve}
            disabled={busy === 'approve'}
            onChange={(e) => void setApproveUploads(e.target.checked)}
          />
          Approve each upload by hand
          {busy === 'approve' && <Spinner label="Saving" />}
        </label>
        <p className="muted small" style={{ marginBottom: 0 }}>
          When on, training pauses before each upload until you approve it. The hub may close a round without
          you if its deadline passes.
        </p>
      </Card>
      {outbound.length === 0 ? (
        <div className="card">
          <EmptyState
            title="Nothing has left this machine yet"
            hint="Each round’s upload (weights) and evaluation report appear here."
          />
        </div>
      ) : (
        <ScrollHint>
          <table className="table" data-testid="outbound-table">
            <thead>
              <tr>
                <th>Round</th>
                <th>What</th>
                <th className="right">Size</th>
                <th>SHA-256</th>
                <th>Sent</th>
                <th>Approved</th>
              </tr>
            </thead>
            <tbody>
              {outbound.map((o, i) => (
                <tr key={`${o.round}-${o.event}-${i}`}>
                  <td className="num">{o.round}</td>
                  <td className="mono">{o.event}</td>
                  <td className="right num">{formatBytes(o.bytes)}</td>
                  <td>
                    <span className="actions">
                      <span className="mono" title={o.sha256}>
                        {shortHash(o.sha256)}
                      </span>
                      {o.sha256 && <CopyButton text={o.sha256} />}
                    </span>
                  </td>
                  <td className="muted">{formatClock(o.at)}</td>
                  <td>
                    {o.approvedBy === 'user' ? (
                      <span className="badge ok">by you</span>
                    ) : (
                      <span className="badge">automatic</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollHint>
      )}
      {outbound.length > 0 && <div className="muted small num">{formatBytes(total)} sent in total.</div>}
    </>
  );
}
