/**
 * GET /api/federation/job for the holder of an invite: authenticated by the invite's enrollment
 * token (`Authorization: Bearer <token>`), it answers the organization name, the hub's version and
 * a public summary of the job the invite leads to, so the Join screen can show it before joining.
 * Rate-limited per client address; it never says anything about other organizations.
 */
import type { IncomingMessage } from 'node:http';
import { resolveModel } from '../../../core/wire/job-spec.ts';
import {
  FEDERATION_JOB_PATH,
  type FederationJobAnswer,
  type JobSummary,
} from '../../../core/wire/job-summary.ts';
import { PROTOCOL_VERSION, type JobRecord } from '../../../core/wire/protocol.ts';
import { paramCount } from '../../../core/model/manifest.ts';
import { HttpError, sendJson, type Route } from '../../http-util.ts';
import { hashToken } from '../operator-auth.ts';
import { TokenBucket } from '../../rate-limit.ts';
import type { ApiDeps } from './api-context.ts';

/** How the route reads the token, what version it reports, and how fast a client may ask. */
export interface FederationJobRouteOptions {
  hubVersion: string;
  tokenOf: (req: IncomingMessage) => string | undefined;
  /** Requests per client address: burst and sustained rate (default 20, 2/s). */
  rate?: { burst: number; perSec: number };
}

/** The public summary of a job (no participants, no results). */
export function jobSummary(job: JobRecord): JobSummary {
  const s = job.spec;
  const model = resolveModel(s);
  return {
    jobId: job.id,
    name: s.name,
    status: job.status,
    model,
    parameters: paramCount(model),
    method: s.method,
    rounds: s.rounds,
    currentRound: job.currentRound,
    localEpochs: s.localEpochs,
    localSteps: s.localSteps ?? null,
    batchSize: s.batchSize,
    learningRate: s.learningRate,
    optimizer: s.optimizer,
    targetAccuracy: s.targetAccuracy ?? null,
    minParticipants: s.minParticipants,
  };
}

function isActive(job: JobRecord): boolean {
  return job.status === 'waiting' || job.status === 'running';
}

/** The route; one rate limiter per client address lives as long as the route. */
export function federationJobRoute(deps: ApiDeps, opts: FederationJobRouteOptions): Route {
  const rate = opts.rate ?? { burst: 20, perSec: 2 };
  const buckets = new Map<string, TokenBucket>();
  const allow = (address: string): boolean => {
    // Bounded memory under many addresses: forgetting the buckets only lets those clients burst again.
    if (buckets.size > 10_000) buckets.clear();
    let bucket = buckets.get(address);
    if (!bucket) buckets.set(address, (bucket = new TokenBucket(rate.burst, rate.perSec)));
    return bucket.take();
  };
  const escaped = FEDERATION_JOB_PATH.replace(/\//g, '\\/');
  return {
    method: 'GET',
    pattern: new RegExp(`^${escaped}$`),
    // Not the operator's login: the invite token is checked below.
    auth: false,
    handle: ({ req, res }) => {
      if (!allow(req.socket.remoteAddress ?? 'unknown')) {
        throw new HttpError(429, 'Too many requests for the job of an invite: wait a few seconds.');
      }
      const token = opts.tokenOf(req);
      if (!token) {
        throw new HttpError(
          401,
          'Send the token of your invite as "Authorization: Bearer <token>" to see its job.',
        );
      }
      const invite = deps.store.inviteByTokenHash(hashToken(token));
      if (!invite) {
        throw new HttpError(
          401,
          'This invite token is not known to the hub: ask the operator for a new invite.',
        );
      }
      if (invite.revoked) {
        throw new HttpError(401, 'This invite was revoked by the hub operator: ask for a new one.');
      }
      // The same choice JobManager.assign makes: the invite's own job, else the oldest active one.
      const job = invite.jobId
        ? deps.store.getJob(invite.jobId)
        : (deps.store.listJobs().find(isActive) ?? null);
      let detail: string;
      if (!job) {
        detail = invite.jobId
          ? 'The job of this invite no longer exists: ask the operator for a new invite.'
          : 'The hub has no job waiting yet: you can join now and get the job when the operator creates it.';
      } else if (!isActive(job)) {
        detail = `The job of this invite has ended (${job.status}): ask the operator for a new invite.`;
      } else {
        detail = job.statusDetail;
      }
      const answer: FederationJobAnswer = {
        org: invite.name,
        hubVersion: opts.hubVersion,
        protocolVersion: PROTOCOL_VERSION,
        job: job ? jobSummary(job) : null,
        detail,
      };
      sendJson(res, 200, answer);
    },
  };
}
