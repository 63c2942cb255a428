/** The link to the engine: Electron IPC or the local `join --ui` server. */
import type { StateCreator } from 'zustand';
import type { ParticipantBridge } from '../../../core/wire/bridge.ts';
import { connectBridge, type BridgeLink } from '../bridge-client.ts';
import { parseLaunchParams } from '../launch-params.ts';
import { errorMessage } from '../../shared/format.ts';
import type { ParticipantStore } from './types.ts';

export interface LinkSlice {
  bridge: ParticipantBridge | null;
  bridgeKind: 'electron' | 'local-server' | null;
  link: BridgeLink;
  linkDetail: string;
  /** Connects, loads the engine's state, follows its events and opens what the address asks. Call once. */
  connect: () => Promise<void>;
}

/** Creates the link slice. */
export const createLinkSlice: StateCreator<ParticipantStore, [], [], LinkSlice> = (set, get) => ({
  bridge: null,
  bridgeKind: null,
  link: 'connecting',
  linkDetail: 'Connecting to the participant engine…',
  connect: async () => {
    // The one place the page's address is read (the local server's ?token= is bridge-client's).
    const launch = parseLaunchParams(window.location.search);
    if (launch.invite) set({ inviteDraft: launch.invite });
    if (launch.org) set({ presetOrg: launch.org });
    try {
      const conn = await connectBridge();
      set({ bridge: conn.bridge, bridgeKind: conn.kind });
      conn.onLink((link, detail) => {
        set({ link, linkDetail: detail });
        if (link === 'connected') void get().refresh();
      });
      conn.bridge.subscribe((event) => get().applyEvent(event));
      await get().refresh();
      set({ link: 'connected', linkDetail: conn.kind === 'electron' ? 'Desktop app' : 'Local participant' });
      const s = get().engine;
      const joined = s?.job != null || (s?.connection !== 'idle' && s?.hub != null);
      // Land where the user has something to do next; the address only chooses before joining.
      if (s?.job && s.data) get().setScreen('training');
      else if (s?.job) get().setScreen('data');
      else if (!joined && launch.invite) {
        get().setScreen('join');
        await get().inspectInvite(launch.invite);
      } else if (launch.view) get().setScreen(launch.view);
    } catch (err) {
      set({ link: 'refused', linkDetail: errorMessage(err) });
    }
  },
});
