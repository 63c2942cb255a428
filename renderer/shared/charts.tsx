/**
 * Charts: accuracy per round as lines (0..100%), and class counts as bars. Animation is off:
 * these series update live and an animation would replay on every round.
 */
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

export const SERIES_COLORS = [
  '#4f46e5',
  '#0ea5e9',
  '#f59e0b',
  '#10b981',
  '#ef4444',
  '#8b5cf6',
  '#ec4899',
  '#64748b',
];

export interface Series {
  key: string;
  label: string;
  color?: string;
  dashed?: boolean;
}

export type ChartRow = { round: number } & Record<string, number | null>;

const pct = (v: unknown) => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : '—');

/** Accuracy (0..1) per round for several series; an empty state until the first round ends. */
export function AccuracyChart(props: {
  rows: ChartRow[];
  series: Series[];
  emptyHint?: string;
  testId?: string;
}) {
  if (props.rows.length === 0) {
    return (
      <div className="chart-empty" data-testid={props.testId}>
        {props.emptyHint ?? 'The chart fills in as rounds complete.'}
      </div>
    );
  }
  return (
    <div className="chart" data-testid={props.testId}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={props.rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#eef0f4" vertical={false} />
          <XAxis dataKey="round" tickLine={false} axisLine={{ stroke: '#d0d5dd' }} allowDecimals={false} />
          <YAxis
            domain={[0, 1]}
            tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
            tickLine={false}
            axisLine={false}
            width={48}
          />
          <Tooltip formatter={(v) => pct(v)} labelFormatter={(l) => `Round ${String(l)}`} />
          <Legend iconType="plainline" />
          {props.series.map((s, i) => (
            <Line
              key={s.key}
              type="monotone"
              dataKey={s.key}
              name={s.label}
              stroke={s.color ?? SERIES_COLORS[i % SERIES_COLORS.length]}
              strokeWidth={s.dashed ? 1.75 : 2.5}
              strokeDasharray={s.dashed ? '5 4' : undefined}
              dot={{ r: 3 }}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Samples per class as bars. */
export function ClassHistogram(props: { counts: number[]; labels?: string[]; testId?: string }) {
  const rows = props.counts.map((count, i) => ({ label: props.labels?.[i] ?? String(i), count }));
  return (
    <div className="chart" data-testid={props.testId}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#eef0f4" vertical={false} />
          <XAxis dataKey="label" tickLine={false} interval={0} fontSize={11} />
          <YAxis tickLine={false} axisLine={false} width={44} allowDecimals={false} />
          <Tooltip />
          <Bar
            dataKey="count"
            name="samples"
            fill="#6366f1"
            radius={[4, 4, 0, 0]}
            isAnimationActive={false}
          />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
