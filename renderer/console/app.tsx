/** The console's frame: sign-in gate, sidebar navigation, live connection, current page. */
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { AppShell, type NavItem } from '../shared/layout.tsx';
import { StatusBadge } from '../shared/status-badge.tsx';
import { useConsole } from './store/index.ts';
import { connectLive } from './live.ts';
import { SignInPage } from './pages/sign-in.tsx';
import { JobsPage } from './pages/jobs-page.tsx';
import { CreateJobPage } from './pages/create-job-page.tsx';
import { JobDetailPage } from './pages/job-detail-page.tsx';
import { InvitesPage } from './pages/invites-page.tsx';
import { HubLogsPage } from './pages/hub-logs-page.tsx';

type NavId = 'jobs' | 'invites' | 'logs';

/** The whole console. */
export function ConsoleApp() {
  const token = useConsole((s) => s.token);
  useEffect(() => {
    // Back, Forward and edited addresses move the console too.
    const sync = () => useConsole.getState().syncFromLocation();
    window.addEventListener('popstate', sync);
    window.addEventListener('hashchange', sync);
    return () => {
      window.removeEventListener('popstate', sync);
      window.removeEventListener('hashchange', sync);
    };
  }, []);
  useEffect(() => {
    if (!token) return;
    void useConsole.getState().loadHub();
    return connectLive(token);
  }, [token]);
  if (!token) return <SignInPage />;
  return <SignedIn />;
}

function SignedIn() {
  const { view, navigate, live, liveDetail, username, hub, jobCount, signOut } = useConsole(
    useShallow((s) => ({
      view: s.view,
      navigate: s.navigate,
      live: s.live,
      liveDetail: s.liveDetail,
      username: s.username,
      hub: s.hub,
      jobCount: Object.keys(s.jobs).length,
      signOut: s.signOut,
    })),
  );
  const active: NavId = view.page === 'invites' ? 'invites' : view.page === 'logs' ? 'logs' : 'jobs';
  const nav: NavItem<NavId>[] = [
    { id: 'jobs', label: 'Jobs', badge: jobCount || undefined },
    { id: 'invites', label: 'Invites' },
    { id: 'logs', label: 'Hub logs' },
  ];
  return (
    <AppShell
      product="FedUnify"
      subtitle="Hub console"
      nav={nav}
      active={active}
      onNavigate={(id) => navigate({ page: id })}
      footer={
        <>
          <div title={liveDetail}>
            <StatusBadge
              status={live === 'live' ? 'online' : live === 'error' ? 'error' : 'connecting'}
              label={live === 'live' ? 'live' : live === 'error' ? 'no live updates' : 'connecting'}
            />
          </div>
          {hub?.url && <div className="break">{hub.url}</div>}
          <div>
            Signed in as <strong>{username ?? 'operator'}</strong>
          </div>
          <button type="button" className="btn small" onClick={() => signOut()}>
            Sign out
          </button>
        </>
      }
    >
      {view.page === 'jobs' && <JobsPage />}
      {view.page === 'create' && <CreateJobPage mode={view.mode} />}
      {view.page === 'job' && <JobDetailPage jobId={view.jobId} tab={view.tab} />}
      {view.page === 'invites' && <InvitesPage key={view.jobId ?? ''} jobId={view.jobId} />}
      {view.page === 'logs' && <HubLogsPage />}
    </AppShell>
  );
}
