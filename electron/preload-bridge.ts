/**
 * Builds the object the preload exposes as `window.fedunify`: the ParticipantBridge plus the
 * host-mode API, each method one `invoke` on its channel. Takes the IPC object as a parameter so
 * its shape can be tested without Electron.
 */
import type { BridgeEvent, DesktopBridge, HostBridge, ParticipantBridge } from '../core/wire/bridge.ts';
import {
  EVENT_CHANNEL,
  HOST_CHANNELS,
  PARTICIPANT_CHANNELS,
  type HostArgs,
  type HostResult,
  type ParticipantArgs,
  type ParticipantResult,
} from './ipc-contract.ts';
import type { HostMethod, ParticipantMethod } from '../core/wire/bridge-methods.ts';

/** The subset of Electron's ipcRenderer the bridge needs. */
export interface RendererIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** Creates the bridge over `ipc`; results come from main, whose handlers are typed by the contract. */
export function createDesktopBridge(ipc: RendererIpc): DesktopBridge {
  const call =
    <M extends ParticipantMethod>(method: M) =>
    (...args: ParticipantArgs<M>): Promise<ParticipantResult<M>> =>
      ipc.invoke(PARTICIPANT_CHANNELS[method], ...args) as Promise<ParticipantResult<M>>;
  const callHost =
    <M extends HostMethod>(method: M) =>
    (...args: HostArgs<M>): Promise<HostResult<M>> =>
      ipc.invoke(HOST_CHANNELS[method], ...args) as Promise<HostResult<M>>;

  const host: HostBridge = {
    startHub: callHost('startHub'),
    stopHub: callHost('stopHub'),
    status: callHost('status'),
  };
  const participant: ParticipantBridge = {
    getState: call('getState'),
    inspectInvite: call('inspectInvite'),
    loadData: call('loadData'),
    join: call('join'),
    leave: call('leave'),
    setApproveUploads: call('setApproveUploads'),
    decideUpload: call('decideUpload'),
    pickPath: call('pickPath'),
    subscribe(listener: (event: BridgeEvent) => void): () => void {
      // Only the payload crosses into the page, never Electron's event object (it has `sender`).
      const relay = (_event: unknown, payload: unknown): void => listener(payload as BridgeEvent);
      ipc.on(EVENT_CHANNEL, relay);
      return () => {
        ipc.removeListener(EVENT_CHANNEL, relay);
      };
    },
  };
  return { ...participant, host };
}
