/** Which screen the participant app shows, and the invite being typed on the Join screen. */
import type { StateCreator } from 'zustand';
import type { Screen } from '../screens.ts';
import type { ParticipantStore } from './types.ts';

export interface UiSlice {
  screen: Screen;
  setScreen: (screen: Screen) => void;
  /** The invite in the Join screen's text box (pre-filled from the page address). */
  inviteDraft: string;
  setInviteDraft: (invite: string) => void;
  /** The organization a per-organization installer was built for, if any. */
  presetOrg: string | null;
}

/** Creates the UI slice. */
export const createUiSlice: StateCreator<ParticipantStore, [], [], UiSlice> = (set) => ({
  screen: 'join',
  setScreen: (screen) => set({ screen }),
  inviteDraft: '',
  setInviteDraft: (inviteDraft) => set({ inviteDraft }),
  presetOrg: null,
});
