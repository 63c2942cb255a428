/**
 * Where the participant UI gets its ParticipantBridge: `window.fedunify` inside Electron (the
 * preload exposes it over IPC), otherwise a socket to the local `fedunify join --ui` server,
 * authenticated by exchanging the one-time `?token=` of the URL for a session once; with
 * `join --ui --gpu-tab` the tab also hosts the GPU engine page in a hidden frame.
 */
import { io, type Socket } from 'socket.io-client';
import type { BridgeEvent, ParticipantBridge } from '../../core/wire/bridge.ts';
import {
  SESSION_PATH,
  type CallResult,
  type RemoteMethod,
  type SessionResponse,
  type UiClientEvents,
  type UiServerEvents,
} from '../../core/wire/bridge-socket.ts';
import { TAB_ENGINE_PAGE, TAB_ENGINE_SOCKET_PATH } from '../../core/wire/gpu-engine.ts';

declare global {
  interface Window {
    fedunify?: ParticipantBridge;
  }
}

export type BridgeLink = 'connecting' | 'connected' | 'lost' | 'refused';

const SESSION_KEY = 'fedunify.participant.session';
const GPU_TAB_KEY = 'fedunify.participant.gpuTab';
const CALL_TIMEOUT_MS = 120_000;

/** How the UI reached its engine, and how to follow the link's health. */
export interface BridgeConnection {
  bridge: ParticipantBridge;
  kind: 'electron' | 'local-server';
  onLink: (listener: (link: BridgeLink, detail: string) => void) => () => void;
}

/** The page's session, and whether it hosts the GPU engine frame. */
async function exchangeToken(): Promise<{ session: string; gpuTab: boolean }> {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token) {
    // Remove the one-time token from the address bar and history before anything else.
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.toString());
    const res = await fetch(SESSION_PATH, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    if (!res.ok) {
      throw new Error(
        'This link was already used or is wrong. Open the address that `fedunify join --ui` printed most recently, or restart it for a new one.',
      );
    }
    const body = (await res.json()) as SessionResponse;
    sessionStorage.setItem(SESSION_KEY, body.session);
    sessionStorage.setItem(GPU_TAB_KEY, String(body.gpuTab === true));
    return { session: body.session, gpuTab: body.gpuTab === true };
  }
  const saved = sessionStorage.getItem(SESSION_KEY);
  if (saved) return { session: saved, gpuTab: sessionStorage.getItem(GPU_TAB_KEY) === 'true' };
  throw new Error(
    'This page needs the address with its one-time token. Open the link that `fedunify join --ui` printed in the terminal.',
  );
}

function socketBridge(socket: Socket<UiServerEvents, UiClientEvents>): ParticipantBridge {
  const listeners = new Set<(e: BridgeEvent) => void>();
  socket.on('bridge:event', (event) => {
    for (const l of listeners) l(event);
  });
  const call = async (method: RemoteMethod, ...args: unknown[]): Promise<unknown> => {
    const res: CallResult = await socket
      .timeout(CALL_TIMEOUT_MS)
      .emitWithAck('bridge:call', { method, args });
    if (!res.ok) throw new Error(res.error);
    return res.value;
  };
  // Each method narrows `unknown` to its declared result: the server delegates to the same interface.
  return {
    getState: () => call('getState') as ReturnType<ParticipantBridge['getState']>,
    inspectInvite: (invite) =>
      call('inspectInvite', invite) as ReturnType<ParticipantBridge['inspectInvite']>,
    loadData: (source) => call('loadData', source) as ReturnType<ParticipantBridge['loadData']>,
    join: (invite) => call('join', invite) as ReturnType<ParticipantBridge['join']>,
    leave: async () => {
      await call('leave');
    },
    setApproveUploads: async (on) => {
      await call('setApproveUploads', on);
    },
    decideUpload: async (round, approve) => {
      await call('decideUpload', round, approve);
    },
    pickPath: async () => null,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Connects to the engine (Electron IPC or the local server); rejects with what to do when it cannot. */
export async function connectBridge(): Promise<BridgeConnection> {
  const linkListeners = new Set<(link: BridgeLink, detail: string) => void>();
  const emitLink = (link: BridgeLink, detail: string) => linkListeners.forEach((l) => l(link, detail));
  const onLink = (l: (link: BridgeLink, detail: string) => void) => {
    linkListeners.add(l);
    return () => linkListeners.delete(l);
  };
  if (window.fedunify) return { bridge: window.fedunify, kind: 'electron', onLink };

  const { session, gpuTab } = await exchangeToken();
  const socket: Socket<UiServerEvents, UiClientEvents> = io({ auth: { session }, transports: ['websocket'] });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      socket.disconnect();
      sessionStorage.removeItem(SESSION_KEY);
      reject(
        new Error(
          /unauthori[sz]ed|session/i.test(err.message)
            ? 'The local participant refused this page (its session ended). Open the newest link `fedunify join --ui` printed.'
            : `Cannot reach the local participant (${err.message}). Is \`fedunify join --ui\` still running?`,
        ),
      );
    });
  });
  socket.on('disconnect', () => emitLink('lost', 'Lost the connection to the local participant; retrying…'));
  socket.io.on('reconnect', () => emitLink('connected', 'Reconnected'));
  socket.on('connect_error', (err) => {
    if (/unauthori[sz]ed|session/i.test(err.message)) {
      socket.disconnect();
      emitLink('refused', 'The local participant ended this session. Open the newest link it printed.');
    }
  });
  if (gpuTab) mountGpuEngineFrame(session);
  return { bridge: socketBridge(socket), kind: 'local-server', onLink };
}

/**
 * Hosts the GPU engine page in a hidden frame of this tab, so `join --ui --gpu-tab` can train on
 * this browser's GPU (WebGPU or WebGL). The frame connects back to the local server with this page's
 * session; the server drives it only when the backend choice picks it. Not `display: none`: a frame
 * that is not rendered gets no animation frames, which some GPU backends wait on.
 */
function mountGpuEngineFrame(session: string): void {
  const frame = document.createElement('iframe');
  const fragment = new URLSearchParams({ token: session, path: TAB_ENGINE_SOCKET_PATH });
  frame.src = `${TAB_ENGINE_PAGE}#${fragment.toString()}`;
  frame.title = 'FedUnify GPU engine';
  frame.tabIndex = -1;
  frame.setAttribute('aria-hidden', 'true');
  frame.dataset.testid = 'gpu-engine-frame';
  Object.assign(frame.style, {
    position: 'fixed',
    width: '1px',
    height: '1px',
    left: '-10px',
    top: '-10px',
    border: '0',
    opacity: '0',
    pointerEvents: 'none',
  });
  document.body.append(frame);
}
