/** The job's outputs: the unified model (TF.js format), per-round checkpoints, results tables. */
import { ScrollHint } from '../../shared/scroll-hint.tsx';
import { useMemo, useState } from 'react';
import type { JobRecord } from '../../../core/wire/protocol.ts';
import { useConsole, selectRoundMap } from '../store/index.ts';
import { Card } from '../../shared/layout.tsx';
import { Banner, EmptyState, Spinner } from '../../shared/feedback.tsx';
import { errorMessage, formatPercent, formatClock } from '../../shared/format.ts';

/** The two files of a TF.js layers model, downloadable for every completed round. */
const CHECKPOINT_FILES = ['model.json', 'weights.bin'] as const;

function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Download links for one job. */
export function OutputTab(props: { job: JobRecord }) {
  const { job } = props;
  const roundMap = useConsole(selectRoundMap(job.id));
  const done = useMemo(
    () =>
      Object.values(roundMap)
        .filter((r) => r.completedAt !== null)
        .sort((a, b) => b.round - a.round),
    [roundMap],
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const base = `/api/jobs/${encodeURIComponent(job.id)}`;
  const safeName = job.spec.name.replace(/[^A-Za-z0-9._-]+/g, '-');

  async function download(path: string, filename: string) {
    const api = useConsole.getState().api;
    if (!api) return;
    setBusy(path);
    setError(null);
    try {
      saveBlob(await api.download(path), filename);
    } catch (err) {
      setError(`Could not download ${filename}: ${errorMessage(err)}`);
    } finally {
      setBusy(null);
    }
  }
  const btn = (path: string, filename: string, label: string, primary = false) => (
    <button
      type="button"
      className={`btn${primary ? ' primary' : ''}`}
      disabled={busy !== null}
      onClick={() => void download(path, filename)}
    >
      {busy === path && <Spinner label="Downloading" />}
      {label}
    </button>
  );

  if (done.length === 0) {
    return (
      <div className="card">
        <EmptyState
          title="No output yet"
          hint="The unified model, checkpoints and results appear here once the first round completes. While a job runs, the latest round is what you get."
        />
      </div>
    );
  }
  return (
    <div style={{ display: 'grid', gap: 18 }}>
      {error && (
        <Banner tone="err" onDismiss={() => setError(null)}>
          {error}
        </Banner>
      )}
      <Card title="Unified model (TensorFlow.js layers format)">
        <p className="muted" style={{ marginTop: 0 }}>
          Latest: round {done[0].round}
          {job.status === 'running' ? ' (the job is still running)' : ''}. Load it with{' '}
          <span className="mono">tf.loadLayersModel()</span>; keep both files in one folder.
        </p>
        <div className="actions">
          {btn(`${base}/model/model.json`, 'model.json', 'Download model.json', true)}
          {btn(`${base}/model/weights.bin`, 'weights.bin', 'Download weights.bin', true)}
        </div>
      </Card>
      <Card title="Results">
        <div className="actions">
          {btn(`${base}/results.csv`, `${safeName}-results.csv`, 'Results (CSV)')}
          {btn(`${base}/results.json`, `${safeName}-results.json`, 'Results (JSON)')}
        </div>
      </Card>
      <Card title="Checkpoints per round">
        <ScrollHint>
          <table className="table" data-testid="checkpoints-table">
            <thead>
              <tr>
                <th>Round</th>
                <th>Completed</th>
                <th className="right">Hub accuracy</th>
                <th className="right">Files</th>
              </tr>
            </thead>
            <tbody>
              {done.map((r) => (
                <tr key={r.round}>
                  <td className="num">{r.round}</td>
                  <td className="muted">{formatClock(r.completedAt)}</td>
                  <td className="right num">{formatPercent(r.hubAccuracy)}</td>
                  <td className="right">
                    <span className="actions" style={{ justifyContent: 'flex-end' }}>
                      {CHECKPOINT_FILES.map((file) => (
                        <button
                          key={file}
                          type="button"
                          className="btn small"
                          disabled={busy !== null}
                          onClick={() =>
                            void download(
                              `${base}/model/${file}?round=${r.round}`,
                              `round-${r.round}-${file}`,
                            )
                          }
                        >
                          {file}
                        </button>
                      ))}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollHint>
      </Card>
    </div>
  );
}
