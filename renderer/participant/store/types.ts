/** The participant store's shape: the union of its slices. */
import type { LinkSlice } from './link-slice.ts';
import type { EngineSlice } from './engine-slice.ts';
import type { ActionsSlice } from './actions-slice.ts';
import type { UiSlice } from './ui-slice.ts';

export type ParticipantStore = LinkSlice & EngineSlice & ActionsSlice & UiSlice;
