/** The participant app's one store, combined from typed slices. */
import { create } from 'zustand';
import { createLinkSlice } from './link-slice.ts';
import { createEngineSlice } from './engine-slice.ts';
import { createActionsSlice } from './actions-slice.ts';
import { createUiSlice } from './ui-slice.ts';
import type { ParticipantStore } from './types.ts';

export type { ParticipantStore } from './types.ts';

/** The participant store. */
export const useParticipant = create<ParticipantStore>()((...a) => ({
  ...createLinkSlice(...a),
  ...createEngineSlice(...a),
  ...createActionsSlice(...a),
  ...createUiSlice(...a),
}));
