/** Which page the console shows, mirrored in the address bar so reload, Back and links work. */
import type { StateCreator } from 'zustand';
import { hashToView, viewToHash, type View } from '../routes.ts';
import type { ConsoleState } from './types.ts';

export type { JobTab, View } from '../routes.ts';

export interface NavSlice {
  view: View;
  /** Shows `view` and records it in the history (replace: without a new history entry). */
  navigate: (view: View, replace?: boolean) => void;
  /** Follows the address bar (Back, Forward, an edited hash). */
  syncFromLocation: () => void;
}

function currentHash(): string {
  return typeof window === 'undefined' ? '' : window.location.hash;
}

/** Creates the navigation slice. */
export const createNavSlice: StateCreator<ConsoleState, [], [], NavSlice> = (set) => ({
  view: hashToView(currentHash()),
  navigate: (view, replace = false) => {
    const hash = viewToHash(view);
    if (typeof window !== 'undefined' && window.location.hash !== hash) {
      if (replace) window.history.replaceState(null, '', hash);
      else window.history.pushState(null, '', hash);
    }
    set({ view });
  },
  syncFromLocation: () => set({ view: hashToView(currentHash()) }),
});
