import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeEvent } from '../../../core/wire/bridge.ts';
import { startParticipantUi } from '../../../cli/ui-server.ts';
import type { CallResult, UiClientEvents, UiServerEvents } from '../../../core/wire/bridge-socket.ts';
import { FakeEngine, STATE, postSession } from './fake-ui-engine.ts';

let dir: string;
let engine: FakeEngine;
let ui: Awaited<ReturnType<typeof startParticipantUi>>;
const sockets: Socket[] = [];

function connect(url: string, sessionId: string): Promise<Socket<UiServerEvents, UiClientEvents>> {
  const socket: Socket<UiServerEvents, UiClientEvents> = io(new URL(url).origin, {
    auth: { session: sessionId },
    transports: ['websocket'],
    reconnection: false,
  });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fedunify-ui-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>ui</title>');
  engine = new FakeEngine();
  ui = await startParticipantUi(engine, { staticDir: dir, quiet: true });
});

afterEach(async () => {
  sockets.splice(0).forEach((s) => s.disconnect());
  await ui.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('startParticipantUi', () => {
  it('serves the UI only on the loopback address it printed', async () => {
    const res = await fetch(new URL('/', ui.url));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>ui</title>');
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
  });

  it('refuses a wrong token and accepts the right one only once', async () => {
    const token = new URL(ui.url).searchParams.get('token');
    expect((await postSession(ui.url, 'wrong-token-wrong-token-wrong')).status).toBe(403);
    const first = await postSession(ui.url, token);
    expect(first.status).toBe(200);
    const answer = (await first.json()) as { session: string; gpuTab: boolean };
    expect(answer.session.length).toBeGreaterThan(20);
    expect(answer.gpuTab).toBe(false); // no --gpu-tab: the page hosts no engine frame
    expect((await postSession(ui.url, token)).status).toBe(403);
  });

  it('refuses a socket without a valid session', async () => {
    await expect(connect(ui.url, 'made-up')).rejects.toThrow(/unauthorized/);
  });

  it('delegates bridge calls to the engine and checks their arguments', async () => {
    const token = new URL(ui.url).searchParams.get('token');
    const { session: id } = (await (await postSession(ui.url, token)).json()) as { session: string };
    const socket = await connect(ui.url, id);
    const state = (await socket.emitWithAck('bridge:call', { method: 'getState', args: [] })) as CallResult;
    expect(state).toEqual({ ok: true, value: STATE });
    await socket.emitWithAck('bridge:call', { method: 'decideUpload', args: [3, true] });
    expect(engine.calls).toContainEqual(['decideUpload', 3, true]);
    const bad = (await socket.emitWithAck('bridge:call', {
      method: 'setApproveUploads',
      args: ['yes'],
    })) as CallResult;
    expect(bad).toEqual({ ok: false, error: expect.stringMatching(/bad arguments for setApproveUploads/) });
    const unknown = (await socket.emitWithAck('bridge:call', {
      // A page is not trusted to stay within the typed contract.
      method: 'pickPath' as 'leave',
      args: ['file'],
    })) as CallResult;
    expect(unknown).toEqual({ ok: false, error: 'unknown bridge method "pickPath"' });
    const inspected = (await socket.emitWithAck('bridge:call', {
      method: 'inspectInvite',
      args: ['hello'],
    })) as CallResult;
    expect(engine.calls).toContainEqual(['inspectInvite', 'hello']);
    expect(inspected).toMatchObject({ ok: true, value: { ok: false, code: 'bad-request' } });
    const data = (await socket.emitWithAck('bridge:call', {
      method: 'loadData',
      args: [{ kind: 'folder', path: '/nope' }],
    })) as CallResult;
    expect(data).toEqual({ ok: true, value: { ok: false, error: 'no such folder', code: 'bad-request' } });
  });

  it('pushes engine events to the page', async () => {
    const token = new URL(ui.url).searchParams.get('token');
    const { session: id } = (await (await postSession(ui.url, token)).json()) as { session: string };
    const socket = await connect(ui.url, id);
    const got = new Promise<BridgeEvent>((resolve) => socket.once('bridge:event', resolve));
    const entry = { ts: new Date().toISOString(), level: 'info' as const, source: 'test', message: 'hello' };
    engine.listeners.forEach((l) => l({ type: 'log', entry }));
    expect(await got).toEqual({ type: 'log', entry });
  });
});
