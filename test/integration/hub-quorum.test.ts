import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { RoundStart, RoundUnified } from '../../core/wire/protocol.ts';
import type { Hub } from '../../hub/index.ts';
import {
  next,
  readyParticipant,
  roundOneStarted,
  sendUpdate,
  teardown,
  tempDir,
  inviteToken,
} from './hub-helpers.ts';

describe('hub: quorum kept by idle participants', () => {
  let hub: Hub | null = null;
  const sockets: Socket[] = [];
  const tmp = tempDir();
  afterEach(() => teardown(sockets, hub, tmp));

  it('brings a ready participant outside the round into it when a member drops below the quorum', async () => {
    const started = await roundOneStarted(tmp.dir, { rounds: 1, minParticipants: 2 });
    hub = started.hub;
    const { job, a, b } = started;
    sockets.push(a, b);

    // C is ready while round 1 already has its quorum: it waits for the next round.
    const c = await readyParticipant(hub, await inviteToken(started.op, job.id, 'Org C'), 'k-c');
    sockets.push(c);
    const startC = next<RoundStart>(c, 'round:start', 5_000);
    b.disconnect();
    expect((await startC).round).toBe(1);

    const unified = next<RoundUnified>(a, 'round:unified');
    expect((await sendUpdate(a, job.id, 1, 1)).ok).toBe(true);
    expect((await sendUpdate(c, job.id, 1, 3)).ok).toBe(true);
    expect((await unified).round).toBe(1);
  });
});
