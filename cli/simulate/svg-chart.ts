/**
 * A small hand-written SVG line chart of accuracy per round: one solid line per unification
 * method (hub test accuracy), one dashed line per participant (local accuracy), axes and a legend.
 */
import { methodColumns, type SimResults } from './results.ts';

const W = 720;
const H = 400;
const M = { left: 56, right: 190, top: 36, bottom: 48 };
const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

interface Series {
  label: string;
  points: [number, number][];
  dashed: boolean;
}

/** Text escaped for SVG content and attribute values. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The series to draw: methods first, then each participant's local accuracy. */
export function chartSeries(results: SimResults): Series[] {
  const series: Series[] = methodColumns(results).map((m) => ({
    label: `${m}${m === results.method ? ' (job)' : ''} — hub`,
    dashed: false,
    points: results.rounds.flatMap((r): [number, number][] => {
      const v = r.methods[m] ?? (m === r.unified.method ? r.unified.hubAccuracy : null);
      return v === null || v === undefined ? [] : [[r.round, v]];
    }),
  }));
  const names = results.rounds[0]?.local.map((l) => l.participant) ?? [];
  names.forEach((n, i) =>
    series.push({
      label: `${n} local`,
      dashed: true,
      points: results.rounds.flatMap((r): [number, number][] => {
        const v = r.local[i]?.accuracy;
        return v === null || v === undefined ? [] : [[r.round, v]];
      }),
    }),
  );
  return series;
}

/** Renders the accuracy-per-round chart as a standalone SVG document. */
export function accuracyChartSvg(results: SimResults): string {
  const series = chartSeries(results);
  const rounds = results.rounds.map((r) => r.round);
  const minX = Math.min(1, ...rounds);
  const maxX = Math.max(minX + 1, ...rounds);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (r: number) => M.left + ((r - minX) / (maxX - minX)) * pw;
  const y = (a: number) => M.top + (1 - a) * ph;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="20" font-size="14" font-weight="bold">${esc(`Accuracy per round — ${results.env}-environment, ${results.participants} participants`)}</text>`,
  ];
  for (let t = 0; t <= 10; t += 2) {
    const yy = y(t / 10).toFixed(1);
    parts.push(`<line x1="${M.left}" y1="${yy}" x2="${M.left + pw}" y2="${yy}" stroke="#e5e5e5"/>`);
    parts.push(
      `<text x="${M.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${t * 10}%</text>`,
    );
  }
  const step = Math.max(1, Math.ceil((maxX - minX) / 10));
  for (let r = minX; r <= maxX; r += step) {
    parts.push(`<text x="${x(r).toFixed(1)}" y="${M.top + ph + 18}" text-anchor="middle">${r}</text>`);
  }
  parts.push(
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + ph}" stroke="#333"/>`,
    `<line x1="${M.left}" y1="${M.top + ph}" x2="${M.left + pw}" y2="${M.top + ph}" stroke="#333"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">round</text>`,
    `<text x="14" y="${M.top + ph / 2}" text-anchor="middle" transform="rotate(-90 14 ${M.top + ph / 2})">accuracy</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    const pts = s.points.map(([r, a]) => `${x(r).toFixed(1)},${y(a).toFixed(1)}`).join(' ');
    parts.push(`<g data-series="${esc(s.label)}">`);
    if (s.points.length > 1)
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts}"/>`);
    for (const [r, a] of s.points) {
      parts.push(
        `<circle cx="${x(r).toFixed(1)}" cy="${y(a).toFixed(1)}" r="3" fill="${color}"><title>${esc(`${s.label}, round ${r}: ${(a * 100).toFixed(2)}%`)}</title></circle>`,
      );
    }
    parts.push('</g>');
    const ly = M.top + 8 + i * 20;
    const lx = M.left + pw + 16;
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
    );
    parts.push(`<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
