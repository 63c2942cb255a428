/**
 * The real engine bundle (dist/electron/engine-process.cjs with the real ParticipantEngine),
 * driven over the same RPC the main process uses. Node's child_process stands in for Electron's
 * utilityProcess: a preload gives the child a `process.parentPort` with Electron's shape.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParticipantState } from '../../../core/wire/bridge.ts';
import { createRpcClient, type RpcClient } from '../../../electron/process-rpc.ts';
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
const outdir = path.resolve(`dist/electron-test-engine-${process.pid}`);
let child: ChildProcess;
let rpc: RpcClient;

beforeAll(async () => {
  await (buildElectron as (outdir: string) => Promise<string[]>)(outdir);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fedunify-engine-bundle-'));
  fs.writeFileSync(path.join(dir, 'parent-port.cjs'), PARENT_PORT_SHIM);
  child = fork(path.join(outdir, 'engine-process.cjs'), [], {
    execArgv: ['--require', path.join(dir, 'parent-port.cjs')],
    env: { ...process.env, FEDUNIFY_ENGINE_STATE_DIR: path.join(dir, 'state'), FEDUNIFY_BACKEND: 'cpu' },
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  rpc = createRpcClient(
    {
      postMessage: (message) => child.send(message as object),
      onMessage: (listener) => void child.on('message', listener),
      onExit: (listener) => void child.on('exit', (code) => listener(code ?? 1)),
      kill: () => void child.kill(),
    },
    'participant engine',
  );
});

afterAll(() => {
  rpc?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(outdir, { recursive: true, force: true });
});

describe('engine-process.cjs', () => {
  it('serves the engine state', async () => {
    const state = (await rpc.call('getState', [])) as ParticipantState;
    expect(state.connection).toBe('idle');
    expect(state.approveUploads).toBe(false);
  });

  it('answers a malformed invite with a failed Ack that says what is wrong', async () => {
    const answer = (await rpc.call('inspectInvite', ['hello'])) as { ok: boolean; error?: string };
    expect(answer).toMatchObject({ ok: false, error: expect.stringMatching(/not a FedUnify invite/) });
  });

  it('reports a data folder that does not exist as a failed Ack, not a crash', async () => {
    const answer = (await rpc.call('loadData', [{ kind: 'folder', path: path.join(dir, 'missing') }])) as {
      ok: boolean;
      error?: string;
    };
    expect(answer.ok).toBe(false);
    expect(answer.error).toMatch(/local data/i);
    expect(rpc.alive).toBe(true);
  });
});
