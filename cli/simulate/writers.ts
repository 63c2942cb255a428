/**
 * Writes a simulation's results: results.json, results.csv, results.md (a table shaped like the
 * paper's Tables 3 and 4, with the paper's numbers for V and H), results.svg (accuracy per round)
 * and, when the hub recorded which owner max/absmax picked, picks.svg (per layer, the last round).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAPER_REFERENCE, methodColumns, pct, type SimResults } from './results.ts';
import { accuracyChartSvg } from './svg-chart.ts';
import { picksChartSvg, picksMarkdown } from './picks.ts';

/** The header and rows of the per-round table (shared by the console, markdown and CSV). */
export function tableRows(results: SimResults): { header: string[]; rows: string[][] } {
  const methods = methodColumns(results);
  const names = results.rounds[0]?.local.map((l) => l.participant) ?? [];
  const header = [
    'round',
    ...names.map((n) => `local acc ${n}`),
    ...methods.map((m) => (m === results.method ? `${m}*` : m)),
  ];
  const rows = results.rounds.map((r) => [
    String(r.round),
    ...r.local.map((l) => pct(l.accuracy)),
    ...methods.map((m) =>
      pct(m in r.methods ? r.methods[m] : m === r.unified.method ? r.unified.hubAccuracy : null),
    ),
  ]);
  return { header, rows };
}

/** results.csv: one row per round and participant-independent columns, numbers as fractions 0..1. */
export function toCsv(results: SimResults): string {
  const methods = methodColumns(results);
  const names = results.rounds[0]?.local.map((l) => l.participant) ?? [];
  const header = [
    'round',
    ...names.flatMap((n) => [`local_acc_${n}`, `local_test_acc_${n}`, `unified_local_acc_${n}`]),
    ...methods.map((m) => `hub_acc_${m}`),
    'driving_method',
  ];
  const num = (x: number | null | undefined) => (x === null || x === undefined ? '' : x.toFixed(6));
  const lines = results.rounds.map((r) =>
    [
      String(r.round),
      ...r.local.flatMap((l, i) => [num(l.accuracy), num(l.testAccuracy), num(r.unifiedLocal[i]?.accuracy)]),
      ...methods.map((m) => num(r.methods[m] ?? (m === r.unified.method ? r.unified.hubAccuracy : null))),
      r.unified.method,
    ].join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

function mdTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** results.md: the measured table, the configuration, and the paper's table for the same environment. */
export function toMarkdown(results: SimResults): string {
  const { header, rows } = tableRows(results);
  const out = [
    `# FedUnify simulation: ${results.env}-environment, method ${results.method}`,
    '',
    `${results.participants} participants, seed ${results.seed}, ${results.limit ?? 'all'} training samples per participant, backend ${results.backend}, ${results.durationSec.toFixed(0)} s.`,
    "Columns: each participant's local training accuracy, then the hub-test accuracy of each unification method on the same updates (`*` = the job's method, which drives the next round).",
    '',
    mdTable(header, rows),
    ...picksMarkdown(results),
    '',
    '## Configuration',
    '',
    '```json',
    JSON.stringify(results.config, null, 2),
    '```',
  ];
  const env = results.env === 'V' || results.env === 'H' ? results.env : null;
  if (env) {
    out.push(
      '',
      `## The paper's numbers (Lee 2021, Table ${env === 'V' ? 3 : 4}, ${env}-environment)`,
      '',
      mdTable(
        ['epoch', 'local acc model 1', 'local acc model 2', 'avg', 'max', 'absmax'],
        PAPER_REFERENCE[env].map((r) => [
          String(r.epoch),
          `${r.local[0].toFixed(2)}%`,
          `${r.local[1].toFixed(2)}%`,
          `${r.avg.toFixed(2)}%`,
          `${r.max.toFixed(2)}%`,
          `${r.absmax.toFixed(2)}%`,
        ]),
      ),
    );
  }
  return out.join('\n') + '\n';
}

/**
 * Writes results.{json,csv,md,svg} (and picks.svg when there are picks) into `dir` (created when
 * missing); returns the paths. Each file
 * is replaced atomically, so a run killed while writing leaves the previous round's files whole.
 */
export function writeResults(dir: string, results: SimResults): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ['results.json', JSON.stringify(results, null, 2) + '\n'],
    ['results.csv', toCsv(results)],
    ['results.md', toMarkdown(results)],
    ['results.svg', accuracyChartSvg(results)],
  ];
  const picks = picksChartSvg(results);
  if (picks) files.push(['picks.svg', picks]);
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
    return path;
  });
}

/** The per-round table as aligned plain text for the terminal. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
