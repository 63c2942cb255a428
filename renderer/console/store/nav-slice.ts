/** Which page the console shows. Kept in the store so live events can navigate (e.g. after delete). */
import type { StateCreator } from 'zustand';
import type { ConsoleState } from './types.ts';

export type JobTab = 'participants' | 'rounds' | 'methods' | 'logs' | 'output';

export type View =
  | { page: 'jobs' }
  | { page: 'create'; mode: 'wizard' | 'yaml' }
  | { page: 'job'; jobId: string; tab: JobTab }
  | { page: 'invites' }
  | { page: 'logs' };

export interface NavSlice {
  view: View;
  navigate: (view: View) => void;
}

/** Creates the navigation slice. */
export const createNavSlice: StateCreator<ConsoleState, [], [], NavSlice> = (set) => ({
  view: { page: 'jobs' },
  navigate: (view) => set({ view }),
});
