/**
 * Entry of the participant engine's utility process (bundled to dist/electron/engine-process.cjs):
 * constructs the ParticipantEngine and serves it to the main process. Training runs here, so the
 * UI thread never waits on TensorFlow.js.
 */
import { ParticipantEngine } from '../core/participant/engine.ts';
import type { Ack } from '../core/wire/protocol.ts';
import { decodeInvite } from '../core/wire/invite.ts';
import { serveEngine, type ServableEngine } from './engine-server.ts';
import { parentChannel } from './parent-channel.ts';

type InspectAck = Ack<{ hub: { url: string; fingerprint: string | null; org: string } }>;

/** Decodes an invite without contacting the hub (used when the engine has no inspectInvite). */
export function inspectInviteLocally(text: string): InspectAck {
  try {
    const invite = decodeInvite(text);
    return { ok: true, hub: { url: invite.hub, fingerprint: invite.fingerprint, org: invite.org } };
  } catch (err) {
    return { ok: false, error: (err as Error).message, code: 'bad-request' };
  }
}

/** Wraps the engine as served over RPC, filling in what its version does not implement yet. */
export function servableEngine(engine: ParticipantEngine): ServableEngine {
  const own: unknown = Reflect.get(engine, 'inspectInvite');
  return {
    getState: () => engine.getState(),
    inspectInvite: (text) =>
      typeof own === 'function'
        ? (own.call(engine, text) as Promise<InspectAck>)
        : inspectInviteLocally(text),
    loadData: (source) => engine.loadData(source),
    join: (invite) => engine.join(invite),
    leave: () => engine.leave(),
    setApproveUploads: (on) => engine.setApproveUploads(on),
    decideUpload: (round, approve) => engine.decideUpload(round, approve),
    subscribe: (listener) => engine.subscribe(listener),
  };
}

function main(): void {
  const stateDir = process.env.FEDUNIFY_ENGINE_STATE_DIR;
  if (stateDir === undefined || stateDir === '') {
    throw new Error('FEDUNIFY_ENGINE_STATE_DIR is not set: the desktop app passes its data folder.');
  }
  const engine = new ParticipantEngine({
    stateDir,
    approveUploads: process.env.FEDUNIFY_APPROVE_UPLOADS === '1',
    backend: process.env.FEDUNIFY_BACKEND ?? 'auto',
  });
  serveEngine(parentChannel(), servableEngine(engine));
}

if (Reflect.get(process, 'parentPort') !== undefined) main();
