/** Sign-in, the API bound to the token, hub identity and the live connection's health. */
import type { StateCreator } from 'zustand';
import { createApi, login, logout, type Api, type HubInfo } from '../api.ts';
import { errorMessage } from '../../shared/format.ts';
import type { ConsoleState } from './types.ts';

const TOKEN_KEY = 'fedunify.console.token';
const USER_KEY = 'fedunify.console.user';

export type LiveStatus = 'offline' | 'connecting' | 'live' | 'error';

export interface SessionSlice {
  token: string | null;
  username: string | null;
  api: Api | null;
  hub: HubInfo | null;
  signingIn: boolean;
  signInError: string | null;
  live: LiveStatus;
  liveDetail: string;
  signIn: (username: string, password: string) => Promise<boolean>;
  /** Ends the session (on the hub too, unless `reason` says it already ended there). */
  signOut: (reason?: string) => void;
  setLive: (live: LiveStatus, detail?: string) => void;
  loadHub: () => Promise<void>;
}

function restoreToken(): { token: string | null; username: string | null } {
  try {
    return { token: sessionStorage.getItem(TOKEN_KEY), username: sessionStorage.getItem(USER_KEY) };
  } catch {
    return { token: null, username: null };
  }
}

/** Creates the session slice; the token survives a reload of the tab (sessionStorage), not a new tab. */
export const createSessionSlice: StateCreator<ConsoleState, [], [], SessionSlice> = (set, get) => {
  const saved = restoreToken();
  return {
    token: saved.token,
    username: saved.username,
    api: saved.token ? createApi(saved.token) : null,
    hub: null,
    signingIn: false,
    signInError: null,
    live: 'offline',
    liveDetail: '',
    signIn: async (username, password) => {
      if (!username.trim() || !password) {
        set({ signInError: 'Enter the operator user name and password the hub printed when it started.' });
        return false;
      }
      set({ signingIn: true, signInError: null });
      try {
        const token = await login(username.trim(), password);
        sessionStorage.setItem(TOKEN_KEY, token);
        sessionStorage.setItem(USER_KEY, username.trim());
        set({ token, username: username.trim(), api: createApi(token), signingIn: false });
        return true;
      } catch (err) {
        set({ signingIn: false, signInError: errorMessage(err) });
        return false;
      }
    },
    signOut: (reason) => {
      const token = get().token;
      // Signing out ends the session on the hub too; an expired session (reason given) has none.
      if (token && !reason) {
        void logout(token).catch(() => undefined);
      }
      sessionStorage.removeItem(TOKEN_KEY);
      sessionStorage.removeItem(USER_KEY);
      set({
        token: null,
        api: null,
        live: 'offline',
        signInError: reason ?? null,
        jobs: {},
        participants: {},
        rounds: {},
        logs: [],
        invites: [],
      });
    },
    setLive: (live, detail = '') => set({ live, liveDetail: detail }),
    loadHub: async () => {
      const api = get().api;
      if (!api) return;
      try {
        set({ hub: await api.hub() });
      } catch {
        // The header just shows less: every other view reports its own errors.
      }
    },
  };
};
