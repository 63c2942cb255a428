/**
 * The max/absmax pick statistics of a simulation (core/unify/pick-stats.ts, recorded by the hub per
 * round): by participant name, a per-layer markdown table of the last round that has them, and
 * picks.svg — per layer, the share of coordinates taken from participant 1 under max and absmax,
 * and each rule's relative distance from avg.
 */
import type { LayerPicks, RoundPicks, RulePicks } from '../../core/unify/pick-stats.ts';
import type { RoundRecord } from '../../core/wire/protocol.ts';
import type { SimResults, SimRound } from './results.ts';
import { esc } from './svg-chart.ts';

/** A round's picks with shares in the order of the results' participants (0 for one without an update). */
export interface SimPicks {
  participants: string[];
  layers: LayerPicks[];
}

/** The record's picks re-keyed from participant ids to `names` order; undefined when it has none. */
export function simPicksFromRecord(rec: RoundRecord, names: string[]): SimPicks | undefined {
  const picks: RoundPicks | undefined = rec.picks;
  if (!picks) return undefined;
  const nameOf = new Map(rec.participants.map((p) => [p.participantId, p.name]));
  const index = names.map((n) => picks.participants.findIndex((id) => (nameOf.get(id) ?? id) === n));
  const reorder = (r: RulePicks): RulePicks => ({
    ...r,
    shares: index.map((i) => (i < 0 ? 0 : r.shares[i])),
  });
  return {
    participants: names,
    layers: picks.layers.map((l) => ({ ...l, max: reorder(l.max), absmax: reorder(l.absmax) })),
  };
}

/** The last round that has pick statistics, or null. */
export function lastPicksRound(results: SimResults): (SimRound & { picks: SimPicks }) | null {
  for (let i = results.rounds.length - 1; i >= 0; i--) {
    const r = results.rounds[i];
    if (r.picks) return r as SimRound & { picks: SimPicks };
  }
  return null;
}

const pc = (x: number) => `${(x * 100).toFixed(1)}%`;
const num = (x: number | null) => (x === null ? '–' : x.toPrecision(3));

/** The results.md section: one row per layer of the last round with picks (none: empty). */
export function picksMarkdown(results: SimResults): string[] {
  const last = lastPicksRound(results);
  if (!last) return [];
  const names = last.picks.participants.join(' / ');
  const header = [
    'layer',
    'values',
    `max: share ${names}`,
    'max ties',
    `absmax: share ${names}`,
    'absmax ties',
    '‖max−avg‖/‖avg‖',
    '‖absmax−avg‖/‖avg‖',
    'mean(max−avg)',
    'mean(absmax−avg)',
    'rms(avg)',
    '‖avg−global‖/‖global‖',
  ];
  const rows = last.picks.layers.map((l) => [
    `\`${l.name}\``,
    String(l.size),
    l.max.shares.map(pc).join(' / '),
    pc(l.max.ties),
    l.absmax.shares.map(pc).join(' / '),
    pc(l.absmax.ties),
    num(l.max.distance),
    num(l.absmax.distance),
    num(l.max.shift),
    num(l.absmax.shift),
    num(l.avgRms),
    num(l.step),
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    '',
    `## Which owner's value max and absmax take (round ${last.round})`,
    '',
    "Per layer, on this round's updates before any server step: the share of coordinates whose value each rule took from each participant (ties: two or more held the picked value, for absmax the picked magnitude), how far each rule's weights are from avg (relative L2), their mean signed shift from avg (max's upward bias), the scale of avg's weights, and how far avg moved the layer from the round's global model. Every round's figures are in results.json (`rounds[].picks`); the chart is picks.svg.",
    '',
    line(header),
    line(header.map(() => '---')),
    ...rows.map(line),
  ];
}

const W = 760;
const PANEL = 170;
const M = { left: 64, right: 170, top: 44, gap: 56, bottom: 110 };
const COLORS = { max: '#d62728', absmax: '#2ca02c' };

/** picks.svg: two bar panels per layer of the last round with picks (null when no round has them). */
export function picksChartSvg(results: SimResults): string | null {
  const last = lastPicksRound(results);
  if (!last) return null;
  const layers = last.picks.layers;
  const first = last.picks.participants[0] ?? 'participant 1';
  const H = M.top + 2 * PANEL + M.gap + M.bottom;
  const pw = W - M.left - M.right;
  const slot = pw / Math.max(1, layers.length);
  const bar = Math.min(28, slot / 3);
  const dists = layers.flatMap((l) => [l.max.distance ?? 0, l.absmax.distance ?? 0]);
  const dTop = niceCeil(Math.max(1e-9, ...dists));
  const top2 = M.top + PANEL + M.gap;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="20" font-size="14" font-weight="bold">${esc(`Which owner max and absmax take — ${results.env}-environment, round ${last.round}`)}</text>`,
    ...panel(M.top, `share taken from ${first}`, 1, (v) => `${Math.round(v * 100)}%`),
    // 50 %: neither owner favoured.
    `<line x1="${M.left}" y1="${(M.top + PANEL / 2).toFixed(1)}" x2="${M.left + pw}" y2="${(M.top + PANEL / 2).toFixed(1)}" stroke="#999" stroke-dasharray="4 3"/>`,
    ...panel(top2, '‖u − avg‖ / ‖avg‖', dTop, (v) => v.toPrecision(2)),
  ];
  layers.forEach((l, i) => {
    const cx = M.left + slot * (i + 0.5);
    (['max', 'absmax'] as const).forEach((rule, j) => {
      const x = cx + (j - 1) * bar;
      const share = l[rule].shares[0] ?? 0;
      const dist = l[rule].distance ?? 0;
      parts.push(
        rect(
          x,
          M.top,
          bar,
          share,
          1,
          COLORS[rule],
          `${rule}, ${l.name}: ${pc(share)} from ${first}, ties ${pc(l[rule].ties)}`,
        ),
      );
      parts.push(
        rect(x, top2, bar, dist, dTop, COLORS[rule], `${rule}, ${l.name}: ${num(l[rule].distance)} from avg`),
      );
    });
    const ly = top2 + PANEL + 12;
    parts.push(
      `<text x="${cx.toFixed(1)}" y="${ly}" text-anchor="end" transform="rotate(-40 ${cx.toFixed(1)} ${ly})">${esc(l.name)}</text>`,
    );
  });
  (['max', 'absmax'] as const).forEach((rule, i) => {
    const lx = M.left + pw + 16;
    const ly = M.top + 8 + i * 20;
    parts.push(`<rect x="${lx}" y="${ly - 6}" width="24" height="12" fill="${COLORS[rule]}"/>`);
    parts.push(`<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${rule}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';

  function panel(y0: number, label: string, top: number, fmt: (v: number) => string): string[] {
    const out: string[] = [];
    for (let t = 0; t <= 4; t++) {
      const yy = (y0 + PANEL - (t / 4) * PANEL).toFixed(1);
      out.push(`<line x1="${M.left}" y1="${yy}" x2="${M.left + pw}" y2="${yy}" stroke="#e5e5e5"/>`);
      out.push(
        `<text x="${M.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${fmt((t / 4) * top)}</text>`,
      );
    }
    out.push(
      `<line x1="${M.left}" y1="${y0}" x2="${M.left}" y2="${y0 + PANEL}" stroke="#333"/>`,
      `<line x1="${M.left}" y1="${y0 + PANEL}" x2="${M.left + pw}" y2="${y0 + PANEL}" stroke="#333"/>`,
      `<text x="${M.left}" y="${y0 - 8}">${esc(label)}</text>`,
    );
    return out;
  }
}

function rect(
  x: number,
  y0: number,
  w: number,
  v: number,
  top: number,
  color: string,
  title: string,
): string {
  const h = (Math.min(v, top) / top) * PANEL;
  return `<rect x="${x.toFixed(1)}" y="${(y0 + PANEL - h).toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"><title>${esc(title)}</title></rect>`;
}

/** The smallest of 1, 2, 5 × 10^k at or above x (an axis top). */
function niceCeil(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= x) ?? 10 * p;
}
