/**
 * The GPU engine page in the participant UI's own tab (`join --ui`): what the UI server serves for
 * the hidden frame, who may connect as a frame, and how the opener uses a frame or falls back.
 * Frames here are socket.io clients in this process that answer like the page; the real page in
 * Chromium is test/integration/tab-gpu-engine.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TabEngines } from '../../../cli/tab-engine.ts';
import { startParticipantUi } from '../../../cli/ui-server.ts';
import { createGpuClient } from '../../../core/train/gpu-client.ts';
import type { BrowserOpener } from '../../../core/train/training-backend.ts';
import {
  TAB_ENGINE_PAGE,
  TAB_ENGINE_SOCKET_PATH,
  type GpuEnvelope,
  type GpuReply,
} from '../../../core/wire/gpu-engine.ts';
import { FakeEngine, sessionOf } from './fake-ui-engine.ts';

let dir: string;
let tabs: TabEngines;
let ui: Awaited<ReturnType<typeof startParticipantUi>>;
const sockets: Socket[] = [];

async function newSession(): Promise<string> {
  const answer = await sessionOf(ui.url);
  expect(answer.gpuTab).toBe(true); // the page is told to host the engine frame
  return answer.session;
}

/** A frame: connects like the engine page and answers requests with `answer` (undefined: never). */
function frame(
  token: string,
  answer: (e: GpuEnvelope) => GpuReply | undefined,
  opts: { path?: string; origin?: string; query?: Record<string, string> } = {},
): Promise<Socket> {
  const socket = io(new URL(ui.url).origin, {
    path: opts.path ?? TAB_ENGINE_SOCKET_PATH,
    auth: { token },
    query: opts.query ?? { token },
    transports: ['websocket'],
    reconnection: false,
    ...(opts.origin ? { extraHeaders: { Origin: opts.origin } } : {}),
  });
  sockets.push(socket);
  socket.on('gpu:request', (envelope: GpuEnvelope, ack: (r: GpuReply) => void) => {
    const reply = answer(envelope);
    if (reply !== undefined) ack(reply);
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

const initReply =
  (adapter: string) =>
  (e: GpuEnvelope): GpuReply | undefined =>
    e.request.type === 'init'
      ? {
          id: e.id,
          ok: true,
          result: { backend: e.request.backend, adapter, missingKernels: [], registeredKernels: [] },
        }
      : undefined;

/** A stand-in for headless Chromium that records what it was asked. */
function fakeChromium(why: string | null = null): BrowserOpener & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    where: 'headless Chromium',
    unavailable: () => why,
    async open(backend) {
      opened.push(backend);
      return {
        client: createGpuClient(async () => ({ id: 0, ok: false, error: 'not used' })),
        adapter: 'google / swiftshader',
        software: true,
        notes: [],
        close: async () => undefined,
      };
    },
  };
}

const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fedunify-tab-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>ui</title>');
  tabs = new TabEngines(300);
  ui = await startParticipantUi(new FakeEngine(), { staticDir: dir, quiet: true, tabEngines: tabs });
});

afterEach(async () => {
  sockets.splice(0).forEach((s) => s.disconnect());
  await ui.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the GPU engine frame of `join --ui`', () => {
  it('serves the engine page to be framed by this origin only; the UI itself stays unframeable', async () => {
    const page = await fetch(new URL(TAB_ENGINE_PAGE, ui.url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="./gpu-engine.js">');
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
    const script = await fetch(new URL(`${TAB_ENGINE_PAGE}gpu-engine.js`, ui.url));
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(
      (await fetch(new URL(`${TAB_ENGINE_PAGE}../index.html`, ui.url))).headers.get('x-frame-options'),
    ).toBe('DENY');
    expect((await fetch(new URL(`${TAB_ENGINE_PAGE}other.js`, ui.url))).status).toBe(404);
  });

  it('admits a frame only with the page session (on the upgrade too), from this origin', async () => {
    await expect(frame('made-up-session', initReply('x'))).rejects.toThrow();
    const session = await newSession();
    // A session on the upgrade but none in the connect packet: the namespace refuses it.
    await expect(frame('made-up-session', initReply('x'), { query: { token: session } })).rejects.toThrow(
      /unauthorized/,
    );
    // Any web page may open a WebSocket to 127.0.0.1; its Origin gives it away, on both sockets.
    await expect(frame(session, initReply('x'), { origin: 'https://evil.example' })).rejects.toThrow();
    await expect(
      frame(session, initReply('x'), { path: '/socket.io', origin: 'https://evil.example' }),
    ).rejects.toThrow();
    // Without the session on the upgrade request itself, not even the connection opens.
    await expect(frame(session, initReply('x'), { query: {} })).rejects.toThrow();
    await expect(frame(session, initReply('x'), { query: { token: 'made-up' } })).rejects.toThrow();
    await frame(session, initReply('x'), { origin: new URL(ui.url).origin });
    await until(() => tabs.newest() !== null);
  });

  it('trains on the newest frame, says where, and fails a request at once when the frame goes', async () => {
    const chromium = fakeChromium();
    const opener = tabs.opener(chromium, {});
    const session = await newSession();
    await frame(session, initReply('amd / rdna-3 / AMD Radeon RX 7900'));
    const newest = await frame(session, (e) =>
      e.request.type === 'weights' ? undefined : initReply('apple / metal-3 / Apple M2')(e),
    );
    await until(() => opener.pageAtHand?.() === newest.id);
    const handle = await opener.open('webgpu', false);
    expect(handle).toMatchObject({
      adapter: 'apple / metal-3 / Apple M2',
      software: false,
      where: "the participant UI's browser tab",
    });
    expect(chromium.opened).toEqual([]);
    const pending = handle.client.request({ type: 'weights' });
    newest.disconnect();
    await expect(pending).rejects.toThrow(/has gone away \(tab closed or reloaded\)/);
    await expect(handle.client.request({ type: 'weights' })).rejects.toThrow(/has gone away/);
    await until(() => opener.pageAtHand?.() !== newest.id);
    expect(opener.pageAtHand?.()).not.toBeNull(); // the older frame is still there
  });

  it('falls back to headless Chromium when the frame cannot start the backend, with the reason', async () => {
    const chromium = fakeChromium();
    const opener = tabs.opener(chromium, {});
    await frame(await newSession(), (e) => ({
      id: e.id,
      ok: false,
      error: 'WebGPU: no adapter (requestAdapter returned null: no usable GPU or driver)',
    }));
    await until(() => tabs.newest() !== null);
    const handle = await opener.open('webgpu', true);
    expect(chromium.opened).toEqual(['webgpu']);
    expect(handle.where).toBe('headless Chromium');
    expect(handle.notes[0]).toMatch(
      /^in the participant UI's browser tab: GPU engine \(init\): WebGPU: no adapter/,
    );
  });

  it('waits a while for the frame of an opened page, then falls back or says why not', async () => {
    await newSession(); // the page is open, its frame never connects
    const waited = await tabs.opener(fakeChromium(), {}).open('webgl', false);
    expect(waited.where).toBe('headless Chromium');
    expect(waited.notes[0]).toMatch(/did not connect within 0.3 s/);
    await expect(
      tabs.opener(fakeChromium('not tried: no GPU device here'), {}).open('webgl', false),
    ).rejects.toThrow(/did not connect within 0\.3 s; headless Chromium: not tried: no GPU device here/);
  });

  it('says why it is unavailable before any page is open, and FEDUNIFY_BROWSER_GPU=off turns it off', async () => {
    expect(tabs.opener(fakeChromium('not tried: no GPU device here'), {}).unavailable(false)).toBe(
      "the participant UI was not open in a browser (open it before joining to train on that browser's GPU); headless Chromium: not tried: no GPU device here",
    );
    expect(tabs.opener(fakeChromium(), {}).unavailable(false)).toBeNull();
    await newSession();
    expect(tabs.opener(fakeChromium('no Chromium found'), {}).unavailable(false)).toBeNull();
    expect(tabs.opener(fakeChromium(), { FEDUNIFY_BROWSER_GPU: 'off' }).unavailable(true)).toBe(
      'not tried: FEDUNIFY_BROWSER_GPU=off',
    );
  });
});
