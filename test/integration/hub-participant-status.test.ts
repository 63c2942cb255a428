/**
 * A participant whose training moved to another backend mid-job (its GPU engine page was lost, or
 * came back) says so in participant:status, and the operator sees the new backend; a malformed
 * backend is refused and changes nothing.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperatorClient } from '../../cli/operator-client.ts';
import type { BackendInfo } from '../../core/wire/protocol.ts';
import type { Hub } from '../../hub/index.ts';
import {
  ask,
  jobWithInvite,
  readyFor,
  readyParticipant,
  startTestHub,
  teardown,
  tempDir,
  tinyJob,
} from './hub-helpers.ts';

describe('hub: a participant reports a backend change', () => {
  const tmp = tempDir();
  let hub: Hub;
  let op: OperatorClient;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    ({ hub, op } = await startTestHub(tmp.dir));
  });
  afterAll(() => teardown(sockets, hub, tmp));

  it('shows the new backend to the operator; a malformed one is refused', async () => {
    const { job, token } = await jobWithInvite(op, tinyJob({ name: 'backend change' }));
    const socket = await readyParticipant(hub, token, 'bc');
    sockets.push(socket);
    const backendOf = async () =>
      (await op.request<{ backend: BackendInfo | null }[]>('GET', `/api/jobs/${job.id}/participants`))[0]
        .backend;
    expect((await backendOf())?.backend).toBe(readyFor().backend.backend);

    const moved: BackendInfo = {
      backend: 'wasm',
      device: 'WebAssembly SIMD, 1 thread',
      notes: [
        "the GPU engine page failed (the GPU engine in the participant UI's browser tab has gone away)",
      ],
    };
    expect(await ask(socket, 'participant:status', { state: 'training', round: 1, backend: moved })).toEqual({
      ok: true,
    });
    expect(await backendOf()).toEqual(moved);

    const tooMany = { ...moved, backend: 'webgpu', notes: Array.from({ length: 11 }, () => 'n') };
    const refused = await ask(socket, 'participant:status', { state: 'training', backend: tooMany });
    expect(refused).toMatchObject({ ok: false, code: 'bad-request' });
    expect(await backendOf()).toEqual(moved);
  });
});
