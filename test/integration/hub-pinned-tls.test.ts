import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import type { Hub } from '../../hub/index.ts';
import { fetchPeerCertificate, pinnedTlsOptions } from '../../core/net/pinned-tls.ts';
import { OperatorClient } from '../../cli/operator-client.ts';
import { FEDERATION_NAMESPACE, PROTOCOL_VERSION } from '../../core/wire/protocol.ts';
import { jobWithInvite, outcome, startTestHub, tempDir, tinyJob } from './hub-helpers.ts';

const WRONG = Array.from({ length: 32 }, () => 'AB').join(':');

describe('pinned TLS against a real hub', () => {
  const tmp = tempDir();
  let hub: Hub;
  let password: string;
  beforeAll(async () => {
    const started = await startTestHub(tmp.dir);
    hub = started.hub;
    password = hub.operator.password as string;
    await jobWithInvite(started.op, tinyJob());
  });
  afterAll(async () => {
    await hub.close();
    tmp.cleanup();
  });

  it('reads the fingerprint the hub reports', async () => {
    expect((await fetchPeerCertificate(hub.url)).fingerprint).toBe(hub.fingerprint);
  });

  it('connects a socket.io client with the right pin (and the hub verifies the token)', async () => {
    const tls = await pinnedTlsOptions(hub.url, hub.fingerprint as string);
    expect(tls.rejectUnauthorized).toBe(true);
    const socket = io(hub.url + FEDERATION_NAMESPACE, {
      transports: ['websocket'],
      reconnection: false,
      auth: { token: 'y'.repeat(20), protocolVersion: PROTOCOL_VERSION, instanceId: 'x' },
      ...tls,
    });
    // Reaching the hub's auth check proves the TLS handshake succeeded under the pin.
    expect((await outcome(socket)).code).toBe('unauthorized');
    socket.disconnect();
  });

  it('refuses a wrong pin before anything is sent, naming both fingerprints', async () => {
    await expect(pinnedTlsOptions(hub.url, WRONG)).rejects.toThrow(
      /presented certificate .* but your invite pins AB:AB/,
    );
    await expect(
      OperatorClient.connect({ url: hub.url, fingerprint: WRONG, username: 'admin', password }),
    ).rejects.toThrow(/intercepting/);
  });

  it('fails the real connection when the pin check of the live handshake fails', async () => {
    const tls = await pinnedTlsOptions(hub.url, hub.fingerprint as string);
    const tampered = { ...tls, checkServerIdentity: () => new Error('pin mismatch on the live connection') };
    const socket = io(hub.url + FEDERATION_NAMESPACE, {
      transports: ['websocket'],
      reconnection: false,
      ...tampered,
    });
    const res = await outcome(socket);
    expect(res.connected).toBe(false);
    socket.disconnect();
  });
});
