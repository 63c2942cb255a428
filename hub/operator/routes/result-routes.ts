/**
 * REST routes for a job's outputs: the unified model in TF.js Layers format (latest or any
 * round's checkpoint) and the per-round results as JSON or CSV.
 */
import { HttpError, sendBytes, sendJson, type Route } from '../../http-util.ts';
import { jobModel } from '../../rounds/model-ops.ts';
import { resolveModel } from '../../../core/wire/job-spec.ts';
import type { RoundRecord } from '../../../core/wire/protocol.ts';
import type { ApiDeps } from './api-context.ts';
import { requireJob } from './job-routes.ts';

/** The TF.js artifacts of a job's checkpoint (latest, or `round`). */
async function artifacts(deps: ApiDeps, jobId: string, roundParam: string | null) {
  const job = requireJob(deps, jobId);
  let round: number | undefined;
  if (roundParam !== null) {
    round = Number(roundParam);
    if (!Number.isInteger(round) || round < 0)
      throw new HttpError(400, `?round=${roundParam} is not a round number (0, 1, 2, ...).`);
  }
  const saved = deps.store.rounds.checkpoint(job.id, round);
  if (!saved)
    throw new HttpError(
      404,
      `Job ${job.id} has no checkpoint${round === undefined ? '' : ` for round ${round}`}.`,
    );
  const weights = jobModel(job.spec).decode(saved.weights);
  // tfjs is heavy: loaded only when someone downloads a model.
  const { toTfjsArtifacts } = await import('../../../core/model/build.ts');
  return { round: saved.round, ...(await toTfjsArtifacts(resolveModel(job.spec), weights)) };
}

/** The weights file beside a model.json: the final model's, or round `round`'s checkpoint. */
export function checkpointWeightsFile(round: number | null): string {
  return round === null ? 'weights.bin' : `round-${round}-weights.bin`;
}

/** One CSV row per round and method, then per participant. */
export function resultsCsv(rounds: RoundRecord[]): string {
  const rows = [
    'round,kind,name,method,samples,local_accuracy,local_test_accuracy,unified_accuracy,bytes,sha256',
  ];
  const cell = (v: string | number | null) =>
    v === null ? '' : typeof v === 'number' ? String(v) : `"${v.replace(/"/g, '""')}"`;
  for (const r of rounds) {
    for (const m of r.methods) {
      rows.push(
        [r.round, 'hub', 'hub', m.method, null, null, null, m.hubAccuracy, null, null].map(cell).join(','),
      );
    }
    for (const p of r.participants) {
      rows.push(
        [
          r.round,
          'participant',
          p.name,
          r.method,
          p.samples,
          p.localAccuracy,
          p.localTestAccuracy,
          p.unifiedLocalAccuracy,
          p.bytes,
          p.sha256,
        ]
          .map(cell)
          .join(','),
      );
    }
  }
  return rows.join('\n') + '\n';
}

/** The result routes. */
export function resultRoutes(deps: ApiDeps): Route[] {
  const roundsOf = (jobId: string) => {
    const names = new Map(deps.store.listParticipants(jobId).map((p) => [p.id, p.name]));
    return deps.store.rounds.records(jobId, names);
  };
  return [
    {
      method: 'GET',
      pattern: /^\/api\/jobs\/(?<id>[\w-]+)\/model\/model\.json$/,
      auth: true,
      handle: async ({ res, params, query }) => {
        const roundParam = query.get('round');
        const a = await artifacts(deps, params.id, roundParam);
        // The weights file is named as it is downloaded beside this model.json (final model:
        // weights.bin; a round's checkpoint: round-N-weights.bin), and a route serves that name too,
        // so the pair loads from disk and from this URL alike.
        const file = checkpointWeightsFile(roundParam === null ? null : a.round);
        const manifest = (a.modelJson.weightsManifest as { paths: string[] }[]).map((g) => ({
          ...g,
          paths: [file],
        }));
        sendJson(res, 200, { ...a.modelJson, weightsManifest: manifest });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/jobs\/(?<id>[\w-]+)\/model\/weights\.bin$/,
      auth: true,
      handle: async ({ res, params, query }) => {
        const a = await artifacts(deps, params.id, query.get('round'));
        sendBytes(res, 'application/octet-stream', a.weightsBin, 'weights.bin');
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/jobs\/(?<id>[\w-]+)\/model\/round-(?<round>\d+)-weights\.bin$/,
      auth: true,
      handle: async ({ res, params }) => {
        const a = await artifacts(deps, params.id, params.round);
        sendBytes(res, 'application/octet-stream', a.weightsBin, checkpointWeightsFile(a.round));
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/jobs\/(?<id>[\w-]+)\/results\.json$/,
      auth: true,
      handle: ({ res, params }) => {
        const job = requireJob(deps, params.id);
        sendJson(res, 200, { job, participants: deps.jobs.participants(job.id), rounds: roundsOf(job.id) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/jobs\/(?<id>[\w-]+)\/results\.csv$/,
      auth: true,
      handle: ({ res, params }) => {
        const job = requireJob(deps, params.id);
        sendBytes(res, 'text/csv; charset=utf-8', resultsCsv(roundsOf(job.id)), `${job.id}-results.csv`);
      },
    },
  ];
}
