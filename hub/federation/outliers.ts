/**
 * Seeing attacks at round close, as a round hook that runs once the unified weights went out (the
 * statistics change nothing in them, so participants do not wait for them): each update's distance from the global model
 * and from the round's median update (core/unify/update-stats.ts) is stored for the console,
 * outliers are logged as warnings, and the numbers go into the audit chain. It needs every update
 * of the round (keepUpdates); under secure aggregation the hub has none, and records nothing.
 */
import {
  addDistances,
  coordinateRanges,
  distanceSums,
  statsFromSums,
  type UpdateStat,
} from '../../core/unify/update-stats.ts';
import type { Update } from '../../core/unify/types.ts';
import type { Store } from '../db/store.ts';
import type { HubLogger } from '../hub-events.ts';
import type { RoundHooks } from '../rounds/strategy.ts';

const short = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)) : null);

/** Values (updates × coordinates) per slice of work between two turns of the event loop. */
const VALUES_PER_SLICE = 2 ** 22;

/**
 * The round's update statistics, a slice of coordinates at a time with the event loop free in
 * between: at K = 1,000 on the paper CNN the coordinate-wise median is over a second of CPU, which
 * in one piece would hold every socket's heartbeat (and every other job) still.
 */
export async function updateStatsYielding(global: Float32Array[], updates: Update[]): Promise<UpdateStat[]> {
  if (updates.length === 0) return [];
  const sums = distanceSums(updates.length);
  const perSlice = Math.max(256, Math.floor(VALUES_PER_SLICE / updates.length));
  for (const range of coordinateRanges(global, perSlice)) {
    addDistances(sums, global, updates, range);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return statsFromSums(sums);
}

/** The round hook that records per-update distances and outlier flags. */
export function outlierHooks(store: Store, log: HubLogger): RoundHooks {
  return {
    keepUpdates: true,
    async afterUnified(ctx, kept) {
      if (!kept || kept.size === 0) return;
      const { jobId, round } = ctx;
      try {
        const ids = [...kept.keys()].sort();
        const stats = (
          await updateStatsYielding(
            ctx.global,
            ids.map((id) => kept.get(id) as NonNullable<ReturnType<typeof kept.get>>),
          )
        ).map((s, i) => ({ participantId: ids[i], ...s }));
        store.putUpdateStats(jobId, round, stats);
        store.audit(jobId, 'hub', 'update-stats', {
          round,
          updates: stats.map((s) => ({
            participant: s.participantId,
            distanceFromGlobal: short(s.distanceFromGlobal),
            distanceFromMedian: short(s.distanceFromMedian),
            score: short(s.score),
            outlier: s.outlier,
          })),
        });
        for (const s of stats.filter((x) => x.outlier)) {
          const name = store.getParticipant(s.participantId)?.name ?? s.participantId;
          const z = Number.isFinite(s.score) ? s.score.toFixed(1) : '∞';
          log.warn(
            'rounds',
            `round ${round}: the update of ${name} is an outlier (distance from the round's median update ${s.distanceFromMedian.toPrecision(3)}, robust z ${z})`,
            jobId,
          );
        }
      } catch (err) {
        log.warn('rounds', `round ${round}: update statistics failed: ${(err as Error).message}`, jobId);
      }
    },
  };
}
