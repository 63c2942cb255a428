import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { encodeWeights } from '../../core/wire/weights-codec.ts';
import type { RoundStart, RoundUnified } from '../../core/wire/protocol.ts';
import type { Hub } from '../../hub/index.ts';
import {
  TINY_MANIFEST,
  UPDATE_METRICS,
  ask,
  filled,
  jobWithInvite,
  next,
  readyParticipant,
  startTestHub,
  teardown,
  tempDir,
  tinyJob,
} from './hub-helpers.ts';

describe('hub: quorum kept by idle participants', () => {
  let hub: Hub | null = null;
  const sockets: Socket[] = [];
  const tmp = tempDir();
  afterEach(() => teardown(sockets, hub, tmp));

  it('brings a ready participant outside the round into it when a member drops below the quorum', async () => {
    const started = await startTestHub(tmp.dir);
    hub = started.hub;
    const { job, token } = await jobWithInvite(started.op, tinyJob({ rounds: 1, minParticipants: 2 }));
    const a = await readyParticipant(hub, token, 'k-a');
    const startA = next<RoundStart>(a, 'round:start');
    const b = await readyParticipant(hub, token, 'k-b');
    sockets.push(a, b);
    await startA;

    // C is ready while round 1 already has its quorum: it waits for the next round.
    const c = await readyParticipant(hub, token, 'k-c');
    sockets.push(c);
    const startC = next<RoundStart>(c, 'round:start', 5_000);
    b.disconnect();
    const sc = await startC;
    expect(sc.round).toBe(1);

    const unified = next<RoundUnified>(a, 'round:unified');
    for (const [s, v] of [
      [a, 1],
      [c, 3],
    ] as const) {
      const ack = await ask(s, 'round:update', {
        jobId: job.id,
        round: 1,
        samples: 10,
        metrics: UPDATE_METRICS,
        weights: encodeWeights(TINY_MANIFEST, filled(v)),
      });
      expect(ack.ok).toBe(true);
    }
    expect((await unified).round).toBe(1);
  });
});
