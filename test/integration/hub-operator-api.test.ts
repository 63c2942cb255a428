import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import type { Hub } from '../../hub/index.ts';
import { ApiError, type OperatorClient } from '../../cli/operator-client.ts';
import { pinnedTlsOptions } from '../../core/net/pinned-tls.ts';
import { OPERATOR_NAMESPACE, type JobRecord } from '../../core/wire/protocol.ts';
import { next, outcome, startTestHub, tempDir } from './hub-helpers.ts';

describe('hub: operator API and console feed', () => {
  const tmp = tempDir();
  let hub: Hub;
  let op: OperatorClient;
  beforeAll(async () => {
    ({ hub, op } = await startTestHub(tmp.dir, { consoleDir: tmp.dir + '/no-console' }));
  });
  afterAll(async () => {
    await hub.close();
    tmp.cleanup();
  });

  const failure = async (p: Promise<unknown>): Promise<ApiError> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  };

  it('answers a YAML job with errors on their lines', async () => {
    const err = await failure(op.request('POST', '/api/jobs', 'name: y\nrounds: -1\n', 'text/yaml'));
    expect(err.status).toBe(400);
    expect((err.body as { issues: unknown[] }).issues).toContainEqual(
      expect.objectContaining({ path: 'rounds', line: 2 }),
    );
  });

  it('refuses malformed JSON and unknown routes with clear messages', async () => {
    const bad = await failure(op.request('POST', '/api/jobs', '{"name":', 'application/json'));
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/not valid JSON/);
    expect((await failure(op.request('GET', '/api/nothing'))).status).toBe(404);
    expect((await failure(op.request('GET', '/api/jobs/job-none'))).message).toMatch(/No job job-none/);
  });

  it('needs a token for everything but /api/hub and login', async () => {
    const tls = await pinnedTlsOptions(hub.url, hub.fingerprint as string);
    const { default: https } = await import('node:https');
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get(`${hub.url}/api/jobs`, tls, (res) => (res.resume(), resolve(res.statusCode ?? 0)))
        .on('error', reject);
    });
    expect(status).toBe(401);
    const page = await new Promise<string>((resolve, reject) => {
      https
        .get(`${hub.url}/jobs/anything`, tls, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    expect(page).toContain('npm run build:renderer');
  });

  it('pushes job changes to an authenticated console socket and refuses others', async () => {
    const tls = await pinnedTlsOptions(hub.url, hub.fingerprint as string);
    const { token } = await op.request<{ token: string }>('POST', '/api/login', {
      username: 'admin',
      password: hub.operator.password,
    });
    const intruder = io(hub.url + OPERATOR_NAMESPACE, {
      transports: ['websocket'],
      reconnection: false,
      auth: { token: 'x' },
      ...tls,
    });
    expect((await outcome(intruder)).code).toBe('unauthorized');
    intruder.disconnect();
    const consoleSocket = io(hub.url + OPERATOR_NAMESPACE, {
      transports: ['websocket'],
      reconnection: false,
      auth: { token },
      ...tls,
    });
    expect((await outcome(consoleSocket)).connected).toBe(true);
    const changed = next<JobRecord>(consoleSocket, 'job:changed');
    const job = await op.request<JobRecord>('POST', '/api/jobs', { name: 'pushed', rounds: 1 });
    expect((await changed).id).toBe(job.id);
    const deleted = next<{ jobId: string }>(consoleSocket, 'job:deleted');
    await op.request('DELETE', `/api/jobs/${job.id}`);
    expect((await deleted).jobId).toBe(job.id);
    consoleSocket.disconnect();
  });
});
