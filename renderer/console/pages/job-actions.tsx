/** Abort and Delete buttons with confirmation, shared by the job list and the job page. */
import { useState } from 'react';
import type { JobRecord } from '../../../core/wire/protocol.ts';
import { useConsole } from '../store/index.ts';
import { ConfirmDialog } from '../../shared/feedback.tsx';
import { errorMessage } from '../../shared/format.ts';

/** Abort (while the job can still run) and Delete (always, after confirming). */
export function JobActions(props: { job: JobRecord; onError: (message: string) => void }) {
  const { job } = props;
  const [confirm, setConfirm] = useState<'abort' | 'delete' | null>(null);
  const [busy, setBusy] = useState(false);
  const active = job.status === 'waiting' || job.status === 'running';
  async function run() {
    if (!confirm) return;
    setBusy(true);
    try {
      if (confirm === 'abort') await useConsole.getState().abortJob(job.id);
      else await useConsole.getState().deleteJob(job.id);
      setConfirm(null);
    } catch (err) {
      props.onError(`Could not ${confirm} “${job.spec.name}”: ${errorMessage(err)}`);
      setConfirm(null);
    } finally {
      setBusy(false);
    }
  }
  return (
    <span className="actions" onClick={(e) => e.stopPropagation()}>
      {active && (
        <button type="button" className="btn small" onClick={() => setConfirm('abort')}>
          Abort
        </button>
      )}
      <button type="button" className="btn small danger" onClick={() => setConfirm('delete')}>
        Delete
      </button>
      {confirm && (
        <ConfirmDialog
          title={confirm === 'abort' ? `Abort “${job.spec.name}”?` : `Delete “${job.spec.name}”?`}
          body={
            confirm === 'abort'
              ? 'Participants stop after the current step. Rounds completed so far and their checkpoints are kept.'
              : 'The job, its rounds, checkpoints and logs are removed from the hub. This cannot be undone.'
          }
          confirmLabel={confirm === 'abort' ? 'Abort job' : 'Delete job'}
          danger
          busy={busy}
          onConfirm={() => void run()}
          onCancel={() => setConfirm(null)}
        />
      )}
    </span>
  );
}
