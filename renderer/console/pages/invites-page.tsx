/** Invites: one per organization; the invite string is shown once, to copy and send. */
import { useEffect, useState, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { InviteRecord } from '../../../core/wire/protocol.ts';
import { useConsole, selectJobList } from '../store/index.ts';
import { Card, PageHeader } from '../../shared/layout.tsx';
import { Banner, ConfirmDialog, CopyButton, EmptyState, Spinner } from '../../shared/feedback.tsx';
import { DataTable, type Column } from '../../shared/data-table.tsx';
import { StatusBadge } from '../../shared/status-badge.tsx';
import { errorMessage, formatAgo } from '../../shared/format.ts';

/** The invites page; `jobId` (from a job's page) preselects the job the invite leads to. */
export function InvitesPage(props: { jobId?: string }) {
  const jobs = useConsole(useShallow(selectJobList));
  const {
    invites,
    invitesLoading,
    invitesError,
    lastInvite,
    loadInvites,
    createInvite,
    revokeInvite,
    clearLastInvite,
    loadJobs,
  } = useConsole(
    useShallow((s) => ({
      invites: s.invites,
      invitesLoading: s.invitesLoading,
      invitesError: s.invitesError,
      lastInvite: s.lastInvite,
      loadInvites: s.loadInvites,
      createInvite: s.createInvite,
      revokeInvite: s.revokeInvite,
      clearLastInvite: s.clearLastInvite,
      loadJobs: s.loadJobs,
    })),
  );
  const [name, setName] = useState('');
  const [jobId, setJobId] = useState(props.jobId ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<InviteRecord | null>(null);
  useEffect(() => {
    void loadInvites();
    void loadJobs();
  }, [loadInvites, loadJobs]);
  const open = jobs.filter((j) => j.status === 'waiting' || j.status === 'running' || j.id === props.jobId);
  const chosen = jobs.find((j) => j.id === jobId);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) {
      setError('Enter the name of the organization you invite (it is shown to you and to them).');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await createInvite(name.trim(), jobId || null);
      setName('');
    } catch (err) {
      setError(`Could not create the invite: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
    }
  }
  async function revoke() {
    if (!revoking) return;
    setBusy(true);
    try {
      await revokeInvite(revoking.id);
    } catch (err) {
      setError(`Could not revoke the invite: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
      setRevoking(null);
    }
  }
  const jobName = (id: string | null) =>
    id ? (jobs.find((j) => j.id === id)?.spec.name ?? id) : 'oldest open job';
  const columns: Column<InviteRecord>[] = [
    { key: 'name', header: 'Organization', render: (i) => <strong>{i.name}</strong> },
    { key: 'job', header: 'Job', render: (i) => jobName(i.jobId) },
    {
      key: 'created',
      header: 'Created',
      render: (i) => <span className="muted">{formatAgo(i.createdAt)}</span>,
    },
    {
      key: 'status',
      header: 'Status',
      render: (i) => <StatusBadge status={i.revoked ? 'revoked' : 'active'} />,
    },
    {
      key: 'actions',
      header: '',
      align: 'right',
      sticky: true,
      render: (i) =>
        i.revoked ? null : (
          <button type="button" className="btn small danger" onClick={() => setRevoking(i)}>
            Revoke
          </button>
        ),
    },
  ];
  return (
    <div className="page">
      <PageHeader
        title="Invites"
        subtitle="One invite per organization. It carries the hub address, a token and the hub’s certificate fingerprint."
      />
      <Card title="Invite an organization">
        <form className="form-grid" onSubmit={submit} style={{ alignItems: 'end' }}>
          <label className="field">
            Organization
            <input
              className="input"
              value={name}
              placeholder="e.g. Seoul General Hospital"
              onChange={(e) => setName(e.target.value)}
            />
          </label>
          <label className="field">
            Job
            <select
              className="input"
              value={jobId}
              onChange={(e) => setJobId(e.target.value)}
              aria-label="Job"
            >
              <option value="">Oldest open job (choose one to be sure)</option>
              {open.map((j) => (
                <option key={j.id} value={j.id}>
                  {j.spec.name} ({j.status})
                </option>
              ))}
            </select>
          </label>
          {chosen && chosen.status !== 'waiting' && chosen.status !== 'running' && (
            <span className="hint" role="status">
              “{chosen.spec.name}” is {chosen.status}: an organization invited to it has nothing to train.
            </span>
          )}
          <div>
            <button type="submit" className="btn primary" disabled={busy}>
              {busy && <Spinner label="Creating invite" />}
              Create invite
            </button>
          </div>
        </form>
      </Card>
      {error && (
        <Banner tone="err" onDismiss={() => setError(null)}>
          {error}
        </Banner>
      )}
      {lastInvite?.invite && (
        <Banner
          tone="ok"
          onDismiss={clearLastInvite}
          action={<CopyButton text={lastInvite.invite} label="Copy invite" />}
        >
          <div style={{ display: 'grid', gap: 6 }}>
            <strong>Invite for {lastInvite.name} — copy it now; the hub keeps only its hash.</strong>
            <code className="mono break" data-testid="new-invite">
              {lastInvite.invite}
            </code>
          </div>
        </Banner>
      )}
      {invitesError && <Banner tone="err">Could not load invites: {invitesError}</Banner>}
      <DataTable
        testId="invites-table"
        columns={columns}
        rows={invites}
        rowKey={(i) => i.id}
        empty={
          invitesLoading ? (
            <EmptyState title="Loading invites…" hint={<Spinner />} />
          ) : (
            <EmptyState
              title="No invites yet"
              hint="Create one above for each organization that should take part."
            />
          )
        }
      />
      {revoking && (
        <ConfirmDialog
          title={`Revoke the invite for ${revoking.name}?`}
          body="It stops working at once. A participant already connected with it is disconnected."
          confirmLabel="Revoke"
          danger
          busy={busy}
          onConfirm={() => void revoke()}
          onCancel={() => setRevoking(null)}
        />
      )}
    </div>
  );
}
