/**
 * The ParticipantBridge over a socket, between the participant UI in a browser and
 * `fedunify join --ui` (cli/ui-server.ts): one acknowledged call event carrying a bridge method and
 * its arguments, and one push event carrying BridgeEvents. Pure types and constants.
 */
import type { BridgeEvent } from './bridge.ts';
import type { EngineMethod } from './bridge-methods.ts';

/** Bridge methods callable over the socket (subscribe is the push event; pickPath has no dialog here). */
export type RemoteMethod = EngineMethod;

/** The answer to a call: the method's resolved value, or why it threw. */
export type CallResult = { ok: true; value: unknown } | { ok: false; error: string };

/** Browser → server. */
export interface UiClientEvents {
  'bridge:call': (msg: { method: RemoteMethod; args: unknown[] }, ack: (res: CallResult) => void) => void;
}

/** Server → browser. */
export interface UiServerEvents {
  'bridge:event': (event: BridgeEvent) => void;
}

/** POST body and answer of the one-time token exchange. */
export interface SessionRequest {
  token: string;
}
export interface SessionResponse {
  session: string;
  /** The page should host the GPU engine frame (`join --ui --gpu-tab`). */
  gpuTab: boolean;
}

export const SESSION_PATH = '/session';
