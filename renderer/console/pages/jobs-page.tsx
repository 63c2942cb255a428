/** The job list (the console's home): status, round, method, participants; create, abort, delete. */
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { JobRecord } from '../../../core/wire/protocol.ts';
import { useConsole, selectJobList } from '../store/index.ts';
import { PageHeader } from '../../shared/layout.tsx';
import { DataTable, type Column } from '../../shared/data-table.tsx';
import { Banner, EmptyState, Spinner } from '../../shared/feedback.tsx';
import { StatusBadge } from '../../shared/status-badge.tsx';
import { formatAgo } from '../../shared/format.ts';
import { JobActions } from './job-actions.tsx';
import { viewToHash } from '../routes.ts';

function ParticipantsCell(props: { job: JobRecord }) {
  const counts = useConsole(
    useShallow((s) => {
      const list = Object.values(s.participants[props.job.id] ?? {});
      return { total: list.length, connected: list.filter((p) => p.connected).length };
    }),
  );
  return (
    <span className="num">
      {counts.connected} connected
      <span className="muted"> / {props.job.spec.minParticipants} needed</span>
    </span>
  );
}

/** Lists every job of the hub, newest first. */
export function JobsPage() {
  const jobs = useConsole(useShallow(selectJobList));
  const { jobsLoading, jobsLoaded, jobsError, loadJobs, navigate } = useConsole(
    useShallow((s) => ({
      jobsLoading: s.jobsLoading,
      jobsLoaded: s.jobsLoaded,
      jobsError: s.jobsError,
      loadJobs: s.loadJobs,
      navigate: s.navigate,
    })),
  );
  const [actionError, setActionError] = useState<string | null>(null);
  useEffect(() => {
    void loadJobs();
  }, [loadJobs]);
  // Participant counts of active jobs come with their detail; load it once per job.
  const activeIds = jobs
    .filter((j) => j.status === 'waiting' || j.status === 'running')
    .map((j) => j.id)
    .join(',');
  useEffect(() => {
    const s = useConsole.getState();
    for (const id of activeIds.split(',').filter(Boolean)) if (!s.participants[id]) void s.loadJobDetail(id);
  }, [activeIds]);

  const columns: Column<JobRecord>[] = [
    {
      key: 'name',
      header: 'Job',
      render: (j) => (
        <div>
          {/* A real link, so a job's address can be copied and shared; the row itself takes Tab. */}
          <a
            className="row-link"
            href={viewToHash({ page: 'job', jobId: j.id, tab: 'participants' })}
            tabIndex={-1}
          >
            <strong>{j.spec.name}</strong>
          </a>
          <div className="muted small mono">{j.id}</div>
        </div>
      ),
    },
    {
      key: 'status',
      header: 'Status',
      render: (j) => (
        <div>
          <StatusBadge status={j.status} />
          {j.statusDetail && <div className="muted small">{j.statusDetail}</div>}
        </div>
      ),
    },
    {
      key: 'round',
      header: 'Round',
      align: 'right',
      render: (j) => (
        <span>
          {j.currentRound} <span className="muted">/ {j.spec.rounds}</span>
        </span>
      ),
    },
    { key: 'method', header: 'Method', render: (j) => <span className="mono">{j.spec.method}</span> },
    { key: 'participants', header: 'Participants', render: (j) => <ParticipantsCell job={j} /> },
    {
      key: 'updated',
      header: 'Updated',
      render: (j) => <span className="muted">{formatAgo(j.updatedAt)}</span>,
    },
    {
      key: 'actions',
      header: '',
      align: 'right',
      sticky: true,
      render: (j) => <JobActions job={j} onError={setActionError} />,
    },
  ];

  return (
    <div className="page">
      <PageHeader
        title="Jobs"
        subtitle="Each job trains one model across the organizations you invite."
        actions={
          <>
            {jobsLoading && <Spinner label="Loading jobs" />}
            <button type="button" className="btn" onClick={() => navigate({ page: 'create', mode: 'yaml' })}>
              New from YAML
            </button>
            <button
              type="button"
              className="btn primary"
              onClick={() => navigate({ page: 'create', mode: 'wizard' })}
            >
              + New job
            </button>
          </>
        }
      />
      {jobsError && (
        <Banner
          tone="err"
          action={
            <button className="btn small" onClick={() => void loadJobs()}>
              Retry
            </button>
          }
        >
          Could not load the jobs: {jobsError}
        </Banner>
      )}
      {actionError && (
        <Banner tone="err" onDismiss={() => setActionError(null)}>
          {actionError}
        </Banner>
      )}
      <DataTable
        testId="jobs-table"
        columns={columns}
        rows={jobs}
        rowKey={(j) => j.id}
        onRowClick={(j) => navigate({ page: 'job', jobId: j.id, tab: 'participants' })}
        rowLabel={(j) => `Job ${j.spec.name}, ${j.status}, round ${j.currentRound} of ${j.spec.rounds}`}
        empty={
          jobsLoaded ? (
            <EmptyState
              title="No jobs yet"
              hint="Create a job, then invite organizations to it. Training starts when enough of them have joined."
              action={
                <button
                  type="button"
                  className="btn primary"
                  onClick={() => navigate({ page: 'create', mode: 'wizard' })}
                >
                  Create the first job
                </button>
              }
            />
          ) : (
            <EmptyState title="Loading jobs…" hint={<Spinner />} />
          )
        }
      />
    </div>
  );
}
