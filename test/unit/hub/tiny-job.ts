/**
 * A tiny dense model and the plain data around it that in-process hub tests (JobRunner, store)
 * share: a flatten + softmax-dense model of `height × width × 1` inputs and `classes` classes, its
 * weight manifest, weights filled with one value, a participant's dataset summary and metrics,
 * and a stand-in for a participant's socket.
 */
import { weightManifest } from '../../../core/model/manifest.ts';
import type { FederationSocket } from '../../../hub/rounds/round-coordinator.ts';

/** Everything a hub test needs to describe a job on a tiny model. */
export function tinyJob(height: number, width: number, classes: number) {
  const inputShape: [number, number, number] = [height, width, 1];
  const model = {
    name: 'tiny',
    inputShape,
    numClasses: classes,
    layers: [
      { type: 'flatten' as const },
      { type: 'dense' as const, units: classes, activation: 'softmax' as const },
    ],
  };
  const manifest = weightManifest(model);
  return {
    model,
    manifest,
    /** Every tensor filled with `v`. */
    weights: (v: number) => manifest.map((t) => new Float32Array(t.shape.reduce((a, b) => a * b, 1)).fill(v)),
    dataset: { inputShape, numClasses: classes, classCounts: [], trainSamples: 10, testSamples: 0 },
    backend: { backend: 'cpu', device: 't', notes: [] },
  };
}

/** A participant's local metrics as an update carries them. */
export const updateMetrics = {
  loss: 1,
  accuracy: 0.5,
  testLoss: null,
  testAccuracy: null,
  samplesPerSec: 1,
  durationMs: 1,
};

/** What a hub sends a participant, as the tests read it. */
export type SentMsg = { round?: number; reason?: string; ready?: number };

/**
 * A participant socket that hands every event the hub sends it to `onEmit`; `connected` is set
 * only when given (most hub paths never read it).
 */
export function fakeSocket(
  id: string,
  onEmit: (event: string, msg: SentMsg) => void = () => undefined,
  connected?: boolean,
): FederationSocket {
  return {
    id,
    ...(connected === undefined ? {} : { connected }),
    data: {},
    emit: (event: string, msg: SentMsg) => {
      onEmit(event, msg);
      return true;
    },
    join: () => undefined,
    disconnect: () => undefined,
  } as unknown as FederationSocket;
}

/** An onEmit that logs "id event round" lines into `log`, one list shared by all sockets. */
export function logRounds(log: string[], id: string): (event: string, msg: SentMsg) => void {
  return (event, msg) => log.push(`${id} ${event}${msg?.round ? ` ${msg.round}` : ''}`);
}
