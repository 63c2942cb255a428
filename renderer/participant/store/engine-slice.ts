/** A mirror of the engine's ParticipantState, plus the fast-changing training progress and logs. */
import type { StateCreator } from 'zustand';
import type { BridgeEvent, ParticipantState, TrainingProgress } from '../../../core/wire/bridge.ts';
import type { LogEntry } from '../../../core/wire/protocol.ts';
import { errorMessage } from '../../shared/format.ts';
import type { ParticipantStore } from './types.ts';

const MAX_LOGS = 3000;

export interface EngineSlice {
  engine: ParticipantState | null;
  /** Updated many times a second while training: views read it through subscribe (LiveText). */
  progress: TrainingProgress | null;
  logs: LogEntry[];
  refreshError: string | null;
  refresh: () => Promise<void>;
  applyEvent: (event: BridgeEvent) => void;
}

/** Creates the engine mirror slice. */
export const createEngineSlice: StateCreator<ParticipantStore, [], [], EngineSlice> = (set, get) => ({
  engine: null,
  progress: null,
  logs: [],
  refreshError: null,
  refresh: async () => {
    const bridge = get().bridge;
    if (!bridge) return;
    try {
      const state = await bridge.getState();
      set({ engine: state, progress: state.training, logs: state.logs.slice(-MAX_LOGS), refreshError: null });
    } catch (err) {
      set({ refreshError: errorMessage(err) });
    }
  },
  applyEvent: (event) => {
    if (event.type === 'progress') set({ progress: event.progress });
    else if (event.type === 'log') set((s) => ({ logs: [...s.logs, event.entry].slice(-MAX_LOGS) }));
    else {
      const state = event.state;
      set((s) => ({
        engine: state,
        // The snapshot's training is the newest (null once a round's training ended).
        progress: state.training,
        // The snapshot is the engine's truth; keep streamed lines when it carries none.
        logs: state.logs.length > 0 ? state.logs.slice(-MAX_LOGS) : s.logs,
      }));
    }
  },
});
