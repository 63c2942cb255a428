/** What the user asks of the engine, each with a busy flag and an error that says what to do. */
import type { StateCreator } from 'zustand';
import type { DataPreview, DataSource, InviteInspection } from '../../../core/wire/bridge.ts';
import { errorMessage } from '../../shared/format.ts';
import type { ParticipantStore } from './types.ts';

type Busy = 'inspect' | 'join' | 'data' | 'leave' | 'approve' | null;

export interface ActionsSlice {
  busy: Busy;
  actionError: string | null;
  /** What the hub said about the invite last inspected (identity and job), before joining. */
  inspected: (InviteInspection & { invite: string }) | null;
  preview: DataPreview | null;
  inspectInvite: (invite: string) => Promise<void>;
  join: (invite: string) => Promise<boolean>;
  loadData: (source: DataSource) => Promise<boolean>;
  leave: () => Promise<void>;
  setApproveUploads: (on: boolean) => Promise<void>;
  decideUpload: (round: number, approve: boolean) => Promise<void>;
  clearError: () => void;
}

/** Creates the actions slice. */
export const createActionsSlice: StateCreator<ParticipantStore, [], [], ActionsSlice> = (set, get) => {
  // Runs one engine call with a busy flag; errors become `actionError`.
  async function run<T>(busy: Exclude<Busy, null>, what: string, fn: () => Promise<T>): Promise<T | null> {
    const bridge = get().bridge;
    if (!bridge) {
      set({ actionError: 'The participant engine is not connected yet. Wait a moment, or restart the app.' });
      return null;
    }
    set({ busy, actionError: null });
    try {
      return await fn();
    } catch (err) {
      set({ actionError: `${what}: ${errorMessage(err)}` });
      return null;
    } finally {
      set({ busy: null });
    }
  }
  const bridge = () => {
    const b = get().bridge;
    if (!b) throw new Error('not connected');
    return b;
  };
  return {
    busy: null,
    actionError: null,
    inspected: null,
    preview: null,
    inspectInvite: async (invite) => {
      set({ inspected: null });
      const res = await run('inspect', 'Could not reach the hub of this invite', () =>
        bridge().inspectInvite(invite),
      );
      if (!res) return;
      if (res.ok) set({ inspected: { invite, hub: res.hub, job: res.job, detail: res.detail } });
      else set({ actionError: `The hub did not answer as expected: ${res.error}` });
    },
    join: async (invite) => {
      const res = await run('join', 'Could not join', () => bridge().join(invite));
      if (!res) return false;
      if (!res.ok) {
        set({ actionError: `The hub refused to let this participant join: ${res.error}` });
        return false;
      }
      await get().refresh();
      return true;
    },
    loadData: async (source) => {
      const res = await run('data', 'Could not load the data', () => bridge().loadData(source));
      if (!res) return false;
      if (!res.ok) {
        set({ actionError: `Could not load the data: ${res.error}` });
        return false;
      }
      set({ preview: res.preview });
      await get().refresh();
      return true;
    },
    leave: async () => {
      await run('leave', 'Could not leave the job', () => bridge().leave());
      // The invite used up by this job must not be offered again: the box starts empty.
      set({ inspected: null, inviteDraft: '' });
      await get().refresh();
    },
    setApproveUploads: async (on) => {
      await run('approve', 'Could not change the upload approval setting', () =>
        bridge().setApproveUploads(on),
      );
      await get().refresh();
    },
    decideUpload: async (round, approve) => {
      await run('approve', 'Could not send your decision', () => bridge().decideUpload(round, approve));
      await get().refresh();
    },
    clearError: () => set({ actionError: null }),
  };
};
