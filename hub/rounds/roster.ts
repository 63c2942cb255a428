/**
 * Who is in a round, apart from the round's state machine: the members that were sent its
 * round:start and are still connected, the updates received (which stay counted after their
 * sender drops), the quorum, and the seeded participant sampling (Flower's fraction_fit /
 * min_fit_clients). Every operation is O(1) per participant, so intake stays flat at K = 1,000.
 */
import { deriveSeed, mulberry32 } from '../../core/model/random.ts';

/** What the hub remembers of an accepted update once its weights are folded in. */
export interface ReceivedUpdate {
  samples: number;
  bytes: number;
  sha256: string;
}

/** Members and received updates of one round, with O(1) counts. */
export class Roster {
  private readonly members = new Set<string>();
  readonly received = new Map<string, ReceivedUpdate>();
  /** Members whose update is not in yet. */
  private pendingCount = 0;
  /** Received updates whose sender is no longer a member (it disconnected). */
  private departedCount = 0;
  /**
   * Ready participants outside the round, in the order they were offered: who fills the quorum
   * when a member drops, found without scanning every ready participant.
   */
  private readonly idle = new Set<string>();

  /** Adds a member (sent round:start); false when it already was one. */
  add(id: string): boolean {
    this.idle.delete(id);
    if (this.members.has(id)) return false;
    this.members.add(id);
    if (this.received.has(id)) this.departedCount--;
    else this.pendingCount++;
    return true;
  }

  /** A member dropped (disconnected); its received update, if any, stays. */
  drop(id: string): void {
    if (!this.members.delete(id)) return;
    if (this.received.has(id)) this.departedCount++;
    else this.pendingCount--;
  }

  /** A ready participant that is not in the round: a candidate for `fillQuorum`. */
  offer(id: string): void {
    if (!this.takesPart(id)) this.idle.add(id);
  }

  /** A candidate is no longer ready (it disconnected, or its socket is being replaced). */
  withdraw(id: string): void {
    this.idle.delete(id);
  }

  /** Records an accepted update of `id` (a member, or one restored after a restart). */
  receive(id: string, update: ReceivedUpdate): void {
    this.idle.delete(id);
    if (this.received.has(id)) return;
    this.received.set(id, update);
    if (this.members.has(id)) this.pendingCount--;
    else this.departedCount++;
  }

  /** Whether `id` was sent this round's round:start and is still connected. */
  isMember(id: string): boolean {
    return this.members.has(id);
  }

  /** Whether `id` is a member or already sent its update. */
  takesPart(id: string): boolean {
    return this.members.has(id) || this.received.has(id);
  }

  /** Member ids (for sending round:start). */
  memberIds(): string[] {
    return [...this.members];
  }

  get memberCount(): number {
    return this.members.size;
  }

  get receivedCount(): number {
    return this.received.size;
  }

  /** Members still training. */
  get pending(): number {
    return this.pendingCount;
  }

  /** Participants counted toward the quorum: members and those whose update is already in. */
  get strength(): number {
    return this.members.size + this.departedCount;
  }

  /** Every member has sent its update (and there is at least one member). */
  allIn(): boolean {
    return this.members.size > 0 && this.pendingCount === 0;
  }

  /**
   * Offered participants to bring into the round while it is short of `quorum`: a member that
   * drops must not stall the round when another participant is idle. Adds them and returns them;
   * O(participants added), whatever the number of ready participants.
   */
  fillQuorum(quorum: number): string[] {
    const added: string[] = [];
    for (const id of this.idle) {
      if (this.strength >= quorum) break;
      this.add(id);
      added.push(id);
    }
    return added;
  }
}

/** Sampling settings of a job (Flower: fraction_fit, min_fit_clients). */
export interface SamplingSpec {
  fractionFit?: number;
  minFit?: number;
  minParticipants: number;
  seed: number;
}

/**
 * Picks the participants of round `round` from the ready ones: all of them without sampling, else
 * max(⌈fractionFit × ready⌉, minFit, minParticipants) of them, chosen by a shuffle seeded from the
 * job seed and the round (the same ids, seed and round always give the same subset).
 */
export function sampleParticipants(ready: string[], spec: SamplingSpec, round: number): string[] {
  const sorted = [...ready].sort();
  if (spec.fractionFit === undefined && spec.minFit === undefined) return sorted;
  const fraction = spec.fractionFit ?? 1;
  const want = Math.max(Math.ceil(fraction * sorted.length), spec.minFit ?? 0, spec.minParticipants);
  if (want >= sorted.length) return sorted;
  // Stream 0x5a4d ('sampling') keeps these draws apart from the weight-init streams of the same seed.
  const rand = mulberry32(deriveSeed(spec.seed, 0x5a4d0000 + round));
  // Partial Fisher-Yates: the first `want` slots are a uniform sample.
  for (let i = 0; i < want; i++) {
    const j = i + Math.floor(rand() * (sorted.length - i));
    [sorted[i], sorted[j]] = [sorted[j], sorted[i]];
  }
  return sorted.slice(0, want).sort();
}
