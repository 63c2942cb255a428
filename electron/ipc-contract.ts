/**
 * The typed IPC contract between the preload and the main process, derived from the bridge
 * interfaces in core/wire/bridge.ts: one channel per method, argument and result types taken
 * from the interface. Pure (no Electron import) so the sandboxed preload can bundle it.
 */
import type { DesktopBridge, HostBridge, ParticipantBridge } from '../core/wire/bridge.ts';
import type { HostMethod, ParticipantMethod } from '../core/wire/bridge-methods.ts';

export const PARTICIPANT_CHANNELS = {
  getState: 'participant:get-state',
  inspectInvite: 'participant:inspect-invite',
  loadData: 'participant:load-data',
  join: 'participant:join',
  leave: 'participant:leave',
  setApproveUploads: 'participant:set-approve-uploads',
  decideUpload: 'participant:decide-upload',
  pickPath: 'participant:pick-path',
} as const satisfies Record<ParticipantMethod, string>;

export const HOST_CHANNELS = {
  startHub: 'host:start-hub',
  stopHub: 'host:stop-hub',
  status: 'host:status',
} as const satisfies Record<HostMethod, string>;

/** Main → renderer: every BridgeEvent of the engine. */
export const EVENT_CHANNEL = 'participant:event';

export type ParticipantArgs<M extends ParticipantMethod> = Parameters<ParticipantBridge[M]>;
export type ParticipantResult<M extends ParticipantMethod> = Awaited<ReturnType<ParticipantBridge[M]>>;
export type HostArgs<M extends HostMethod> = Parameters<HostBridge[M]>;
export type HostResult<M extends HostMethod> = Awaited<ReturnType<HostBridge[M]>>;

/** The exposed object's type, re-stated so main and preload agree on it. */
export type ExposedBridge = DesktopBridge;
