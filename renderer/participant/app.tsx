/** The participant app's frame: sidebar with the job and connection, current screen, approval dialog. */
import { useShallow } from 'zustand/react/shallow';
import { AppShell, type NavItem } from '../shared/layout.tsx';
import { Banner, EmptyState, Spinner } from '../shared/feedback.tsx';
import { StatusBadge } from '../shared/status-badge.tsx';
import { useParticipant } from './store/index.ts';
import type { Screen } from './screens.ts';
import { JoinScreen } from './pages/join-screen.tsx';
import { DataScreen } from './pages/data-screen.tsx';
import { TrainingScreen } from './pages/training-screen.tsx';
import { RoundsScreen } from './pages/rounds-screen.tsx';
import { OutboundScreen } from './pages/outbound-screen.tsx';
import { LogsScreen } from './pages/logs-screen.tsx';
import { ApprovalDialog } from './pages/approval-dialog.tsx';

/** The whole participant app. */
export function ParticipantApp() {
  const { link, linkDetail, screen, setScreen, engine, actionError, clearError } = useParticipant(
    useShallow((s) => ({
      link: s.link,
      linkDetail: s.linkDetail,
      screen: s.screen,
      setScreen: s.setScreen,
      engine: s.engine,
      actionError: s.actionError,
      clearError: s.clearError,
    })),
  );
  if (link === 'refused' && !engine) {
    return (
      <div className="center-screen">
        <div className="card" style={{ maxWidth: 520 }}>
          <EmptyState title="Not connected to a participant" hint={linkDetail} />
        </div>
      </div>
    );
  }
  if (!engine) {
    return (
      <div className="center-screen">
        <div className="card">
          <EmptyState title="Starting…" hint={<Spinner label="Connecting" />} />
        </div>
      </div>
    );
  }
  const nav: NavItem<Screen>[] = [
    { id: 'join', label: 'Join' },
    { id: 'data', label: 'Data', badge: engine.data ? '✓' : undefined },
    { id: 'training', label: 'Training' },
    { id: 'rounds', label: 'Rounds', badge: engine.rounds.length || undefined },
    {
      id: 'outbound',
      label: 'Outbound',
      badge: engine.pendingApproval ? '!' : engine.outbound.length || undefined,
    },
    { id: 'logs', label: 'Logs' },
  ];
  return (
    <AppShell
      product="FedUnify"
      subtitle={engine.hub ? engine.hub.org : 'Participant'}
      nav={nav}
      active={screen}
      onNavigate={setScreen}
      footer={
        <>
          <div>
            <StatusBadge status={engine.connection} />
          </div>
          <div>{engine.connectionDetail}</div>
          {engine.job && (
            <div>
              Job <strong>{engine.job.name}</strong>
            </div>
          )}
          {link !== 'connected' && <div style={{ color: '#fbbf24' }}>{linkDetail}</div>}
        </>
      }
    >
      <div className="page">
        {actionError && (
          <Banner tone="err" onDismiss={clearError}>
            {actionError}
          </Banner>
        )}
        {screen === 'join' && <JoinScreen />}
        {screen === 'data' && <DataScreen />}
        {screen === 'training' && <TrainingScreen />}
        {screen === 'rounds' && <RoundsScreen />}
        {screen === 'outbound' && <OutboundScreen />}
        {screen === 'logs' && <LogsScreen />}
      </div>
      <ApprovalDialog />
    </AppShell>
  );
}
