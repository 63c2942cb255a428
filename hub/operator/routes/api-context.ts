/** What the operator API route modules share. */
import type { Store } from '../../db/store.ts';
import type { JobManager } from '../../rounds/job-manager.ts';
import type { HubLogger, HubEvents } from '../../hub-events.ts';
import type { ModelLimits } from '../model-limits.ts';

/** Dependencies of the REST routes. */
export interface ApiDeps {
  store: Store;
  jobs: JobManager;
  log: HubLogger;
  events: HubEvents;
  /** The URL and fingerprint participants use (invites carry them). */
  hubInfo: () => { url: string; fingerprint: string | null };
  /** Disconnects the participants of a revoked invite; returns how many. */
  disconnectInvite: (inviteId: string) => number;
  /** How large a job's model may be on this hub. */
  modelLimits: ModelLimits;
}
