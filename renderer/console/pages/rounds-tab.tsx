/**
 * Rounds as the paper tabulates them (round, each participant's local accuracy, the unified
 * model's accuracy), and the Methods view (avg/max/absmax... on the same updates each round).
 */
import { ScrollHint } from '../../shared/scroll-hint.tsx';
import { useMemo } from 'react';
import type { RoundRecord } from '../../../core/wire/protocol.ts';
import { useConsole, selectRoundMap } from '../store/index.ts';
import {
  privacyMechanism,
  resolvedNoiseMultiplier,
  roundPrivacy,
} from '../../../core/privacy/round-privacy.ts';
import { AccuracyChart, SERIES_COLORS, type ChartRow, type Series } from '../../shared/charts.tsx';
import { Card } from '../../shared/layout.tsx';
import { EmptyState } from '../../shared/feedback.tsx';
import { formatPercent, formatNumber } from '../../shared/format.ts';

function useRounds(jobId: string): RoundRecord[] {
  const map = useConsole(selectRoundMap(jobId));
  return useMemo(() => Object.values(map).sort((a, b) => a.round - b.round), [map]);
}

function participantNames(rounds: RoundRecord[]): { id: string; name: string }[] {
  const seen = new Map<string, string>();
  for (const r of rounds)
    for (const p of r.participants) if (!seen.has(p.participantId)) seen.set(p.participantId, p.name);
  return [...seen].map(([id, name]) => ({ id, name }));
}

const localOf = (p: RoundRecord['participants'][number]) => p.localTestAccuracy ?? p.localAccuracy;

const noRounds = (
  <div className="card">
    <EmptyState
      title="No round has finished yet"
      hint="Rounds start once the minimum number of participants are connected and have loaded their data."
    />
  </div>
);

/** ε spent up to each round, when the job is private (null: a job without privacy settings). */
function usePrivacy(jobId: string): ((round: number) => string) | null {
  // One job by id: a selector that builds a new list on every call would re-render forever.
  const job = useConsole((s) => s.jobs[jobId]);
  return useMemo(() => {
    const spec = job?.spec;
    if (!spec || privacyMechanism(spec) === 'none') return null;
    const z = resolvedNoiseMultiplier(spec);
    return (round: number) => {
      const p = roundPrivacy(spec, round, z);
      return p.epsilon === null ? p.mechanism : `${p.mechanism}, ε ${p.epsilon.toFixed(2)}`;
    };
  }, [job?.spec]);
}

/** The paper-style rounds table and chart for one job. */
export function RoundsTab(props: { jobId: string }) {
  const rounds = useRounds(props.jobId);
  const privacy = usePrivacy(props.jobId);
  const names = participantNames(rounds);
  const hasHub = rounds.some((r) => r.hubAccuracy !== null);
  const rows: ChartRow[] = rounds.map((r) => {
    const row: ChartRow = { round: r.round, unified: r.hubAccuracy };
    for (const p of r.participants) {
      row[`local:${p.participantId}`] = localOf(p);
      row[`unified:${p.participantId}`] = p.unifiedLocalAccuracy;
    }
    return row;
  });
  const series: Series[] = [
    ...(hasHub ? [{ key: 'unified', label: 'Unified (hub test set)', color: '#111827' }] : []),
    ...names.map((n, i) => ({
      key: `local:${n.id}`,
      label: `${n.name} local`,
      color: SERIES_COLORS[(i + 1) % SERIES_COLORS.length],
    })),
    ...names.map((n, i) => ({
      key: `unified:${n.id}`,
      label: `Unified at ${n.name}`,
      color: SERIES_COLORS[(i + 1) % SERIES_COLORS.length],
      dashed: true,
    })),
  ];
  if (rounds.length === 0) return noRounds;
  return (
    <div style={{ display: 'grid', gap: 18 }}>
      <Card title="Accuracy per round">
        <AccuracyChart rows={rows} series={series} testId="rounds-chart" />
      </Card>
      <ScrollHint>
        <table className="table" data-testid="rounds-table">
          <thead>
            <tr>
              <th>Round</th>
              {names.map((n) => (
                <th key={`l${n.id}`} className="right">
                  {n.name} local
                </th>
              ))}
              {names.map((n) => (
                <th key={`u${n.id}`} className="right">
                  Unified at {n.name}
                </th>
              ))}
              <th className="right">Unified (hub)</th>
              <th className="right">Unify time</th>
              <th>Method</th>
              {privacy && <th>Privacy (ε spent)</th>}
            </tr>
          </thead>
          <tbody>
            {rounds.map((r) => {
              const by = new Map(r.participants.map((p) => [p.participantId, p]));
              return (
                <tr key={r.round} data-round={r.round}>
                  <td className="num">
                    {r.round}
                    {r.completedAt === null && <span className="muted small"> (in progress)</span>}
                  </td>
                  {names.map((n) => {
                    const p = by.get(n.id);
                    const why =
                      p?.distanceFromMedian !== undefined
                        ? `distance from the global model ${formatNumber(p.distanceFromGlobal, 2)}, from the round's median update ${formatNumber(p.distanceFromMedian, 2)}, robust z ${formatNumber(p.outlierScore, 1)}`
                        : undefined;
                    return (
                      <td
                        key={`l${n.id}`}
                        className={`right num${p?.outlier ? ' outlier' : ''}`}
                        title={why}
                        data-outlier={p?.outlier ? 'true' : undefined}
                      >
                        {formatPercent(p ? localOf(p) : null)}
                        {p?.outlier && <span className="badge warn"> outlier</span>}
                      </td>
                    );
                  })}
                  {names.map((n) => (
                    <td key={`u${n.id}`} className="right num">
                      {formatPercent(by.get(n.id)?.unifiedLocalAccuracy)}
                    </td>
                  ))}
                  <td className="right num">
                    <strong>{formatPercent(r.hubAccuracy)}</strong>
                  </td>
                  <td className="right num muted">
                    {r.unifyMs === null ? '—' : `${formatNumber(r.unifyMs)} ms`}
                  </td>
                  <td className="mono">{r.method}</td>
                  {privacy && <td data-testid="round-privacy">{privacy(r.round)}</td>}
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollHint>
    </div>
  );
}

/** Hub accuracy of every compared method on the same updates, per round. */
export function MethodsTab(props: { jobId: string }) {
  const rounds = useRounds(props.jobId);
  const methods = [...new Set(rounds.flatMap((r) => r.methods.map((m) => m.method)))];
  if (rounds.length === 0) return noRounds;
  if (methods.length === 0 || rounds.every((r) => r.methods.every((m) => m.hubAccuracy === null))) {
    return (
      <div className="card">
        <EmptyState
          title="No method comparison for this job"
          hint="Methods are compared on the hub's own test set. Create a job with hub evaluation (wizard step “Hub evaluation”) and compare methods."
        />
      </div>
    );
  }
  const rows: ChartRow[] = rounds.map((r) => {
    const row: ChartRow = { round: r.round };
    for (const m of r.methods) row[m.method] = m.hubAccuracy;
    return row;
  });
  return (
    <div style={{ display: 'grid', gap: 18 }}>
      <Card title="Hub accuracy by unification method">
        <AccuracyChart
          rows={rows}
          series={methods.map((m) => ({ key: m, label: m }))}
          testId="methods-chart"
        />
      </Card>
      <ScrollHint>
        <table className="table" data-testid="methods-table">
          <thead>
            <tr>
              <th>Round</th>
              {methods.map((m) => (
                <th key={m} className="right mono">
                  {m}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rounds.map((r) => {
              const accs = r.methods.map((m) => m.hubAccuracy ?? -1);
              const best = Math.max(...accs);
              return (
                <tr key={r.round}>
                  <td className="num">{r.round}</td>
                  {methods.map((m) => {
                    const acc = r.methods.find((x) => x.method === m)?.hubAccuracy ?? null;
                    const mark = acc !== null && acc === best ? 'right num best' : 'right num';
                    return (
                      <td key={m} className={mark}>
                        {formatPercent(acc)}
                        {m === r.method && <span className="muted small"> (used)</span>}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollHint>
    </div>
  );
}
