/** One job: headline numbers, then tabs for participants, rounds, methods, logs and output. */
import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useConsole } from '../store/index.ts';
import type { JobTab } from '../routes.ts';
import { PageHeader, Stat, Tabs } from '../../shared/layout.tsx';
import { Banner, EmptyState, ProgressBar, Spinner } from '../../shared/feedback.tsx';
import { StatusBadge } from '../../shared/status-badge.tsx';
import { LogView } from '../../shared/log-view.tsx';
import { formatPercent } from '../../shared/format.ts';
import { JobActions } from './job-actions.tsx';
import { ParticipantsTab } from './participants-tab.tsx';
import { MethodsTab, RoundsTab } from './rounds-tab.tsx';
import { OutputTab } from './output-tab.tsx';

const TABS: { id: JobTab; label: string }[] = [
  { id: 'participants', label: 'Participants' },
  { id: 'rounds', label: 'Rounds' },
  { id: 'methods', label: 'Methods' },
  { id: 'logs', label: 'Logs' },
  { id: 'output', label: 'Output' },
];

function JobLogs(props: { jobId: string }) {
  const all = useConsole((s) => s.logs);
  const entries = useMemo(() => all.filter((e) => e.jobId === props.jobId), [all, props.jobId]);
  return (
    <LogView entries={entries} emptyHint="The hub writes a line for every join, round and unification." />
  );
}

/** The job detail page. */
export function JobDetailPage(props: { jobId: string; tab: JobTab }) {
  const { jobId, tab } = props;
  const job = useConsole((s) => s.jobs[jobId]);
  const { navigate, loadJobDetail, loading, loadError, jobsLoaded } = useConsole(
    useShallow((s) => ({
      navigate: s.navigate,
      loadJobDetail: s.loadJobDetail,
      loading: s.detailLoading[jobId] ?? false,
      loadError: s.detailError[jobId] ?? null,
      jobsLoaded: s.jobsLoaded,
    })),
  );
  const headline = useConsole(
    useShallow((s) => {
      const parts = Object.values(s.participants[jobId] ?? {});
      const rounds = Object.values(s.rounds[jobId] ?? {}).filter((r) => r.completedAt !== null);
      const latest = rounds.sort((a, b) => b.round - a.round)[0];
      const best = rounds.reduce<number | null>(
        (m, r) => (r.hubAccuracy !== null && (m === null || r.hubAccuracy > m) ? r.hubAccuracy : m),
        null,
      );
      return {
        connected: parts.filter((p) => p.connected).length,
        total: parts.length,
        latestHub: latest?.hubAccuracy ?? null,
        latestRound: latest?.round ?? null,
        best,
      };
    }),
  );
  const [actionError, setActionError] = useState<string | null>(null);
  useEffect(() => {
    void loadJobDetail(jobId);
  }, [jobId, loadJobDetail]);

  if (!job) {
    return (
      <div className="page">
        <EmptyState
          title={jobsLoaded ? 'This job no longer exists' : 'Loading the job…'}
          hint={jobsLoaded ? 'It may have been deleted. Pick another job from the list.' : <Spinner />}
          action={
            <button type="button" className="btn" onClick={() => navigate({ page: 'jobs' })}>
              Back to jobs
            </button>
          }
        />
      </div>
    );
  }
  const progress = job.spec.rounds > 0 ? job.currentRound / job.spec.rounds : 0;
  return (
    <div className="page">
      <PageHeader
        title={
          <span className="actions">
            <button
              type="button"
              className="btn small ghost"
              onClick={() => navigate({ page: 'jobs' })}
              aria-label="Back to jobs"
            >
              ←
            </button>
            {job.spec.name} <StatusBadge status={job.status} />
          </span>
        }
        subtitle={job.statusDetail || undefined}
        actions={
          <>
            {loading && <Spinner label="Refreshing" />}
            {(job.status === 'waiting' || job.status === 'running') && (
              <button
                type="button"
                className="btn primary small"
                onClick={() => navigate({ page: 'invites', jobId })}
              >
                Invite an organization
              </button>
            )}
            <JobActions job={job} onError={setActionError} />
          </>
        }
      />
      {actionError && (
        <Banner tone="err" onDismiss={() => setActionError(null)}>
          {actionError}
        </Banner>
      )}
      {loadError && (
        <Banner
          tone="err"
          action={
            <button className="btn small" onClick={() => void loadJobDetail(jobId)}>
              Retry
            </button>
          }
        >
          Could not load this job’s details: {loadError}
        </Banner>
      )}
      <div className="stats">
        <Stat
          label="Round"
          testId="stat-round"
          value={
            <>
              {job.currentRound}
              <span className="muted" style={{ fontSize: 15 }}>
                {' '}
                / {job.spec.rounds}
              </span>
            </>
          }
          sub={<ProgressBar value={progress} label="Rounds done" />}
        />
        <Stat
          label="Participants"
          value={`${headline.connected} / ${job.spec.minParticipants}`}
          sub={`${headline.total} known, ${job.spec.minParticipants} needed`}
        />
        <Stat
          label="Method"
          value={
            <span className="mono" style={{ fontSize: 18 }}>
              {job.spec.method}
            </span>
          }
          sub={`compares ${job.spec.compareMethods.join(', ') || 'none'}`}
        />
        <Stat
          label="Unified accuracy"
          testId="stat-accuracy"
          value={formatPercent(headline.latestHub)}
          sub={
            headline.latestRound
              ? `round ${headline.latestRound} · best ${formatPercent(headline.best)}`
              : 'after the first round'
          }
        />
        <Stat
          label="Target"
          value={job.spec.targetAccuracy ? formatPercent(job.spec.targetAccuracy, 0) : '—'}
          sub={job.spec.targetAccuracy ? 'at every participant' : 'runs all rounds'}
        />
      </div>
      <Tabs tabs={TABS} active={tab} onChange={(t) => navigate({ page: 'job', jobId, tab: t })} />
      {tab === 'participants' && <ParticipantsTab jobId={jobId} />}
      {tab === 'rounds' && <RoundsTab jobId={jobId} />}
      {tab === 'methods' && <MethodsTab jobId={jobId} />}
      {tab === 'logs' && <JobLogs jobId={jobId} />}
      {tab === 'output' && <OutputTab job={job} />}
    </div>
  );
}
