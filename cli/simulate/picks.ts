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
const PANEL = 150;
const M = { left: 64, right: 170, top: 44, gap: 44, bottom: 110 };
const COLORS = { max: '#d62728', absmax: '#2ca02c' };
const RULES = ['max', 'absmax'] as const;

/** A bar panel: its top edge, title, value range and the label of a tick. */
interface Panel {
  y0: number;
  title: string;
  lo: number;
  hi: number;
  fmt: (v: number) => string;
  /** The bar of a rule in a layer and its tooltip. */
  value: (l: LayerPicks, rule: (typeof RULES)[number]) => [number, string];
}

/**
 * picks.svg, per layer of the last round with picks (null when no round has them): the share of
 * values each rule took from participant 1, its relative distance from avg, and its mean signed
 * shift from avg over the layer's rms(avg) — the panel where max (upward) and absmax (≈ 0) differ.
 */
export function picksChartSvg(results: SimResults): string | null {
  const last = lastPicksRound(results);
  if (!last) return null;
  const layers = last.picks.layers;
  const first = last.picks.participants[0] ?? 'participant 1';
  const pw = W - M.left - M.right;
  const slot = pw / Math.max(1, layers.length);
  const bar = Math.min(28, slot / 3);
  const rel = (l: LayerPicks, r: (typeof RULES)[number]) => (l.avgRms > 0 ? l[r].shift / l.avgRms : 0);
  const dTop = niceCeil(Math.max(1e-9, ...layers.flatMap((l) => RULES.map((r) => l[r].distance ?? 0))));
  const sTop = niceCeil(Math.max(1e-9, ...layers.flatMap((l) => RULES.map((r) => Math.abs(rel(l, r))))));
  const y = (i: number) => M.top + i * (PANEL + M.gap);
  const panels: Panel[] = [
    {
      y0: y(0),
      title: `share of values taken from ${first} (dashed: 50%)`,
      lo: 0,
      hi: 1,
      fmt: (v) => `${Math.round(v * 100)}%`,
      value: (l, r) => [
        l[r].shares[0] ?? 0,
        `${r}, ${l.name}: ${pc(l[r].shares[0] ?? 0)} from ${first}, ties ${pc(l[r].ties)}`,
      ],
    },
    {
      y0: y(1),
      title: '‖u − avg‖ / ‖avg‖',
      lo: 0,
      hi: dTop,
      fmt: (v) => String(+v.toPrecision(2)),
      value: (l, r) => [l[r].distance ?? 0, `${r}, ${l.name}: ${num(l[r].distance)} from avg`],
    },
    {
      y0: y(2),
      title: 'mean(u − avg) / rms(avg): the signed shift',
      lo: -sTop,
      hi: sTop,
      fmt: (v) => String(+v.toPrecision(2)),
      value: (l, r) => [
        rel(l, r),
        `${r}, ${l.name}: mean shift ${num(l[r].shift)}, rms(avg) ${num(l.avgRms)}`,
      ],
    },
  ];
  const H = y(3) - M.gap + M.bottom;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="20" font-size="14" font-weight="bold">${esc(`Which owner max and absmax take — ${results.env}-environment, round ${last.round}`)}</text>`,
  ];
  for (const p of panels) {
    parts.push(...axes(p, pw));
    layers.forEach((l, i) => {
      const cx = M.left + slot * (i + 0.5);
      RULES.forEach((rule, j) => {
        const [v, title] = p.value(l, rule);
        parts.push(barRect(p, cx + (j - 1) * bar, bar, v, COLORS[rule], title));
      });
    });
  }
  const mid = (y(0) + PANEL / 2).toFixed(1);
  parts.push(
    `<line x1="${M.left}" y1="${mid}" x2="${M.left + pw}" y2="${mid}" stroke="#999" stroke-dasharray="4 3"/>`,
  );
  layers.forEach((l, i) => {
    const cx = (M.left + slot * (i + 0.5)).toFixed(1);
    const ly = y(2) + PANEL + 12;
    parts.push(
      `<text x="${cx}" y="${ly}" text-anchor="end" transform="rotate(-40 ${cx} ${ly})">${esc(l.name)}</text>`,
    );
  });
  RULES.forEach((rule, i) => {
    const lx = M.left + pw + 16;
    const ly = M.top + 8 + i * 20;
    parts.push(`<rect x="${lx}" y="${ly - 6}" width="24" height="12" fill="${COLORS[rule]}"/>`);
    parts.push(`<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${rule}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** The y pixel of value v in panel p (clamped to the panel). */
function yOf(p: Panel, v: number): number {
  const c = Math.min(p.hi, Math.max(p.lo, v));
  return p.y0 + PANEL - ((c - p.lo) / (p.hi - p.lo)) * PANEL;
}

function axes(p: Panel, pw: number): string[] {
  const out: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const v = p.lo + (t / 4) * (p.hi - p.lo);
    const yy = yOf(p, v).toFixed(1);
    out.push(`<line x1="${M.left}" y1="${yy}" x2="${M.left + pw}" y2="${yy}" stroke="#e5e5e5"/>`);
    out.push(
      `<text x="${M.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${p.fmt(v)}</text>`,
    );
  }
  const zero = yOf(p, 0).toFixed(1);
  out.push(
    `<line x1="${M.left}" y1="${p.y0}" x2="${M.left}" y2="${p.y0 + PANEL}" stroke="#333"/>`,
    `<line x1="${M.left}" y1="${zero}" x2="${M.left + pw}" y2="${zero}" stroke="#333"/>`,
    `<text x="${M.left}" y="${p.y0 - 8}">${esc(p.title)}</text>`,
  );
  return out;
}

/** A bar from 0 to v (down for a negative v). */
function barRect(p: Panel, x: number, w: number, v: number, color: string, title: string): string {
  const a = yOf(p, 0);
  const b = yOf(p, v);
  return `<rect x="${x.toFixed(1)}" y="${Math.min(a, b).toFixed(1)}" width="${w.toFixed(1)}" height="${Math.abs(b - a).toFixed(1)}" fill="${color}"><title>${esc(title)}</title></rect>`;
}

/** The smallest of 1, 2, 4, 5 × 10^k at or above x (an axis top in quarters). */
function niceCeil(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 4, 5, 10].map((m) => m * p).find((v) => v >= x * (1 - 1e-12)) ?? 10 * p;
}
