/**
 * Round overhead of the hub on loopback: K lightweight socket.io participants (no training) send
 * valid encoded PAPER_CNN updates as soon as a round starts; we measure, on the client side, the
 * time from the last update being sent to the unified weights arriving at every participant,
 * and read the hub's own unify time (RoundRecord.unifyMs). No hub evaluation, so this is pure
 * transport + validation + unification + checkpoint cost. Also reports bytes on the wire per update.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { startHub } from '../hub/index.ts';
import { initialWeights } from '../core/model/init.ts';
import { weightManifest, paramCount } from '../core/model/manifest.ts';
import { PAPER_CNN } from '../core/model/spec.ts';
import { pinnedTlsOptions } from '../core/net/pinned-tls.ts';
import { payloadDigest } from '../core/participant/outbound-log.ts';
import { encodeWeights } from '../core/wire/weights-codec.ts';
import { FEDERATION_NAMESPACE, PROTOCOL_VERSION, type Ack, type RoundRecord } from '../core/wire/protocol.ts';
import { HubClient } from '../cli/simulate/hub-client.ts';

export interface RoundOverheadResult {
  participants: number;
  rounds: number;
  params: number;
  /** Encoded weights per update. */
  weightBytes: number;
  /** The whole round:update payload (weights + JSON fields) per participant per round. */
  updateBytes: number;
  /** Client side: last round:update sent → round:unified received by all, per round (ms). */
  clientMs: number[];
  /** Hub side: RoundRecord.unifyMs per round (validation excluded: unify + checkpoint encode). */
  hubUnifyMs: (number | null)[];
}

const now = () => performance.now();

/** Runs `rounds` rounds with `participants` raw clients against a fresh in-process hub. */
export async function measureRoundOverhead(participants: number, rounds = 3): Promise<RoundOverheadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fedunify-bench-round-'));
  const hub = await startHub({
    dataDir: dir,
    port: 0,
    host: '127.0.0.1',
    quiet: true,
    rateLimit: { burst: 1000, perSec: 1000 },
  });
  const sockets: Socket[] = [];
  try {
    const client = new HubClient(hub.url, hub.fingerprint);
    await client.login(hub.operator.username, hub.operator.password ?? '');
    const job = await client.createJob({
      name: `bench round ×${participants}`,
      rounds,
      method: 'avg',
      compareMethods: ['avg'],
      minParticipants: participants,
      seed: 1,
    });
    const manifest = weightManifest(PAPER_CNN);
    const base = initialWeights(PAPER_CNN, 1);
    const tls = await pinnedTlsOptions(hub.url, hub.fingerprint ?? '');
    const sent = new Map<number, number[]>();
    const unified = new Map<number, number[]>();
    let updateBytes = 0;
    let weightBytes = 0;
    const done: Promise<void>[] = [];
    for (let i = 0; i < participants; i++) {
      // Each participant's update differs a little, so unification does real work.
      const weights = encodeWeights(
        manifest,
        base.map((w) => w.map((v, j) => v + ((i + j) % 7) * 1e-4)),
      );
      weightBytes = weights.byteLength;
      const { invite } = await client.createInvite(`B${i + 1}`, job.id);
      const token = JSON.parse(Buffer.from(invite.slice('fedunify1.'.length), 'base64url').toString('utf8'))
        .token as string;
      const socket = io(new URL(FEDERATION_NAMESPACE, hub.url).toString(), {
        transports: ['websocket'],
        reconnection: false,
        auth: { token, protocolVersion: PROTOCOL_VERSION, instanceId: `bench-${i}` },
        ...tls,
      } as Record<string, unknown>);
      sockets.push(socket);
      done.push(
        new Promise<void>((resolve, reject) => {
          socket.on('connect_error', (err) => reject(err));
          socket.on('job:assign', () => {
            socket.emit(
              'participant:ready',
              {
                dataset: {
                  inputShape: [28, 28, 1],
                  numClasses: 10,
                  classCounts: Array(10).fill(10),
                  trainSamples: 100,
                  testSamples: 10,
                },
                backend: { backend: 'none', device: 'bench client', notes: [] },
              },
              () => undefined,
            );
          });
          socket.on('round:start', (msg: { round: number; jobId: string }) => {
            const update = {
              jobId: msg.jobId,
              round: msg.round,
              samples: 100,
              metrics: {
                loss: 1,
                accuracy: 0.5,
                testLoss: null,
                testAccuracy: null,
                samplesPerSec: 0,
                durationMs: 0,
              },
              weights,
            };
            updateBytes = payloadDigest(update).bytes;
            (sent.get(msg.round) ?? sent.set(msg.round, []).get(msg.round)!).push(now());
            socket.emit('round:update', update, (res: Ack) => {
              if (!res.ok) reject(new Error(`update refused: ${res.error}`));
            });
          });
          socket.on('round:unified', (msg: { round: number; jobId: string }) => {
            (unified.get(msg.round) ?? unified.set(msg.round, []).get(msg.round)!).push(now());
            socket.emit(
              'round:eval',
              { jobId: msg.jobId, round: msg.round, accuracy: 0.5, loss: 1, samples: 10 },
              () => undefined,
            );
          });
          socket.on('job:end', () => resolve());
        }),
      );
    }
    await Promise.all(done);
    const records: RoundRecord[] = await client.rounds(job.id);
    const clientMs = [...sent.keys()]
      .sort((a, b) => a - b)
      .map((r) => Math.max(...(unified.get(r) ?? [NaN])) - Math.max(...sent.get(r)!));
    return {
      participants,
      rounds,
      params: paramCount(PAPER_CNN),
      weightBytes,
      updateBytes,
      clientMs,
      hubUnifyMs: records.map((r) => r.unifyMs),
    };
  } finally {
    for (const s of sockets) s.disconnect();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
