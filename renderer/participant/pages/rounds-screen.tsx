/** Rounds as the paper tabulates them: local accuracy and the unified model's accuracy, per round. */
import { ScrollHint } from '../../shared/scroll-hint.tsx';
import { useParticipant } from '../store/index.ts';
import { Card, PageHeader } from '../../shared/layout.tsx';
import { EmptyState } from '../../shared/feedback.tsx';
import { AccuracyChart, type ChartRow } from '../../shared/charts.tsx';
import { formatPercent } from '../../shared/format.ts';

/** The rounds screen. */
export function RoundsScreen() {
  const rounds = useParticipant((s) => s.engine?.rounds ?? []);
  const rows: ChartRow[] = rounds.map((r) => ({
    round: r.round,
    local: r.localTestAccuracy ?? r.localAccuracy,
    unified: r.unifiedLocalAccuracy,
    hub: r.hubAccuracy,
  }));
  const hasHub = rounds.some((r) => r.hubAccuracy !== null);
  return (
    <>
      <PageHeader
        title="Rounds"
        subtitle="Your local model against the unified model, both measured on your own test split."
      />
      {rounds.length === 0 ? (
        <div className="card">
          <EmptyState
            title="No round yet"
            hint="A row appears here after each round: your model’s accuracy before and after unification."
          />
        </div>
      ) : (
        <>
          <Card title="Accuracy per round">
            <AccuracyChart
              testId="participant-rounds-chart"
              rows={rows}
              series={[
                { key: 'local', label: 'Local model', color: '#0ea5e9' },
                { key: 'unified', label: 'Unified model (here)', color: '#4f46e5' },
                ...(hasHub
                  ? [{ key: 'hub', label: 'Unified (hub test set)', color: '#64748b', dashed: true }]
                  : []),
              ]}
            />
          </Card>
          <ScrollHint>
            <table className="table" data-testid="participant-rounds-table">
              <thead>
                <tr>
                  <th>Round</th>
                  <th className="right">Local (train)</th>
                  <th className="right">Local (test)</th>
                  <th className="right">Unified (here)</th>
                  <th className="right">Unified (hub)</th>
                  <th>Method</th>
                </tr>
              </thead>
              <tbody>
                {rounds.map((r) => (
                  <tr key={r.round}>
                    <td className="num">{r.round}</td>
                    <td className="right num">{formatPercent(r.localAccuracy)}</td>
                    <td className="right num">{formatPercent(r.localTestAccuracy)}</td>
                    <td className="right num">
                      <strong>{formatPercent(r.unifiedLocalAccuracy)}</strong>
                    </td>
                    <td className="right num">{formatPercent(r.hubAccuracy)}</td>
                    <td className="mono">{r.method}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollHint>
        </>
      )}
    </>
  );
}
