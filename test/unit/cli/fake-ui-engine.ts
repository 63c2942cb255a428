/** An in-memory participant engine for the `join --ui` server's tests, and the page's token exchange. */
import type { BridgeEvent, DataSource, ParticipantState } from '../../../core/wire/bridge.ts';
import type { UiEngine } from '../../../cli/ui-server.ts';
import { SESSION_PATH, type SessionResponse } from '../../../core/wire/bridge-socket.ts';
import { initialState } from '../../../core/participant/state.ts';

export const STATE: ParticipantState = initialState(false);

/** An in-memory engine that records calls and lets the test push events. */
export class FakeEngine implements UiEngine {
  calls: unknown[][] = [];
  listeners = new Set<(e: BridgeEvent) => void>();
  getState() {
    return STATE;
  }
  subscribe(l: (e: BridgeEvent) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  async loadData(source: DataSource) {
    this.calls.push(['loadData', source]);
    return { ok: false as const, error: 'no such folder', code: 'bad-request' as const };
  }
  async inspectInvite(invite: string) {
    this.calls.push(['inspectInvite', invite]);
    return { ok: false as const, error: 'not a FedUnify invite', code: 'bad-request' as const };
  }
  async join(invite: string) {
    this.calls.push(['join', invite]);
    return { ok: true as const };
  }
  async leave() {}
  async setApproveUploads(on: boolean) {
    this.calls.push(['setApproveUploads', on]);
  }
  async decideUpload(round: number, approve: boolean) {
    this.calls.push(['decideUpload', round, approve]);
  }
}

/** POSTs a one-time token to the UI server's session endpoint, as the page does. */
export function postSession(uiUrl: string, token: string | null): Promise<Response> {
  return fetch(new URL(SESSION_PATH, uiUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
}

/** Trades the printed link's one-time token for a session, as the page does. */
export async function sessionOf(uiUrl: string): Promise<SessionResponse> {
  const res = await postSession(uiUrl, new URL(uiUrl).searchParams.get('token'));
  return (await res.json()) as SessionResponse;
}
