/**
 * The one list of bridge methods both transports carry (Electron IPC and the `join --ui` socket).
 * Zod-free on purpose: the sandboxed Electron preload bundles it.
 */
import type { HostBridge, ParticipantBridge } from './bridge.ts';

/** Participant methods that are requests (subscribe is the event stream). */
export type ParticipantMethod = Exclude<keyof ParticipantBridge, 'subscribe'>;
/** Methods the engine itself serves: the requests minus the UI-only native dialog. */
export type EngineMethod = Exclude<ParticipantMethod, 'pickPath'>;
export type HostMethod = keyof HostBridge;

/** What the engine serves: the ParticipantBridge without the UI-only parts. */
export type EngineApi = Pick<ParticipantBridge, EngineMethod>;

type MaybeSync<F> = F extends (...args: infer A) => Promise<infer R> ? (...args: A) => R | Promise<R> : never;

/**
 * The engine as a transport serves it (ParticipantEngine satisfies it): each request may answer
 * synchronously or not, plus its event stream.
 */
export type ServedEngine = { [M in EngineMethod]: MaybeSync<EngineApi[M]> } & {
  subscribe: ParticipantBridge['subscribe'];
};

/** Every request the engine serves, in one order for every transport. */
export const ENGINE_METHODS = [
  'getState',
  'inspectInvite',
  'loadData',
  'join',
  'leave',
  'setApproveUploads',
  'decideUpload',
] as const satisfies readonly EngineMethod[];

/** Every participant request, including the UI-only pickPath. */
export const PARTICIPANT_METHODS = [
  ...ENGINE_METHODS,
  'pickPath',
] as const satisfies readonly ParticipantMethod[];

/** Everything `window.fedunify` (a ParticipantBridge) has. */
export const BRIDGE_METHODS = [
  ...PARTICIPANT_METHODS,
  'subscribe',
] as const satisfies readonly (keyof ParticipantBridge)[];

/** Host mode of the desktop app. */
export const HOST_METHODS = ['startHub', 'stopHub', 'status'] as const satisfies readonly HostMethod[];

// Compile-time proof that the lists name every method of the interfaces, not just some.
type Missing<All, Listed> = Exclude<All, Listed>;
const _allEngine: [Missing<EngineMethod, (typeof ENGINE_METHODS)[number]>] extends [never] ? true : never =
  true;
const _allHost: [Missing<HostMethod, (typeof HOST_METHODS)[number]>] extends [never] ? true : never = true;
void _allEngine;
void _allHost;
