/** An in-memory participant engine for the `join --ui` server's tests. */
import type { BridgeEvent, DataSource, ParticipantState } from '../../../core/wire/bridge.ts';
import type { UiEngine } from '../../../cli/ui-server.ts';
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
