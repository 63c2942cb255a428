import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HubClient } from '../../../../cli/simulate/hub-client.ts';

/** A plain-HTTP stand-in for the hub that drops the first `drops` connections mid-request. */
async function flakyHub(drops: number): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (seen.length <= drops) {
      req.socket.destroy(); // As a kept-alive socket closed by the hub just when it was reused.
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id: 'job-1', ok: true }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, seen };
}

describe('HubClient (simulate’s operator API client)', () => {
  let server: Server | null = null;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = null;
  });

  it('sends a GET again when the connection is reset, and answers', async () => {
    const hub = await flakyHub(2);
    server = hub.server;
    const job = await new HubClient(hub.url, null).job('job-1');
    expect(job).toMatchObject({ id: 'job-1' });
    expect(hub.seen).toEqual(['GET /api/jobs/job-1', 'GET /api/jobs/job-1', 'GET /api/jobs/job-1']);
  });

  it('gives up on a GET after three resets, naming the call', async () => {
    const hub = await flakyHub(5);
    server = hub.server;
    await expect(new HubClient(hub.url, null).rounds('job-1')).rejects.toThrow(
      /^GET \/api\/jobs\/job-1\/rounds: /,
    );
    expect(hub.seen).toHaveLength(3);
  });

  it('never sends a POST twice', async () => {
    const hub = await flakyHub(1);
    server = hub.server;
    await expect(new HubClient(hub.url, null).createInvite('Org', 'job-1')).rejects.toThrow(
      /^POST \/api\/invites: /,
    );
    expect(hub.seen).toEqual(['POST /api/invites']);
  });
});
