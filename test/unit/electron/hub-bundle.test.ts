/**
 * The embedded hub's process (dist/electron/hub-process.mjs loading hub/ through tsx), started and
 * stopped over the RPC the main process uses. Node's child_process stands in for utilityProcess.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubInfo } from '../../../core/wire/bridge.ts';
import { createHubHost, type HubHost } from '../../../electron/hub-host.ts';
// @ts-expect-error -- a plain JS build script without type declarations
import { buildElectron } from '../../../scripts/build-electron.js';

const PARENT_PORT_SHIM = `
process.parentPort = {
  postMessage: (message) => process.send(message),
  on: (event, listener) => { if (event === 'message') process.on('message', (data) => listener({ data, ports: [] })); },
};
`;

let dir: string;
// Each test file bundles into its own folder under dist/ (node_modules must resolve from there).
const outdir = path.resolve(`dist/electron-test-hub-${process.pid}`);
let host: HubHost;
const children: ChildProcess[] = [];

beforeAll(async () => {
  await (buildElectron as (outdir: string) => Promise<string[]>)(outdir);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fedunify-hub-bundle-'));
  fs.writeFileSync(path.join(dir, 'parent-port.cjs'), PARENT_PORT_SHIM);
  host = createHubHost(() => {
    const child = fork(path.join(outdir, 'hub-process.mjs'), [], {
      execArgv: ['--require', path.join(dir, 'parent-port.cjs')],
      env: { ...process.env, FEDUNIFY_APP_ROOT: path.resolve('.') },
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    children.push(child);
    return {
      postMessage: (message) => child.send(message as object),
      onMessage: (listener) => void child.on('message', listener),
      onExit: (listener) => void child.on('exit', (code) => listener(code ?? 1)),
      kill: () => void child.kill(),
    };
  });
});

afterAll(async () => {
  await host?.stop();
  for (const child of children) if (child.exitCode === null) child.kill();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(outdir, { recursive: true, force: true });
});

describe('hub-process.mjs', () => {
  it('starts a TLS hub, reports how to reach it, and stops it', async () => {
    const info: HubInfo = await host.start({ dataDir: path.join(dir, 'hub'), port: 0, host: '127.0.0.1' });
    expect(info.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+/);
    expect(info.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(info.operator.username.length).toBeGreaterThan(0);
    expect(host.status()).toEqual({ state: 'running', url: info.url, fingerprint: info.fingerprint });
    await expect(host.start({ dataDir: path.join(dir, 'hub') })).rejects.toThrow(/already running/);
    await host.stop();
    expect(host.status()).toEqual({ state: 'stopped' });
  });
});
