/** Which screen the participant app shows. */
import type { StateCreator } from 'zustand';
import type { ParticipantStore } from './types.ts';

export type Screen = 'join' | 'data' | 'training' | 'rounds' | 'outbound' | 'logs';

export interface UiSlice {
  screen: Screen;
  setScreen: (screen: Screen) => void;
}

/** Creates the UI slice. */
export const createUiSlice: StateCreator<ParticipantStore, [], [], UiSlice> = (set) => ({
  screen: 'join',
  setScreen: (screen) => set({ screen }),
});
