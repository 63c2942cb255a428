/**
 * REST routes for jobs: list, create (JSON or YAML, errors with line numbers), show, abort,
 * delete, and each job's participants, rounds and logs.
 */
import { HttpError, readBody, sendJson, type Route } from '../../http-util.ts';
import { parseJobSpecObject, parseJobSpecYaml } from '../job-spec-parse.ts';
import { modelLimitIssue } from '../model-limits.ts';
import type { ApiDeps } from './api-context.ts';
import type { JobRecord } from '../../../core/wire/protocol.ts';

const SPEC_LIMIT = 256 * 1024;

/** Looks a job up or answers 404. */
export function requireJob(deps: ApiDeps, id: string): JobRecord {
  const job = deps.store.getJob(id);
  if (!job)
    throw new HttpError(404, `No job ${id}. List jobs with GET /api/jobs (or \`fedunify job list\`).`);
  return job;
}

/** The job routes. */
export function jobRoutes(deps: ApiDeps): Route[] {
  const { store, jobs } = deps;
  return [
    {
      method: 'GET',
      pattern: /^\/api\/jobs$/,
      auth: true,
      handle: ({ res }) => sendJson(res, 200, store.listJobs()),
    },
    {
      method: 'POST',
      pattern: /^\/api\/jobs$/,
      auth: true,
      handle: async ({ req, res, operator }) => {
        const type = String(req.headers['content-type'] ?? 'application/json')
          .split(';')[0]
          .trim()
          .toLowerCase();
        const text = (await readBody(req, SPEC_LIMIT)).toString('utf8');
        let parsed;
        if (
          type === 'text/yaml' ||
          type === 'application/yaml' ||
          type === 'application/x-yaml' ||
          type === 'text/x-yaml'
        ) {
          parsed = parseJobSpecYaml(text);
        } else if (type === 'application/json') {
          let value: unknown;
          try {
            value = JSON.parse(text) as unknown;
          } catch (err) {
            throw new HttpError(400, `The job spec is not valid JSON: ${(err as Error).message}`);
          }
          parsed = parseJobSpecObject(value);
        } else {
          throw new HttpError(415, `Send the job spec as application/json or text/yaml, not ${type}.`);
        }
        if (!parsed.ok) throw new HttpError(400, parsed.error, { issues: parsed.issues });
        // Everything that can refuse the model runs before the job is stored (jobs.create undoes
        // its own partial work), so a refused spec never stays behind to fail every later start.
        let job: JobRecord;
        try {
          const tooLarge = modelLimitIssue(parsed.spec, deps.modelLimits);
          if (tooLarge) {
            throw new HttpError(400, `The job spec was refused: ${tooLarge.path}: ${tooLarge.message}`, {
              issues: [tooLarge],
            });
          }
          job = jobs.create(parsed.spec, operator);
        } catch (err) {
          if (err instanceof HttpError) throw err;
          const message = (err as Error).message;
          throw new HttpError(400, `The job's model cannot be built: model: ${message}`, {
            issues: [{ path: 'model', message }],
          });
        }
        sendJson(res, 201, job);
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/jobs\/(?<id>[\w-]+)$/,
      auth: true,
      handle: ({ res, params }) => sendJson(res, 200, requireJob(deps, params.id)),
    },
    {
      method: 'POST',
      pattern: /^\/api\/jobs\/(?<id>[\w-]+)\/abort$/,
      auth: true,
      handle: ({ res, params, operator }) => {
        const job = requireJob(deps, params.id);
        if (!jobs.abort(job.id, operator)) {
          throw new HttpError(
            409,
            `Job ${job.id} is ${job.status}; only waiting or running jobs can be aborted.`,
          );
        }
        store.audit(job.id, operator, 'job-aborted', {});
        sendJson(res, 200, requireJob(deps, job.id));
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/jobs\/(?<id>[\w-]+)$/,
      auth: true,
      handle: ({ res, params, operator }) => {
        requireJob(deps, params.id);
        jobs.delete(params.id, operator);
        sendJson(res, 200, { ok: true, deleted: params.id });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/jobs\/(?<id>[\w-]+)\/participants$/,
      auth: true,
      handle: ({ res, params }) => sendJson(res, 200, jobs.participants(requireJob(deps, params.id).id)),
    },
    {
      method: 'GET',
      pattern: /^\/api\/jobs\/(?<id>[\w-]+)\/rounds$/,
      auth: true,
      handle: ({ res, params }) => {
        const job = requireJob(deps, params.id);
        const names = new Map(store.listParticipants(job.id).map((p) => [p.id, p.name]));
        sendJson(res, 200, store.rounds.records(job.id, names));
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/jobs\/(?<id>[\w-]+)\/logs$/,
      auth: true,
      handle: ({ res, params, query }) => {
        const job = requireJob(deps, params.id);
        const limit = Math.min(5000, Math.max(1, Number(query.get('limit') ?? 500) || 500));
        sendJson(res, 200, store.logs(job.id, limit));
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/jobs\/(?<id>[\w-]+)\/audit$/,
      auth: true,
      handle: ({ res, params }) => sendJson(res, 200, store.auditEntries(requireJob(deps, params.id).id)),
    },
  ];
}
