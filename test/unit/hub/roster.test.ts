import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Roster, sampleParticipants } from '../../../hub/rounds/roster.ts';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `p${String(i).padStart(4, '0')}`);
const rec = { samples: 1, bytes: 10, sha256: 'h' };

describe('roster: members, received updates and the quorum', () => {
  it('counts a dropped member whose update is in toward the quorum, and one still training as pending', () => {
    const r = new Roster();
    for (const id of ['a', 'b', 'c']) r.add(id);
    r.receive('a', rec);
    expect([r.pending, r.strength, r.allIn()]).toEqual([2, 3, false]);
    r.drop('a');
    r.drop('b');
    expect([r.pending, r.strength, r.memberCount, r.receivedCount]).toEqual([1, 2, 1, 1]);
    r.receive('c', rec);
    expect(r.allIn()).toBe(true);
  });

  it('a rejoining member that already sent its update is not pending again', () => {
    const r = new Roster();
    r.add('a');
    r.receive('a', rec);
    r.drop('a');
    r.add('a');
    expect([r.pending, r.strength, r.allIn()]).toEqual([0, 1, true]);
  });

  it('fillQuorum brings in offered participants only up to the quorum, in the order offered', () => {
    const r = new Roster();
    r.add('a');
    for (const id of ['a', 'c', 'b', 'd']) r.offer(id);
    expect(r.fillQuorum(3)).toEqual(['c', 'b']);
    expect(r.strength).toBe(3);
    expect(r.fillQuorum(3)).toEqual([]);
    r.drop('a');
    expect(r.fillQuorum(3)).toEqual(['d']);
  });

  it('fillQuorum skips withdrawn participants and those whose update is already in', () => {
    const r = new Roster();
    for (const id of ['a', 'b', 'c']) r.offer(id);
    r.withdraw('a');
    r.receive('b', rec);
    expect(r.fillQuorum(5)).toEqual(['c']);
  });

  it('fillQuorum picks what a scan of every ready participant would, under any sequence of events', () => {
    // The runner pairs a member's drop with its withdrawal (both happen when its socket closes).
    const op = fc.tuple(
      fc.constantFrom('add', 'leave', 'receive', 'offer', 'fill'),
      fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      fc.integer({ min: 1, max: 5 }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const r = new Roster();
        const members = new Set<string>();
        const received = new Set<string>();
        const ready = new Set<string>();
        const takesPart = (id: string) => members.has(id) || received.has(id);
        for (const [kind, id, quorum] of ops) {
          if (kind === 'add') {
            r.add(id);
            members.add(id);
          } else if (kind === 'leave') {
            r.drop(id);
            r.withdraw(id);
            members.delete(id);
            ready.delete(id);
          } else if (kind === 'receive') {
            r.receive(id, rec);
            received.add(id);
          } else if (kind === 'offer') {
            r.offer(id);
            ready.add(id);
          } else {
            // The former algorithm: walk every ready participant, skip those taking part.
            const want: string[] = [];
            for (const x of ready) {
              if (new Set([...members, ...received]).size >= quorum) break;
              if (takesPart(x)) continue;
              members.add(x);
              want.push(x);
            }
            expect(r.fillQuorum(quorum)).toEqual(want);
          }
        }
      }),
    );
  });

  it('keeps its counts consistent with a recount under any sequence of operations', () => {
    const op = fc.tuple(fc.constantFrom('add', 'drop', 'receive'), fc.constantFrom('a', 'b', 'c', 'd'));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const r = new Roster();
        const members = new Set<string>();
        const received = new Set<string>();
        for (const [kind, id] of ops) {
          if (kind === 'add') {
            r.add(id);
            members.add(id);
          }
          if (kind === 'drop') {
            r.drop(id);
            members.delete(id);
          }
          if (kind === 'receive') {
            r.receive(id, rec);
            received.add(id);
          }
        }
        const pending = [...members].filter((m) => !received.has(m)).length;
        expect(r.pending).toBe(pending);
        expect(r.strength).toBe(new Set([...members, ...received]).size);
        expect(r.allIn()).toBe(members.size > 0 && pending === 0);
      }),
    );
  });
});

describe('participant sampling (fractionFit / minFit)', () => {
  const spec = { fractionFit: 0.1, minParticipants: 2, seed: 7 };

  it('without sampling settings every ready participant trains', () => {
    expect(sampleParticipants(['b', 'a'], { minParticipants: 2, seed: 1 }, 3)).toEqual(['a', 'b']);
  });

  it('is deterministic from the job seed and the round, whatever order the ready list comes in', () => {
    const ready = ids(100);
    const a = sampleParticipants(ready, spec, 5);
    const b = sampleParticipants([...ready].reverse(), spec, 5);
    expect(a).toEqual(b);
    expect(a).toHaveLength(10);
    expect(new Set(a).size).toBe(10);
    expect(a.every((id) => ready.includes(id))).toBe(true);
  });

  it('changes with the round and with the seed', () => {
    const ready = ids(100);
    const r5 = sampleParticipants(ready, spec, 5);
    expect(sampleParticipants(ready, spec, 6)).not.toEqual(r5);
    expect(sampleParticipants(ready, { ...spec, seed: 8 }, 5)).not.toEqual(r5);
  });

  it('takes at least minFit and at least the quorum, and never more than are ready', () => {
    expect(sampleParticipants(ids(100), { ...spec, minFit: 25 }, 1)).toHaveLength(25);
    expect(sampleParticipants(ids(10), { ...spec, minParticipants: 4 }, 1)).toHaveLength(4);
    expect(sampleParticipants(ids(3), { ...spec, minFit: 25 }, 1)).toEqual(ids(3));
  });

  it('spreads the picks over the participants across rounds', () => {
    const ready = ids(50);
    const seen = new Set<string>();
    for (let round = 1; round <= 40; round++)
      for (const id of sampleParticipants(ready, spec, round)) seen.add(id);
    expect(seen.size).toBeGreaterThan(40);
  });
});
