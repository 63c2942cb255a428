/**
 * Join: paste an invite (or open with one pre-filled), see who the hub is (address, certificate
 * fingerprint, org) and the job it leads to, then join.
 */
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { paramCount } from '../../../core/model/manifest.ts';
import { decodeInvite } from '../../../core/wire/invite.ts';
import type { JobSummary } from '../../../core/wire/job-summary.ts';
import type { JobAssignment } from '../../../core/wire/protocol.ts';
import { useParticipant } from '../store/index.ts';
import { Card, PageHeader } from '../../shared/layout.tsx';
import { Banner, Spinner } from '../../shared/feedback.tsx';
import { StatusBadge } from '../../shared/status-badge.tsx';
import { errorMessage, formatPercent, formatKeyFingerprint } from '../../shared/format.ts';

function safeParamCount(job: JobAssignment): number | null {
  try {
    return paramCount(job.model);
  } catch {
    return null;
  }
}

/** The job: as the hub describes it before joining (summary), or as it assigned it after. */
export function JobCard(props: { job: JobAssignment | JobSummary; detail?: string }) {
  const { job, detail } = props;
  const params = 'parameters' in job ? job.parameters : safeParamCount(job);
  const status = 'status' in job ? job.status : null;
  return (
    <Card
      title={`Job: ${job.name}`}
      testId="job-card"
      actions={status ? <StatusBadge status={status} /> : undefined}
    >
      <dl className="kv">
        <dt>Model</dt>
        <dd>
          <span className="mono">{job.model.name}</span>{' '}
          <span className="muted">
            ({job.model.inputShape.join('×')} input, {job.model.numClasses} classes
            {params !== null ? `, ${params.toLocaleString('en-US')} parameters` : ''})
          </span>
        </dd>
        <dt>Unification</dt>
        <dd className="mono">{job.method}</dd>
        <dt>Rounds</dt>
        <dd className="num">
          {job.rounds} <span className="muted">(now at {job.currentRound})</span>
        </dd>
        <dt>Per round</dt>
        <dd>
          {job.localSteps
            ? `${job.localSteps} steps`
            : `${job.localEpochs} epoch${job.localEpochs === 1 ? '' : 's'}`}{' '}
          · batch {job.batchSize} · {job.optimizer} lr {job.learningRate}
        </dd>
        <dt>Stops at</dt>
        <dd>
          {job.targetAccuracy
            ? `${formatPercent(job.targetAccuracy, 0)} accuracy, or the last round`
            : 'the last round'}
        </dd>
      </dl>
      {detail && (
        <p className="muted small" style={{ marginBottom: 0 }}>
          {detail}
        </p>
      )}
    </Card>
  );
}

/** Whether the engine is in (or on its way into) a federation, so the invite box is hidden. */
function isActive(connection: string): boolean {
  return connection === 'connecting' || connection === 'connected' || connection === 'reconnecting';
}

/** The join screen. */
export function JoinScreen() {
  const { engine, busy, inspected, invite, setInvite, presetOrg, inspectInvite, join, leave, setScreen } =
    useParticipant(
      useShallow((s) => ({
        engine: s.engine,
        busy: s.busy,
        inspected: s.inspected,
        invite: s.inviteDraft,
        setInvite: s.setInviteDraft,
        presetOrg: s.presetOrg,
        inspectInvite: s.inspectInvite,
        join: s.join,
        leave: s.leave,
        setScreen: s.setScreen,
      })),
    );
  const decoded = useMemo(() => {
    if (!invite.trim()) return null;
    try {
      return { ok: true as const, invite: decodeInvite(invite) };
    } catch (err) {
      return { ok: false as const, error: errorMessage(err) };
    }
  }, [invite]);
  // After Leave, a revoked invite, a changed certificate or the job's end, a new invite may be pasted.
  const joined = engine !== null && isActive(engine.connection);
  const stopped = engine?.connection === 'error' ? engine.connectionDetail : null;
  // Only what the hub said about the invite now in the box counts.
  const answered = inspected !== null && inspected.invite === invite.trim() ? inspected : null;
  const hub =
    (joined ? engine?.hub : null) ??
    answered?.hub ??
    (decoded?.ok
      ? { url: decoded.invite.hub, fingerprint: decoded.invite.fingerprint, org: decoded.invite.org }
      : null);

  return (
    <>
      <PageHeader
        title="Join a federation"
        subtitle="Paste the invite the hub operator sent you. Nothing leaves this machine until you join."
      />
      {stopped && (
        <Banner tone="err">
          <span data-testid="join-stopped">{stopped}</span> Paste a new invite below to join again.
        </Banner>
      )}
      {!joined && (
        <Card title="Invite">
          <div style={{ display: 'grid', gap: 10 }}>
            <textarea
              className="input"
              rows={4}
              aria-label="Invite"
              placeholder="fedunify1.…"
              value={invite}
              onChange={(e) => setInvite(e.target.value)}
            />
            {presetOrg && (
              <p className="muted small" style={{ margin: 0 }}>
                This app was set up for <strong>{presetOrg}</strong>; its invite is filled in.
              </p>
            )}
            {decoded && !decoded.ok && <Banner tone="warn">{decoded.error}</Banner>}
            <div className="actions">
              <button
                type="button"
                className="btn"
                disabled={!decoded?.ok || busy !== null}
                onClick={() => void inspectInvite(invite.trim())}
              >
                {busy === 'inspect' && <Spinner label="Checking" />}
                Check the hub
              </button>
              <button
                type="button"
                className="btn primary"
                disabled={!decoded?.ok || busy !== null}
                onClick={() => void join(invite.trim()).then((ok) => ok && setScreen('data'))}
              >
                {busy === 'join' && <Spinner label="Joining" />}
                {busy === 'join' ? 'Joining…' : 'Join'}
              </button>
            </div>
          </div>
        </Card>
      )}
      {hub && (
        <Card
          title="Hub"
          testId="hub-card"
          actions={
            joined && engine?.hub ? (
              <StatusBadge status={engine.connection} />
            ) : answered ? (
              <span className="badge ok">answered</span>
            ) : (
              <span className="badge">from the invite</span>
            )
          }
        >
          <dl className="kv">
            <dt>Organization</dt>
            <dd>
              <strong>{hub.org}</strong> <span className="muted">(the name the hub knows you by)</span>
            </dd>
            <dt>Address</dt>
            <dd className="mono break">{hub.url}</dd>
            <dt>Certificate</dt>
            <dd className="mono break" data-testid="fingerprint">
              {hub.fingerprint ??
                'none: this hub runs without TLS (--insecure); use it only on a trusted network'}
            </dd>
            {engine?.identity && (
              <>
                <dt>Your key</dt>
                <dd className="mono" data-testid="key-fingerprint" title={engine.identity.fingerprint}>
                  {formatKeyFingerprint(engine.identity.fingerprint)}
                </dd>
              </>
            )}
          </dl>
          {hub.fingerprint && (
            <p className="muted small" style={{ marginBottom: 0 }}>
              The app refuses any server whose certificate does not match this SHA-256 fingerprint. Compare it
              with the one the operator sees when unsure.
            </p>
          )}
        </Card>
      )}
      {joined && engine?.job ? (
        <JobCard job={engine.job} />
      ) : answered?.job ? (
        <JobCard job={answered.job} detail={answered.detail} />
      ) : answered && !joined ? (
        <Banner tone="info">{answered.detail}</Banner>
      ) : null}
      {joined && (
        <div className="actions">
          <button
            type="button"
            className="btn primary"
            onClick={() => setScreen(engine?.data ? 'training' : 'data')}
          >
            {engine?.data ? 'Go to training →' : 'Next: choose your data →'}
          </button>
          <button type="button" className="btn danger" disabled={busy !== null} onClick={() => void leave()}>
            {busy === 'leave' && <Spinner label="Leaving" />}
            Leave the job
          </button>
        </div>
      )}
    </>
  );
}
