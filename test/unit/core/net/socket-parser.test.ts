import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HUB_MAX_ATTACHMENTS,
  PARTICIPANT_MAX_ATTACHMENTS,
  socketParser,
} from '../../../../core/net/socket-parser.ts';

/** A message shaped like secagg:neighbours for `n` neighbours: four small binary fields each. */
function neighbours(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `p${i}`,
    cPublicKey: new Uint8Array(32).fill(i),
    sPublicKey: new Uint8Array(32).fill(i + 1),
    bCommitment: new Uint8Array(32).fill(i + 2),
    signature: new Uint8Array(64).fill(i + 3),
  }));
}

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

/** A server pushing `payload` on connect; resolves with what the client got, or why it dropped. */
async function push(payload: unknown, clientParser?: ReturnType<typeof socketParser>) {
  const http = createServer();
  const server = new Server(http, { transports: ['websocket'], parser: socketParser(HUB_MAX_ATTACHMENTS) });
  server.on('connection', (s) => s.emit('push', payload));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  const client: Socket = io(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    reconnection: false,
    ...(clientParser ? { parser: clientParser } : {}),
  });
  closers.push(() => {
    client.close();
    void server.close();
  });
  return await new Promise<{ got: unknown } | { dropped: string }>((resolve) => {
    client.on('push', (got: unknown) => resolve({ got }));
    client.on('disconnect', (reason) => resolve({ dropped: reason }));
  });
}

describe('socket.io parser sized for secure aggregation', () => {
  it('a participant receives a packet with 19 neighbours × 4 binary fields intact', async () => {
    const sent = neighbours(19);
    const res = await push(sent, socketParser(PARTICIPANT_MAX_ATTACHMENTS));
    expect('got' in res).toBe(true);
    const got = (res as { got: ReturnType<typeof neighbours> }).got;
    expect(got).toHaveLength(19);
    expect(Buffer.from(got[18].signature).equals(Buffer.from(sent[18].signature))).toBe(true);
  });

  it("the stock parser drops the same packet ('parse error'): what broke rounds of 4 or more", async () => {
    expect(await push(neighbours(19))).toEqual({ dropped: 'parse error' });
  });

  it('the hub accepts what a participant sends for the widest neighbourhood, and no more', async () => {
    expect(HUB_MAX_ATTACHMENTS).toBeGreaterThanOrEqual(4 * 19 + 8);
    expect(HUB_MAX_ATTACHMENTS).toBeLessThan(1000);
    expect(PARTICIPANT_MAX_ATTACHMENTS).toBeGreaterThanOrEqual(10_000);
  });

  it("refuses a packet whose attachments together exceed the hub's bound, and takes one within it", async () => {
    const http = createServer();
    const server = new Server(http, {
      transports: ['websocket'],
      parser: socketParser(HUB_MAX_ATTACHMENTS, () => 1000),
    });
    const got: number[] = [];
    const closed = new Promise<string>((resolve) =>
      server.on('connection', (s) => {
        s.on('up', (parts: Uint8Array[]) => got.push(parts.length));
        s.on('disconnect', (reason) => resolve(reason));
      }),
    );
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const { port } = http.address() as AddressInfo;
    const client: Socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
    closers.push(() => {
      client.close();
      void server.close();
    });
    await new Promise<void>((r) => client.on('connect', () => r()));
    client.emit('up', [new Uint8Array(400), new Uint8Array(400)]); // 800 bytes: within
    for (let i = 0; i < 200 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    client.emit('up', [new Uint8Array(400), new Uint8Array(400), new Uint8Array(400)]); // 1,200: over
    expect(await closed).toBe('forced close'); // the hub drops the connection that sent it
    expect(got).toEqual([2]);
  });
});
