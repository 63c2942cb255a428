/**
 * Cost of secure aggregation, in process: one SecAgg+ round of K lightweight participants over the
 * paper CNN's update (106,442 parameters + the weight slot), message for message as over the wire
 * (core/privacy/secagg-local.ts) but without sockets. Reports the hub's CPU time for the round, the
 * mean and max CPU time per participant (they run in parallel in a real round), and the protocol
 * bytes each participant sends and receives beyond the update itself. Printed, never asserted.
 */
import { randomBytes } from 'node:crypto';
import { paramCount } from '../core/model/manifest.ts';
import { PAPER_CNN } from '../core/model/spec.ts';
import { localRoundConfig, runLocalSecAgg } from '../core/privacy/secagg-local.ts';
import { secAggThresholdFor } from '../core/wire/privacy-spec.ts';

/** One measured configuration. */
export interface SecAggCost {
  participants: number;
  degree: number;
  threshold: number;
  dropped: number;
  hubMs: number;
  participantMeanMs: number;
  participantMaxMs: number;
  /** Mean payload bytes a surviving participant sends + receives beyond its masked vector. */
  overheadBytes: number;
  /** The masked vector itself (what replaces the plain update). */
  vectorBytes: number;
}

/** Measures one round of K participants with `dropFraction` of them lost after sharing keys. */
export async function measureSecAgg(participants: number, dropFraction: number): Promise<SecAggCost> {
  const n = paramCount(PAPER_CNN) + 1;
  const ids = Array.from({ length: participants }, (_, i) => `p${String(i).padStart(3, '0')}`);
  const config = localRoundConfig('bench/1', ids, secAggThresholdFor({}, participants), n);
  const inputs = new Map(ids.map((id) => [id, new Uint32Array(randomBytes(n * 4).buffer)]));
  const dropCount = Math.round(participants * dropFraction);
  const beforeMasked = ids.slice(0, dropCount);
  const r = await runLocalSecAgg(config, inputs, { beforeMasked });
  const survivors = ids.filter((id) => !beforeMasked.includes(id));
  const ms = survivors.map((id) => r.participantMs.get(id)!);
  const overhead = survivors.map((id) => r.sentBytes.get(id)! + r.receivedBytes.get(id)! - n * 4);
  return {
    participants,
    degree: config.degree,
    threshold: config.threshold,
    dropped: dropCount,
    hubMs: r.hubMs,
    participantMeanMs: ms.reduce((a, b) => a + b, 0) / ms.length,
    participantMaxMs: Math.max(...ms),
    overheadBytes: overhead.reduce((a, b) => a + b, 0) / overhead.length,
    vectorBytes: n * 4,
  };
}

// `node --import tsx bench/secagg-cost.ts [K...]` prints a markdown table.
if (import.meta.url === `file://${process.argv[1]}`) {
  const ks = process.argv.slice(2).map(Number);
  console.log(
    '| K | degree k | t | dropped | hub ms | participant ms (mean / max) | extra bytes per participant | masked vector bytes |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const k of ks.length > 0 ? ks : [3, 10, 100]) {
    for (const drop of [0, 0.1]) {
      if (drop > 0 && Math.round(k * drop) === 0) continue;
      const c = await measureSecAgg(k, drop);
      console.log(
        `| ${c.participants} | ${c.degree} | ${c.threshold} | ${c.dropped} | ${c.hubMs.toFixed(0)} | ${c.participantMeanMs.toFixed(0)} / ${c.participantMaxMs.toFixed(0)} | ${Math.round(c.overheadBytes)} | ${c.vectorBytes} |`,
      );
    }
  }
}
