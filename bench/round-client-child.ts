/**
 * Lightweight participants of `bench round`, many per process: each connects over TLS with its own
 * Ed25519 key (answering the hub's challenge as a real participant does), says it is ready, answers
 * round:start at once with a signed ready-made update of the job's model (no training) and
 * round:unified with a fixed eval, and records when it sent and received (epoch ms).
 */
import { createHash } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { generateIdentity, signChallenge, signUpdate } from '../core/crypto/identity.ts';
import { initialWeights } from '../core/model/init.ts';
import { weightManifest } from '../core/model/manifest.ts';
import type { ModelSpec } from '../core/model/spec.ts';
import { pinnedTlsOptions } from '../core/net/pinned-tls.ts';
import { payloadDigest } from '../core/participant/outbound-log.ts';
import { encodeWeights } from '../core/wire/weights-codec.ts';
import {
  FEDERATION_NAMESPACE,
  PROTOCOL_VERSION,
  authChallengeSchema,
  type Ack,
} from '../core/wire/protocol.ts';
import type { BenchClientReply, BenchClientStart, BenchRoundTimes } from './round-messages.ts';

const VARIANTS = 8;
/** Connections being opened at once per process (a sliding window: one slow handshake holds no batch up). */
const CONNECT_WINDOW = 32;
const now = (): number => performance.timeOrigin + performance.now();
const send = (msg: BenchClientReply): Promise<void> =>
  new Promise((resolve) => (process.send ? process.send(msg, () => resolve()) : resolve()));
const METRICS = {
  loss: 1,
  accuracy: 0.5,
  testLoss: null,
  testAccuracy: null,
  samplesPerSec: 0,
  durationMs: 0,
};
const READY = {
  dataset: {
    inputShape: [28, 28, 1],
    numClasses: 10,
    classCounts: Array(10).fill(10),
    trainSamples: 100,
    testSamples: 10,
  },
  backend: { backend: 'none', device: 'bench client', notes: [] },
};

/** A few distinct updates shared by the participants (unification still does real work). */
function variants(model: ModelSpec): Uint8Array[] {
  const manifest = weightManifest(model);
  const base = initialWeights(model, 1);
  return Array.from({ length: VARIANTS }, (_, k) =>
    encodeWeights(
      manifest,
      base.map((w) => w.map((v, j) => v + ((k + j) % 7) * 1e-4)),
    ),
  );
}

/**
 * A starved client process (many clients, two cores, other load) reads the hub's pings late: after
 * its own stall Node runs the expired ping deadline before reading the socket, and socket.io-client
 * also checks the deadline against the wall clock on every emit. The bench measures the hub, so
 * after a stall of this process the deadlines of its open connections restart (engine.io-client's
 * own reset; a no-op where a version lacks it). Returns a function giving the stalls seen.
 */
function guardClientHeartbeats(sockets: Socket[]): { stalls: () => number; stop: () => void } {
  const checkMs = 250;
  let last = performance.now();
  let stalls = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - checkMs;
    last = now;
    if (late < 1_000) return;
    stalls++;
    for (const socket of sockets) {
      if (!socket.connected) continue;
      (socket.io.engine as unknown as { _resetPingTimeout?: () => void } | undefined)?._resetPingTimeout?.();
    }
  }, checkMs);
  timer.unref();
  return { stalls: () => stalls, stop: () => clearInterval(timer) };
}

async function run(start: BenchClientStart): Promise<void> {
  const updates = variants(start.model);
  const tls = await pinnedTlsOptions(start.url, start.fingerprint);
  const times = new Map<number, BenchRoundTimes>();
  const timesOf = (round: number): BenchRoundTimes =>
    times.get(round) ?? times.set(round, { round, lastSent: 0, lastUnified: 0, unified: 0 }).get(round)!;
  let bytesUp = 0;
  let bytesDown = 0;
  let updateBytes = 0;
  let ended = 0;
  let disconnects = 0;
  const reasons: Record<string, number> = {};
  const shaOf = updates.map((u) => createHash('sha256').update(u).digest('hex'));
  const sockets: Socket[] = [];
  const guard = guardClientHeartbeats(sockets);
  const finished = new Promise<void>((resolve, reject) => {
    const connectOne = (token: string, i: number): Promise<void> =>
      new Promise((connected) => {
        const variant = (start.offset + i) % VARIANTS;
        const weights = updates[variant];
        const identity = generateIdentity();
        const auth = {
          token,
          protocolVersion: PROTOCOL_VERSION,
          publicKey: Buffer.from(identity.publicKey).toString('base64'),
        };
        let proof: { nonce: string; issuedAt: number; signature: string } | null = null;
        const socket = io(new URL(FEDERATION_NAMESPACE, start.url).toString(), {
          transports: ['websocket'],
          // A loaded machine can miss heartbeats; a participant reconnects as the real one does.
          reconnection: true,
          reconnectionDelay: 500,
          // A 2-core machine connecting 1,000 TLS clients is slow; the connect time is not what is measured.
          timeout: 300_000,
          // Called on every attempt: the answer to the hub's challenge travels once, on the retry.
          auth: (cb: (data: object) => void) => {
            const p = proof;
            proof = null;
            cb(p ? { ...auth, proof: p } : auth);
          },
          ...tls,
        } as Record<string, unknown>);
        sockets.push(socket);
        socket.on('connect', () => connected());
        socket.on('disconnect', (reason: string) => {
          disconnects++;
          reasons[reason] = (reasons[reason] ?? 0) + 1;
        });
        socket.on('connect_error', (err: Error & { data?: { code?: string; challenge?: unknown } }) => {
          const challenge = authChallengeSchema.safeParse(err.data?.challenge);
          if (err.data?.code === 'auth-challenge' && challenge.success) {
            const c = challenge.data;
            const signature = signChallenge(identity.privateKeyPem, {
              hubFingerprint: start.fingerprint,
              inviteId: c.inviteId,
              nonce: c.nonce,
              issuedAt: c.issuedAt,
            });
            proof = {
              nonce: c.nonce,
              issuedAt: c.issuedAt,
              signature: Buffer.from(signature).toString('base64'),
            };
            socket.connect();
            return;
          }
          reject(new Error(`participant ${start.offset + i}: ${err.message}`));
        });
        socket.on('hub:error', (e: { message: string }) => reject(new Error(`hub: ${e.message}`)));
        socket.on('job:assign', () => socket.emit('participant:ready', READY, () => undefined));
        socket.on('round:start', (msg: { round: number; jobId: string; weights: Uint8Array }) => {
          bytesDown += msg.weights.byteLength;
          const claim = { jobId: msg.jobId, round: msg.round, weightsSha256: shaOf[variant], samples: 100 };
          const signature = Buffer.from(signUpdate(identity.privateKeyPem, claim)).toString('base64');
          const update = {
            jobId: msg.jobId,
            round: msg.round,
            samples: 100,
            metrics: METRICS,
            weights,
            signature,
          };
          updateBytes = payloadDigest(update).bytes;
          bytesUp += updateBytes;
          const t = timesOf(msg.round);
          t.lastSent = Math.max(t.lastSent, now());
          socket.emit('round:update', update, (res: Ack) => {
            if (!res.ok) reject(new Error(`update refused: ${res.error}`));
          });
        });
        socket.on('round:unified', (msg: { round: number; jobId: string; weights: Uint8Array }) => {
          const t = timesOf(msg.round);
          t.lastUnified = Math.max(t.lastUnified, now());
          t.unified++;
          bytesDown += msg.weights.byteLength;
          socket.emit(
            'round:eval',
            { jobId: msg.jobId, round: msg.round, accuracy: 0.5, loss: 1, samples: 10 },
            () => undefined,
          );
        });
        socket.once('job:end', () => {
          socket.io.opts.reconnection = false;
          if (++ended === start.tokens.length) resolve();
        });
      });
    void (async () => {
      let next = 0;
      const opener = async (): Promise<void> => {
        while (next < start.tokens.length) {
          const i = next++;
          await connectOne(start.tokens[i], i);
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONNECT_WINDOW, start.tokens.length) }, opener));
      void send({ type: 'connected', count: start.tokens.length });
    })();
  });
  try {
    await finished;
    await send({
      type: 'done',
      rounds: [...times.values()],
      bytesUp,
      bytesDown,
      updateBytes,
      disconnects,
      reasons,
      clientStalls: guard.stalls(),
    });
  } finally {
    guard.stop();
    for (const s of sockets) s.disconnect();
  }
}

process.once('message', (msg: BenchClientStart) => {
  run(msg).then(
    () => process.exit(0),
    (err: Error) => void send({ type: 'error', message: err.message }).then(() => process.exit(1)),
  );
});

// The parent went away (crashed or interrupted): do not linger.
process.on('disconnect', () => process.exit(1));
