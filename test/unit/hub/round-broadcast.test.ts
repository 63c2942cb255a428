import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../../hub/db/store.ts';
import { HubEvents, HubLogger } from '../../../hub/hub-events.ts';
import { JobRunner } from '../../../hub/rounds/round-coordinator.ts';
import { pacedSend } from '../../../hub/rounds/participant-conns.ts';
import { Throttle } from '../../../hub/rounds/round-status.ts';
import { jobSpecSchema } from '../../../core/wire/job-spec.ts';
import { fakeSocket, tinyJob, type SentMsg } from './tiny-job.ts';

const { model: MODEL, dataset, backend } = tinyJob(4, 4, 3);
const ready = { dataset, backend };
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sent {
  to: string;
  event: string;
  msg: SentMsg;
}

/** An onEmit that records each event sent to socket `to`. */
const record =
  (sent: Sent[], to: string) =>
  (event: string, msg: SentMsg): void => {
    sent.push({ to, event, msg });
  };

function runnerFor(store: Store, spec: Record<string, unknown>) {
  const job = store.createJob(jobSpecSchema.parse({ model: MODEL, ...spec }));
  const events = new HubEvents();
  const runner = new JobRunner(
    { store, events, log: new HubLogger(store, events, 'silent'), evaluatorFor: () => null },
    job,
  );
  return { job, runner };
}

function join(store: Store, runner: JobRunner, jobId: string, name: string, sent: Sent[]): string {
  const p = store.upsertParticipant({ jobId, inviteId: `i-${name}`, instanceId: name, name });
  runner.attach(p.id, name, fakeSocket(`s-${name}`, record(sent, `s-${name}`), true));
  expect(runner.ready(p.id, ready)).toEqual({ ok: true });
  return p.id;
}

describe('paced broadcasts carry each participant id with its socket', () => {
  it('calls send once per connected target with that target’s id, skipping closed sockets', async () => {
    const sent: Sent[] = [];
    const targets = ['a', 'b', 'c'].map((id) => ({
      id,
      socket: fakeSocket(`s-${id}`, record(sent, `s-${id}`), id !== 'b'),
    }));
    const seen: string[] = [];
    await pacedSend(targets, (socket, id) => seen.push(`${id}@${socket.id}`));
    expect(seen).toEqual(['a@s-a', 'c@s-c']);
  });
});

describe('round runner: per-participant work stays O(1) per event', () => {
  let store: Store | null = null;
  afterEach(() => store?.close());

  it('gives every member of a large round exactly one round:start, to its own socket', async () => {
    store = new Store(':memory:');
    const sent: Sent[] = [];
    const { job, runner } = runnerFor(store, { name: 'big', rounds: 2, minParticipants: 300 });
    const names = Array.from({ length: 300 }, (_, i) => `p${i}`);
    for (const name of names) join(store, runner, job.id, name, sent);
    await wait(20);
    const starts = sent.filter((s) => s.event === 'round:start');
    expect(starts).toHaveLength(300);
    expect(new Set(starts.map((s) => s.to))).toEqual(new Set(names.map((n) => `s-${n}`)));
    runner.stopTimers();
  });

  it('while the job waits, many joins send each participant a few job:roster notices, the last with the final count', async () => {
    store = new Store(':memory:');
    const sent: Sent[] = [];
    const { job, runner } = runnerFor(store, { name: 'waits', rounds: 1, minParticipants: 100 });
    for (let i = 0; i < 60; i++) join(store, runner, job.id, `p${i}`, sent);
    await wait(20);
    await wait(400);
    const toFirst = sent.filter((s) => s.to === 's-p0' && s.event === 'job:roster');
    // One per join would be 60 to the first participant; coalesced, a handful.
    expect(toFirst.length).toBeGreaterThan(0);
    expect(toFirst.length).toBeLessThan(10);
    expect(toFirst[toFirst.length - 1].msg.ready).toBe(60);
    expect(runner.job.statusDetail).toContain('60 ready');
    runner.stopTimers();
  });

  it('a member that drops is replaced by a ready participant the sampling left out', async () => {
    store = new Store(':memory:');
    const sent: Sent[] = [];
    const { job, runner } = runnerFor(store, {
      name: 'sampled',
      rounds: 3,
      minParticipants: 4,
      fractionFit: 0.5,
      seed: 5,
    });
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n) => join(store!, runner, job.id, n, sent));
    await wait(20);
    runner.stopTimers();
    runner.startRound(2);
    await wait(20);
    const members = sent.filter((s) => s.event === 'round:start' && s.msg.round === 2).map((s) => s.to);
    expect(members).toHaveLength(4);
    const leaving = members[0];
    const leavingId = ids[['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].indexOf(leaving.slice(2))];
    runner.detach(leavingId, leaving);
    await wait(20);
    const after = sent.filter((s) => s.event === 'round:start' && s.msg.round === 2).map((s) => s.to);
    expect(after).toHaveLength(5);
    expect(members).not.toContain(after[4]);
    expect(after[4]).not.toBe(leaving);
    runner.stopTimers();
  });
});

describe('throttle', () => {
  it('runs at once, then once more at the end of the interval however many calls came in between', async () => {
    let runs = 0;
    const t = new Throttle(() => runs++, 30);
    for (let i = 0; i < 50; i++) t.call();
    expect(runs).toBe(1);
    await wait(80);
    expect(runs).toBe(2);
    t.clear();
  });
});
