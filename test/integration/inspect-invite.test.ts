/**
 * ParticipantEngine.inspectInvite against a real TLS hub: with the right pin it learns the hub's
 * identity and the job before joining; with a wrong pin it refuses before sending the token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../hub/index.ts';
import type { OperatorClient } from '../../cli/operator-client.ts';
import { ParticipantEngine } from '../../core/participant/engine.ts';
import { decodeInvite, encodeInvite } from '../../core/wire/invite.ts';
import { startTestHub, tempDir, tinyJob } from './hub-helpers.ts';

const WRONG = Array.from({ length: 32 }, () => 'AB').join(':');
let hub: Hub;
let op: OperatorClient;
let engine: ParticipantEngine;
const tmp = tempDir();
const stateDir = mkdtempSync(join(tmpdir(), 'fedunify-inspect-'));

beforeAll(async () => {
  ({ hub, op } = await startTestHub(tmp.dir));
  engine = new ParticipantEngine({ stateDir });
});

afterAll(async () => {
  await hub?.close();
  tmp.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

async function invite(jobId: string | null, org: string): Promise<string> {
  return (await op.request<{ invite: string }>('POST', '/api/invites', { name: org, jobId })).invite;
}

describe('ParticipantEngine.inspectInvite', () => {
  it('shows the hub and the job before joining, over the pinned certificate', async () => {
    const job = await op.request<{ id: string }>('POST', '/api/jobs', tinyJob({ name: 'Coats', rounds: 3 }));
    const text = await invite(job.id, 'Org Coats');
    const result = await engine.inspectInvite(text);
    if (!result.ok) throw new Error(result.error);
    expect(result.hub).toEqual({ url: hub.url, fingerprint: hub.fingerprint, org: 'Org Coats' });
    expect(result.job).toMatchObject({ jobId: job.id, name: 'Coats', rounds: 3, method: 'avg' });
    expect(result.job?.parameters).toBeGreaterThan(0);
    // Inspecting is not joining.
    expect(engine.getState().connection).toBe('idle');
    expect(engine.getState().hub).toBeNull();
  });

  it('refuses a hub whose certificate does not match the pin, naming both fingerprints', async () => {
    const good = decodeInvite(await invite(null, 'Org Pinned'));
    const result = await engine.inspectInvite(encodeInvite({ ...good, fingerprint: WRONG }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(/presented certificate .* but your invite pins AB:AB/);
    expect(result.error).toContain(hub.fingerprint as string);
    expect(result.code).toBe('unauthorized');
  });

  it('passes on the refusal of a revoked invite', async () => {
    const text = await invite(null, 'Org Gone');
    const list = await op.request<{ id: string; name: string }[]>('GET', '/api/invites');
    await op.request('DELETE', `/api/invites/${list.find((i) => i.name === 'Org Gone')?.id}`);
    const result = await engine.inspectInvite(text);
    expect(result).toMatchObject({
      ok: false,
      code: 'unauthorized',
      error: expect.stringMatching(/revoked/),
    });
  });

  it('says what is wrong with a malformed invite without contacting anything', async () => {
    const result = await engine.inspectInvite('hello');
    expect(result).toMatchObject({ ok: false, code: 'bad-request' });
  });
});
