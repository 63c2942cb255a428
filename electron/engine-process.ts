/**
 * Entry of the participant engine's utility process (bundled to dist/electron/engine-process.cjs):
 * constructs the ParticipantEngine and serves it to the main process. Training runs here, so the
 * UI thread never waits on TensorFlow.js.
 */
import { ParticipantEngine } from '../core/participant/engine.ts';
import { serveEngine } from './engine-server.ts';
import { relayOpener } from './gpu-opener.ts';
import { relayKeyProtector } from './key-relay.ts';
import { parentChannel } from './parent-channel.ts';

function main(): void {
  const stateDir = process.env.FEDUNIFY_ENGINE_STATE_DIR;
  if (stateDir === undefined || stateDir === '') {
    throw new Error('FEDUNIFY_ENGINE_STATE_DIR is not set: the desktop app passes its data folder.');
  }
  const port = parentChannel();
  const engine = new ParticipantEngine({
    stateDir,
    approveUploads: process.env.FEDUNIFY_APPROVE_UPLOADS === '1',
    backend: process.env.FEDUNIFY_BACKEND ?? 'auto',
    // WebGPU/WebGL run in the app's hidden GPU window, which main opens on request.
    browserOpener: relayOpener(port),
    // safeStorage lives in main: the identity key is encrypted and decrypted there on request.
    keyProtector: relayKeyProtector(port),
  });
  serveEngine(port, engine);
}

if (Reflect.get(process, 'parentPort') !== undefined) main();
