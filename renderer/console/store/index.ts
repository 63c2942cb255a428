/** The console's one store, combined from its typed slices, plus the selectors views share. */
import { create } from 'zustand';
import type { JobRecord, ParticipantRecord, RoundRecord } from '../../../core/wire/protocol.ts';
import { createSessionSlice } from './session-slice.ts';
import { createJobsSlice } from './jobs-slice.ts';
import { createDetailSlice } from './detail-slice.ts';
import { createInvitesSlice } from './invites-slice.ts';
import { createNavSlice } from './nav-slice.ts';
import type { ConsoleState } from './types.ts';

export type { ConsoleState } from './types.ts';

/** The console store. */
export const useConsole = create<ConsoleState>()((...a) => ({
  ...createSessionSlice(...a),
  ...createJobsSlice(...a),
  ...createDetailSlice(...a),
  ...createInvitesSlice(...a),
  ...createNavSlice(...a),
}));

const EMPTY_P: Record<string, ParticipantRecord> = {};
const EMPTY_R: Record<number, RoundRecord> = {};

/** Jobs, newest first. */
export function selectJobList(s: ConsoleState): JobRecord[] {
  return Object.values(s.jobs).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** A job's participants map (stable reference when unchanged). */
export function selectParticipantMap(jobId: string) {
  return (s: ConsoleState) => s.participants[jobId] ?? EMPTY_P;
}

/** A job's rounds map (stable reference when unchanged). */
export function selectRoundMap(jobId: string) {
  return (s: ConsoleState) => s.rounds[jobId] ?? EMPTY_R;
}
