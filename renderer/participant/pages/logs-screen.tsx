/** The participant's log, filterable and copyable. */
import { useParticipant } from '../store/index.ts';
import { PageHeader } from '../../shared/layout.tsx';
import { LogView } from '../../shared/log-view.tsx';

/** The logs screen. */
export function LogsScreen() {
  const logs = useParticipant((s) => s.logs);
  return (
    <>
      <PageHeader
        title="Logs"
        subtitle="What the participant did, newest last. Copy them into a support request if needed."
      />
      <LogView entries={logs} emptyHint="Lines appear as the participant connects, loads data and trains." />
    </>
  );
}
