/** REST routes for invites: list, create (the only answer that shows the invite string), revoke. */
import { z } from 'zod';
import { encodeInvite } from '../../../core/wire/invite.ts';
import { HttpError, readJson, sendJson, type Route } from '../../http-util.ts';
import { hashToken, randomSecret } from '../operator-auth.ts';
import type { ApiDeps } from './api-context.ts';

const createInviteSchema = z.object({
  name: z.string().trim().min(1).max(200),
  jobId: z.string().min(1).max(64).nullable().optional(),
});

/** The invite routes. */
export function inviteRoutes(deps: ApiDeps): Route[] {
  const { store } = deps;
  return [
    {
      method: 'GET',
      pattern: /^\/api\/invites$/,
      auth: true,
      handle: ({ res }) => sendJson(res, 200, store.listInvites()),
    },
    {
      method: 'POST',
      pattern: /^\/api\/invites$/,
      auth: true,
      handle: async ({ req, res, operator }) => {
        const parsed = createInviteSchema.safeParse(await readJson(req));
        if (!parsed.success) {
          throw new HttpError(400, 'An invite needs { "name": "<organization>", "jobId"?: "<job id>" }.', {
            issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
          });
        }
        const jobId = parsed.data.jobId ?? null;
        if (jobId) {
          const job = store.getJob(jobId);
          if (!job) throw new HttpError(404, `No job ${jobId} to invite to.`);
          if (job.status !== 'waiting' && job.status !== 'running') {
            throw new HttpError(409, `Job ${jobId} is ${job.status}; invite to a waiting or running job.`);
          }
        }
        const token = randomSecret(24);
        const record = store.createInvite(parsed.data.name, jobId, hashToken(token));
        store.audit(jobId, operator, 'invite-created', { inviteId: record.id, name: record.name });
        const { url, fingerprint } = deps.hubInfo();
        const invite = encodeInvite({ hub: url, token, fingerprint, org: record.name });
        sendJson(res, 201, { ...record, invite });
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/invites\/(?<id>[\w-]+)$/,
      auth: true,
      handle: ({ res, params, operator }) => {
        if (!store.revokeInvite(params.id)) throw new HttpError(404, `No invite ${params.id}.`);
        const disconnected = deps.disconnectInvite(params.id);
        store.audit(store.getInvite(params.id)?.jobId ?? null, operator, 'invite-revoked', {
          inviteId: params.id,
          disconnected,
        });
        deps.log.info(
          'invites',
          `invite ${params.id} revoked by ${operator}; ${disconnected} participant(s) disconnected`,
        );
        sendJson(res, 200, { ...store.getInvite(params.id), disconnected });
      },
    },
  ];
}
