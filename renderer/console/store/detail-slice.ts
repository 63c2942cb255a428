/** Per-job participants, rounds and logs, loaded once per job and then kept live by socket events. */
import type { StateCreator } from 'zustand';
import type { LogEntry, ParticipantRecord, RoundRecord } from '../../../core/wire/protocol.ts';
import { errorMessage } from '../../shared/format.ts';
import type { ConsoleState } from './types.ts';

const MAX_LOGS = 5000;

export interface DetailSlice {
  participants: Record<string, Record<string, ParticipantRecord>>;
  rounds: Record<string, Record<number, RoundRecord>>;
  logs: LogEntry[];
  detailLoading: Record<string, boolean>;
  detailError: Record<string, string | null>;
  loadJobDetail: (jobId: string) => Promise<void>;
  upsertParticipant: (p: ParticipantRecord) => void;
  upsertRound: (r: RoundRecord) => void;
  appendLog: (e: LogEntry) => void;
}

function mergeLogs(existing: LogEntry[], incoming: LogEntry[]): LogEntry[] {
  const seen = new Set(existing.map((e) => `${e.ts}|${e.source}|${e.message}`));
  const fresh = incoming.filter((e) => !seen.has(`${e.ts}|${e.source}|${e.message}`));
  return [...existing, ...fresh].sort((a, b) => a.ts.localeCompare(b.ts)).slice(-MAX_LOGS);
}

/** Creates the job-detail slice. */
export const createDetailSlice: StateCreator<ConsoleState, [], [], DetailSlice> = (set, get) => ({
  participants: {},
  rounds: {},
  logs: [],
  detailLoading: {},
  detailError: {},
  loadJobDetail: async (jobId) => {
    const api = get().api;
    if (!api) return;
    set((s) => ({
      detailLoading: { ...s.detailLoading, [jobId]: true },
      detailError: { ...s.detailError, [jobId]: null },
    }));
    try {
      const [parts, rounds, logs] = await Promise.all([
        api.participants(jobId),
        api.rounds(jobId),
        api.logs(jobId),
      ]);
      set((s) => ({
        participants: { ...s.participants, [jobId]: Object.fromEntries(parts.map((p) => [p.id, p])) },
        rounds: { ...s.rounds, [jobId]: Object.fromEntries(rounds.map((r) => [r.round, r])) },
        logs: mergeLogs(s.logs, logs),
        detailLoading: { ...s.detailLoading, [jobId]: false },
      }));
    } catch (err) {
      set((s) => ({
        detailLoading: { ...s.detailLoading, [jobId]: false },
        detailError: { ...s.detailError, [jobId]: errorMessage(err) },
      }));
    }
  },
  upsertParticipant: (p) =>
    set((s) => ({
      participants: { ...s.participants, [p.jobId]: { ...s.participants[p.jobId], [p.id]: p } },
    })),
  upsertRound: (r) =>
    set((s) => ({ rounds: { ...s.rounds, [r.jobId]: { ...s.rounds[r.jobId], [r.round]: r } } })),
  appendLog: (e) =>
    set((s) => ({ logs: s.logs.length >= MAX_LOGS ? [...s.logs.slice(1), e] : [...s.logs, e] })),
});
