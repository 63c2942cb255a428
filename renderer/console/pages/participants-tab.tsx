/** Live status per participant (the job console's "pod info"). */
import { ScrollHint } from '../../shared/scroll-hint.tsx';
import { useCallback } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ParticipantRecord } from '../../../core/wire/protocol.ts';
import { selectRoundMap, useConsole, type ConsoleState } from '../store/index.ts';
import { StatusBadge } from '../../shared/status-badge.tsx';
import { EmptyState } from '../../shared/feedback.tsx';
import { LiveText } from '../../shared/live-text.tsx';
import { formatAgo, formatKeyFingerprint, formatNumber } from '../../shared/format.ts';

function datasetText(d: ParticipantRecord['dataset']): string {
  if (!d) return 'not reported yet';
  return `${formatNumber(d.trainSamples)} train · ${formatNumber(d.testSamples)} test · ${d.inputShape.join('×')} · ${d.numClasses} classes`;
}

// The row re-renders only when slow fields change; samples/s and last-seen tick through LiveText.
function ParticipantRow(props: { jobId: string; id: string }) {
  const { jobId, id } = props;
  const p = useConsole(
    useShallow((s) => {
      const r = s.participants[jobId]?.[id];
      return r
        ? {
            name: r.name,
            connected: r.connected,
            state: r.state,
            round: r.round,
            dataset: r.dataset,
            backend: r.backend,
            keyFingerprint: r.keyFingerprint ?? null,
          }
        : null;
    }),
  );
  const flagged = useConsole(
    useCallback(
      (s: ConsoleState) => {
        // The newest round in which the hub flagged this participant's update as an outlier.
        const rounds = Object.values(selectRoundMap(jobId)(s));
        let last = 0;
        for (const r of rounds)
          if (r.participants.some((q) => q.participantId === id && q.outlier)) last = Math.max(last, r.round);
        return last;
      },
      [jobId, id],
    ),
  );
  const speed = useCallback(
    (s: ConsoleState) => {
      const v = s.participants[jobId]?.[id]?.samplesPerSec;
      return v === null || v === undefined ? '—' : `${formatNumber(v, 1)} /s`;
    },
    [jobId, id],
  );
  const seen = useCallback(
    (s: ConsoleState) => formatAgo(s.participants[jobId]?.[id]?.lastSeen),
    [jobId, id],
  );
  if (!p) return null;
  return (
    <tr data-testid="participant-row" data-name={p.name}>
      <td>
        <strong>{p.name}</strong>
        {flagged > 0 && (
          <span
            className="badge warn"
            data-testid="outlier-badge"
            title="Its update was far from the others' (robust z-score above 3.5)"
          >
            outlier in round {flagged}
          </span>
        )}
        <div className="muted small mono">{id}</div>
        <div
          className="muted small mono"
          data-testid="key-fingerprint"
          title={p.keyFingerprint ?? 'no key yet'}
        >
          key {formatKeyFingerprint(p.keyFingerprint)}
        </div>
      </td>
      <td>
        <StatusBadge status={p.connected ? 'connected' : 'offline'} />
      </td>
      <td>
        <StatusBadge status={p.state} />
      </td>
      <td className="right num">{p.round}</td>
      <td className="right num">
        <LiveText store={useConsole} select={speed} />
      </td>
      <td className="small">{datasetText(p.dataset)}</td>
      <td className="small" title={p.backend?.notes.join('\n')}>
        {p.backend ? (
          <>
            <span className="mono">{p.backend.backend}</span>
            <div className="muted">{p.backend.device}</div>
          </>
        ) : (
          '—'
        )}
      </td>
      <td className="muted small">
        <LiveText store={useConsole} select={seen} />
      </td>
    </tr>
  );
}

/** The participants table of one job. */
export function ParticipantsTab(props: { jobId: string }) {
  const ids = useConsole(useShallow((s) => Object.keys(s.participants[props.jobId] ?? {}).sort()));
  const navigate = useConsole((s) => s.navigate);
  if (ids.length === 0) {
    return (
      <div className="card">
        <EmptyState
          title="No participant has joined yet"
          hint="Create an invite for each organization and send it to them. They paste it into the FedUnify app (or run `fedunify join`)."
          action={
            <button
              type="button"
              className="btn primary"
              onClick={() => navigate({ page: 'invites', jobId: props.jobId })}
            >
              Create an invite
            </button>
          }
        />
      </div>
    );
  }
  return (
    <ScrollHint>
      <table className="table" data-testid="participants-table">
        <thead>
          <tr>
            <th>Participant</th>
            <th>Connection</th>
            <th>State</th>
            <th className="right">Round</th>
            <th className="right">Samples/s</th>
            <th>Dataset</th>
            <th>Backend</th>
            <th>Last seen</th>
          </tr>
        </thead>
        <tbody>
          {ids.map((id) => (
            <ParticipantRow key={id} jobId={props.jobId} id={id} />
          ))}
        </tbody>
      </table>
    </ScrollHint>
  );
}
