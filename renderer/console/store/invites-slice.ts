/** Invites: list, create (the invite string is shown once), revoke. */
import type { StateCreator } from 'zustand';
import type { InviteRecord } from '../../../core/wire/protocol.ts';
import { errorMessage } from '../../shared/format.ts';
import type { ConsoleState } from './types.ts';

export interface InvitesSlice {
  invites: InviteRecord[];
  invitesLoading: boolean;
  invitesError: string | null;
  /** The invite string of the last created invite: the hub stores only its hash. */
  lastInvite: InviteRecord | null;
  loadInvites: () => Promise<void>;
  createInvite: (name: string, jobId: string | null) => Promise<InviteRecord>;
  revokeInvite: (id: string) => Promise<void>;
  clearLastInvite: () => void;
}

/** Creates the invites slice. */
export const createInvitesSlice: StateCreator<ConsoleState, [], [], InvitesSlice> = (set, get) => ({
  invites: [],
  invitesLoading: false,
  invitesError: null,
  lastInvite: null,
  loadInvites: async () => {
    const api = get().api;
    if (!api) return;
    set({ invitesLoading: true, invitesError: null });
    try {
      set({ invites: await api.listInvites(), invitesLoading: false });
    } catch (err) {
      set({ invitesLoading: false, invitesError: errorMessage(err) });
    }
  },
  createInvite: async (name, jobId) => {
    const api = get().api;
    if (!api) throw new Error('Sign in first.');
    const created = await api.createInvite(name, jobId);
    set((s) => ({
      invites: [created, ...s.invites.filter((i) => i.id !== created.id)],
      lastInvite: created,
    }));
    return created;
  },
  revokeInvite: async (id) => {
    const api = get().api;
    if (!api) throw new Error('Sign in first.');
    await api.revokeInvite(id);
    set((s) => ({ invites: s.invites.map((i) => (i.id === id ? { ...i, revoked: true } : i)) }));
  },
  clearLastInvite: () => set({ lastInvite: null }),
});
