import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { roundFromRecord, type SimResults } from '../../../../cli/simulate/results.ts';
import { accuracyChartSvg } from '../../../../cli/simulate/svg-chart.ts';
import { formatTable, tableRows, toCsv, toMarkdown, writeResults } from '../../../../cli/simulate/writers.ts';
import type { RoundRecord } from '../../../../core/wire/protocol.ts';
import type { RoundPicks } from '../../../../core/unify/pick-stats.ts';
import { picksChartSvg } from '../../../../cli/simulate/picks.ts';

function record(
  round: number,
  avg: number,
  max: number,
  absmax: number,
  locals: [number, number],
): RoundRecord {
  return {
    jobId: 'j',
    round,
    method: 'avg',
    startedAt: '',
    completedAt: '',
    participants: ['P1', 'P2'].map((name, i) => ({
      participantId: `id${i}`,
      name,
      samples: 100,
      localAccuracy: locals[i],
      localTestAccuracy: locals[i] - 0.01,
      unifiedLocalAccuracy: avg + 0.001 * i,
      bytes: 425_000,
      sha256: 'x',
    })),
    methods: [
      { method: 'avg', hubAccuracy: avg, hubLoss: 0.3 },
      { method: 'max', hubAccuracy: max, hubLoss: 1 },
      { method: 'absmax', hubAccuracy: absmax, hubLoss: 0.5 },
    ],
    hubAccuracy: avg,
    unifyMs: 3,
  };
}

function results(): SimResults {
  return {
    env: 'V',
    method: 'avg',
    participants: 2,
    seed: 1,
    limit: 3000,
    rounds: [
      record(1, 0.7613, 0.1828, 0.711, [0.9141, 0.9151]),
      record(2, 0.93, 0.8532, 0.9153, [0.9243, 0.9213]),
    ].map((r) => roundFromRecord(r, ['P1', 'P2'])),
    config: { localEpochs: 1 },
    backend: 'wasm',
    durationSec: 42,
  };
}

describe('simulation results writers', () => {
  it('builds rows in participant order with every method of the record', () => {
    const r = roundFromRecord(record(1, 0.8, 0.2, 0.7, [0.9, 0.85]), ['P2', 'P1']);
    expect(r.local.map((l) => [l.participant, l.accuracy])).toEqual([
      ['P2', 0.85],
      ['P1', 0.9],
    ]);
    expect(r.methods).toEqual({ avg: 0.8, max: 0.2, absmax: 0.7 });
    expect(r.unified).toEqual({ method: 'avg', hubAccuracy: 0.8 });
  });

  it('prints a table shaped like the paper: locals, then avg*/max/absmax', () => {
    const { header, rows } = tableRows(results());
    expect(header).toEqual(['round', 'local acc P1', 'local acc P2', 'avg*', 'max', 'absmax']);
    expect(rows[1]).toEqual(['2', '92.43%', '92.13%', '93.00%', '85.32%', '91.53%']);
    expect(formatTable(header, rows).split('\n')).toHaveLength(4);
  });

  it('writes the numbers to csv as fractions', () => {
    const csv = toCsv(results()).trim().split('\n');
    expect(csv[0]).toBe(
      'round,local_acc_P1,local_test_acc_P1,unified_local_acc_P1,local_acc_P2,local_test_acc_P2,unified_local_acc_P2,hub_acc_avg,hub_acc_max,hub_acc_absmax,driving_method',
    );
    expect(csv[2].split(',')).toEqual([
      '2',
      '0.924300',
      '0.914300',
      '0.930000',
      '0.921300',
      '0.911300',
      '0.931000',
      '0.930000',
      '0.853200',
      '0.915300',
      'avg',
    ]);
  });

  it('writes markdown with the measured table and the paper reference for V', () => {
    const md = toMarkdown(results());
    expect(md).toContain('| 1 | 91.41% | 91.51% | 76.13% | 18.28% | 71.10% |');
    expect(md).toContain("The paper's numbers (Lee 2021, Table 3, V-environment)");
    expect(md).toContain('| 5000 | 93.26% | 92.43% | 93.73% | 89.60% | 93.22% |');
  });

  it('draws one line per method and per participant with a legend', () => {
    const svg = accuracyChartSvg(results());
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(5);
    for (const label of ['avg (job) — hub', 'max — hub', 'absmax — hub', 'P1 local', 'P2 local'])
      expect(svg).toContain(`>${label}</text>`);
    expect(svg).toContain('round 2: 85.32%');
  });

  it('writes the four files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedunify-results-'));
    try {
      const paths = writeResults(join(dir, 'out'), results());
      expect(paths.map((p) => p.slice(p.lastIndexOf('/') + 1))).toEqual([
        'results.json',
        'results.csv',
        'results.md',
        'results.svg',
      ]);
      expect(JSON.parse(readFileSync(paths[0], 'utf8')).rounds[1].methods.max).toBe(0.8532);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** The hub's picks: ids sorted (id0 = P1, id1 = P2), a kernel and a bias layer. */
  const picks = (shift: number): RoundPicks => ({
    participants: ['id0', 'id1'],
    layers: [
      {
        name: 'conv2d/kernel',
        size: 1152,
        avgRms: 0.1,
        step: 0.05,
        max: { shares: [0.5, 0.49], ties: 0.01, distance: 0.4, shift },
        absmax: { shares: [0.5, 0.5], ties: 0, distance: 0.2, shift: 0.001 },
      },
      {
        name: 'dense/bias',
        size: 10,
        avgRms: 0.02,
        step: null,
        max: { shares: [0.8, 0.2], ties: 0, distance: 1.5, shift: 0.03 },
        absmax: { shares: [0.3, 0.7], ties: 0, distance: 0.9, shift: -0.002 },
      },
    ],
  });
  const withPicks = (): SimResults => {
    const r = results();
    const recs = [record(1, 0.76, 0.18, 0.71, [0.91, 0.92]), record(2, 0.93, 0.85, 0.92, [0.92, 0.92])];
    recs[0].picks = picks(0.011);
    recs[1].picks = picks(0.022);
    return { ...r, rounds: recs.map((x) => roundFromRecord(x, ['P1', 'P2'])) };
  };

  it('keys the picks by participant name in the results order', () => {
    const rec = { ...record(1, 0.8, 0.2, 0.7, [0.9, 0.85]), picks: picks(0.01) };
    const r = roundFromRecord(rec, ['P2', 'P1']);
    expect(r.picks?.participants).toEqual(['P2', 'P1']);
    expect(r.picks?.layers[1].max.shares).toEqual([0.2, 0.8]);
    expect(r.picks?.layers[1].absmax.shares).toEqual([0.7, 0.3]);
    expect(roundFromRecord(record(1, 0.8, 0.2, 0.7, [0.9, 0.85]), ['P1', 'P2'])).not.toHaveProperty('picks');
  });

  it('adds a per-layer picks table of the last round to the markdown', () => {
    const md = toMarkdown(withPicks());
    expect(md).toContain("## Which owner's value max and absmax take (round 2)");
    expect(md).toContain(
      '| `conv2d/kernel` | 1152 | 50.0% / 49.0% | 1.0% | 50.0% / 50.0% | 0.0% | 0.400 | 0.200 | 0.0220 | 0.00100 | 0.100 | 0.0500 |',
    );
    expect(md).toContain(
      '| `dense/bias` | 10 | 80.0% / 20.0% | 0.0% | 30.0% / 70.0% | 0.0% | 1.50 | 0.900 |',
    );
    expect(toMarkdown(results())).not.toContain('Which owner');
  });

  it('draws picks.svg: per layer, P1 share, distance and signed shift from avg for max and absmax', () => {
    const svg = picksChartSvg(withPicks())!;
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('round 2');
    expect(svg).toContain('share of values taken from P1');
    expect(svg).toContain('<title>max, dense/bias: 80.0% from P1, ties 0.0%</title>');
    expect(svg).toContain('<title>absmax, conv2d/kernel: 0.200 from avg</title>');
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(12);
    expect(svg).toContain('<title>max, conv2d/kernel: mean shift 0.0220, rms(avg) 0.100</title>');
    expect(picksChartSvg(results())).toBeNull();
  });

  it('writes picks.svg next to the results when the rounds have picks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedunify-results-'));
    try {
      const paths = writeResults(join(dir, 'out'), withPicks());
      expect(paths.map((p) => p.slice(p.lastIndexOf('/') + 1))).toContain('picks.svg');
      const json = JSON.parse(readFileSync(paths[0], 'utf8')) as SimResults;
      expect(json.rounds[0].picks?.layers[0].max.shift).toBe(0.011);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
