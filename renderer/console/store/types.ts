/** The console store's shape: the union of its slices, each in its own file. */
import type { SessionSlice } from './session-slice.ts';
import type { JobsSlice } from './jobs-slice.ts';
import type { DetailSlice } from './detail-slice.ts';
import type { InvitesSlice } from './invites-slice.ts';
import type { NavSlice } from './nav-slice.ts';

export type ConsoleState = SessionSlice & JobsSlice & DetailSlice & InvitesSlice & NavSlice;
