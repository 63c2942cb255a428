import { describe, expect, it } from 'vitest';
import { checkUpdate, type IntakeInput } from '../../../hub/rounds/update-intake.ts';
import { Roster } from '../../../hub/rounds/roster.ts';
import { createStrategy, type RoundHooks } from '../../../hub/rounds/strategy.ts';
import { jobSpecSchema } from '../../../core/wire/job-spec.ts';
import type { RoundUpdate } from '../../../core/wire/protocol.ts';
import { updateMetrics } from './tiny-job.ts';

const spec = jobSpecSchema.parse({ name: 'j', rounds: 3 });
const metrics = updateMetrics;
const msg = (round: number, bytes = 8): RoundUpdate => ({
  jobId: 'job',
  round,
  samples: 10,
  metrics,
  weights: new Uint8Array(bytes),
  // Intake trusts its caller: signatures are verified at the federation layer.
  signature: 'A'.repeat(86) + '==',
});

/** An intake input for round 2 with member `a`; decode yields two zeros unless told otherwise. */
function input(overrides: Partial<IntakeInput> = {}, hooks: RoundHooks[] = []): IntakeInput {
  const roster = new Roster();
  roster.add('a');
  return {
    round: { ctx: { jobId: 'job', spec, round: 2, global: [] }, phase: 'training', roster },
    jobStatus: 'running',
    participantId: 'a',
    msg: msg(2),
    sha256: 'h1',
    maxBytes: 100,
    decode: () => [new Float32Array(2)],
    strategy: createStrategy(hooks),
    earlierOf: () => null,
    ...overrides,
  };
}

describe('update intake verdicts', () => {
  it('accepts a member update for the open round with its decoded weights', () => {
    const v = checkUpdate(input());
    expect(v).toMatchObject({ accept: true, bytes: 8, sha256: 'h1', update: { samples: 10 } });
  });

  it('answers a replay of the accepted update from memory, and refuses a different second update', () => {
    const i = input();
    i.round?.roster.receive('a', { samples: 10, bytes: 8, sha256: 'h1' });
    expect(checkUpdate(i)).toEqual({ accept: false, replay: true, bytes: 8, sha256: 'h1' });
    expect(checkUpdate({ ...i, sha256: 'h2' })).toMatchObject({
      accept: false,
      replay: false,
      code: 'conflict',
    });
  });

  it('looks up an earlier round through earlierOf (the store, after a restart)', () => {
    const asked: number[] = [];
    const v = checkUpdate(
      input({
        msg: msg(1),
        earlierOf: (round) => (asked.push(round), { bytes: 8, sha256: 'h1' }),
      }),
    );
    expect(asked).toEqual([1]);
    expect(v).toMatchObject({ replay: true });
  });

  it('refuses a stale round, a non-member, an oversize update and undecodable weights with reasons', () => {
    expect(checkUpdate(input({ msg: msg(1) }))).toMatchObject({
      code: 'wrong-round',
      reason: /round 1 refused.*round 2/,
    });
    expect(checkUpdate(input({ participantId: 'z' }))).toMatchObject({
      code: 'wrong-round',
      reason: /not part of round 2/,
    });
    expect(checkUpdate(input({ msg: msg(2, 101) }))).toMatchObject({
      code: 'too-large',
      reason: /101 bytes/,
    });
    const bad = checkUpdate(
      input({
        decode: () => {
          throw new Error('tensor 0 has 3 values');
        },
      }),
    );
    expect(bad).toMatchObject({
      code: 'bad-weights',
      reason: /tensor 0 has 3 values/,
      logged: 'tensor 0 has 3 values',
    });
  });

  it('refuses while the round unifies or when there is no round', () => {
    const i = input();
    if (i.round) i.round.phase = 'unifying';
    expect(checkUpdate(i)).toMatchObject({ code: 'wrong-round', reason: /round 2 \(unifying\)/ });
    expect(checkUpdate(input({ round: null, jobStatus: 'completed' }))).toMatchObject({
      reason: /no open round \(job completed\)/,
    });
  });

  it('runs the pre-decode hooks before decoding: a refusal there never decodes', () => {
    let decoded = 0;
    const hook: RoundHooks = {
      preDecode: (_ctx, c) =>
        c.msg.samples > 5
          ? { accept: false, code: 'bad-request', reason: 'sample claim too large' }
          : { accept: true },
    };
    const v = checkUpdate(input({ decode: () => (decoded++, [new Float32Array(2)]) }, [hook]));
    expect(v).toMatchObject({ code: 'bad-request', reason: 'sample claim too large' });
    expect(decoded).toBe(0);
  });

  it('lets a post-decode hook replace the weights (clipping) or refuse them', () => {
    const clip: RoundHooks = {
      postDecode: (_c, u) => ({ accept: true, update: { ...u.update, weights: [new Float32Array([1, 1])] } }),
    };
    const v = checkUpdate(input({}, [clip]));
    expect(v.accept && Array.from(v.update.weights[0])).toEqual([1, 1]);
    const refuse: RoundHooks = {
      postDecode: () => ({ accept: false, code: 'bad-weights', reason: 'norm too large' }),
    };
    expect(checkUpdate(input({}, [clip, refuse]))).toMatchObject({
      code: 'bad-weights',
      reason: 'norm too large',
    });
  });
});
