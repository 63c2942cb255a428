/** Every log line the hub has pushed during this session (all jobs). */
import { useConsole } from '../store/index.ts';
import { PageHeader } from '../../shared/layout.tsx';
import { LogView } from '../../shared/log-view.tsx';

/** The hub-wide log page. */
export function HubLogsPage() {
  const logs = useConsole((s) => s.logs);
  return (
    <div className="page">
      <PageHeader title="Hub logs" subtitle="Live lines from the hub; open a job for its full history." />
      <LogView
        entries={logs}
        emptyHint="Lines arrive live while this page is open. Open a job to load its history."
      />
    </div>
  );
}
