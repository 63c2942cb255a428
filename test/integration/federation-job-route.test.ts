/**
 * GET /api/federation/job on a real hub: an invite's token sees its job's public summary; a
 * revoked, unknown or missing token gets 401 with what to do; a client that asks too fast, 429.
 */
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../hub/index.ts';
import type { OperatorClient } from '../../cli/operator-client.ts';
import { pinnedTlsOptions } from '../../core/net/pinned-tls.ts';
import { FEDERATION_JOB_PATH, federationJobAnswerSchema } from '../../core/wire/job-summary.ts';
import { decodeInvite } from '../../core/wire/invite.ts';
import { paramCount } from '../../core/model/manifest.ts';
import { TINY_MODEL, jobWithInvite, startTestHub, tempDir, tinyJob } from './hub-helpers.ts';

let hub: Hub;
let op: OperatorClient;
const tmp = tempDir();

/** One GET of the route with `token` (none when null); the body parsed as JSON. */
async function ask(token: string | null): Promise<{ status: number; body: Record<string, unknown> }> {
  const tls = await pinnedTlsOptions(hub.url, hub.fingerprint as string);
  return await new Promise((resolve, reject) => {
    const req = https.get(
      new URL(FEDERATION_JOB_PATH, hub.url),
      { ...tls, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    req.on('error', reject);
  });
}

beforeAll(async () => {
  ({ hub, op } = await startTestHub(tmp.dir));
});

afterAll(async () => {
  await hub?.close();
  tmp.cleanup();
});

describe('GET /api/federation/job', () => {
  it("answers an invite's token with its organization and its job's public summary", async () => {
    const { job, token } = await jobWithInvite(
      op,
      tinyJob({ name: 'Shoes', rounds: 7, localSteps: 5, batchSize: 16, targetAccuracy: 0.8 }),
      'Org Shoes',
    );
    await op.request('POST', '/api/invites', { name: 'Org Other', jobId: job.id });
    const { status, body } = await ask(token);
    expect(status).toBe(200);
    const answer = federationJobAnswerSchema.parse(body);
    expect(answer.org).toBe('Org Shoes');
    expect(answer.job).toMatchObject({
      jobId: job.id,
      name: 'Shoes',
      status: 'waiting',
      rounds: 7,
      localSteps: 5,
      batchSize: 16,
      targetAccuracy: 0.8,
      parameters: paramCount(TINY_MODEL),
    });
    expect(answer.detail).toMatch(/waiting|participant/i);
    // Nothing about other organizations: no participant list, no invites, no results.
    expect(Object.keys(body).sort()).toEqual(['detail', 'hubVersion', 'job', 'org', 'protocolVersion']);
    expect(JSON.stringify(body)).not.toContain('Org Other');
  });

  it('refuses a revoked invite with 401 and says to ask for a new one', async () => {
    const { token } = await jobWithInvite(op, tinyJob({ name: 'Revoked' }), 'Org Revoked');
    const invites = await op.request<{ id: string; name: string }[]>('GET', '/api/invites');
    const id = invites.find((i) => i.name === 'Org Revoked')?.id as string;
    await op.request('DELETE', `/api/invites/${id}`);
    const { status, body } = await ask(token);
    expect(status).toBe(401);
    expect(body.error).toMatch(/revoked.*ask for a new one/);
  });

  it('refuses an unknown or a missing token with 401 and a message', async () => {
    const unknown = await ask('z'.repeat(32));
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toMatch(/not known to the hub/);
    const missing = await ask(null);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatch(/Authorization: Bearer/);
  });

  it('answers 429 to a client that asks faster than the limit', async () => {
    const invite = await op.request<{ invite: string }>('POST', '/api/invites', { name: 'Org Fast' });
    const token = decodeInvite(invite.invite).token;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await ask(token)).status);
    expect(statuses).toContain(429);
    expect(statuses[0]).toBe(200);
  });
});
