/**
 * Shared helpers of the hub integration tests: a real hub on an ephemeral loopback port, an
 * operator client, and raw socket.io participants speaking the federation protocol by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { startHub, type Hub, type HubOptions } from '../../hub/index.ts';
import { OperatorClient } from '../../cli/operator-client.ts';
import { pinnedTlsOptions } from '../../core/net/pinned-tls.ts';
import { FEDERATION_NAMESPACE, PROTOCOL_VERSION, type ReadyMessage } from '../../core/wire/protocol.ts';
import type { JobSpecInput } from '../../core/wire/job-spec.ts';
import type { JobRecord } from '../../core/wire/protocol.ts';
import { decodeInvite } from '../../core/wire/invite.ts';
import { weightManifest } from '../../core/model/manifest.ts';
import { encodeWeights } from '../../core/wire/weights-codec.ts';
import type { AuthChallenge } from '../../core/wire/protocol.ts';
import {
  generateIdentity,
  sha256Hex,
  signChallenge,
  signUpdate,
  type IdentityKeyPair,
} from '../../core/crypto/identity.ts';

/** A two-tensor model (dense 16→3): small enough to build weights by hand in a test. */
export const TINY_MODEL = {
  name: 'tiny',
  inputShape: [4, 4, 1] as [number, number, number],
  numClasses: 3,
  layers: [
    { type: 'flatten' as const },
    { type: 'dense' as const, units: 3, activation: 'softmax' as const },
  ],
};

/** The tiny model's weight manifest. */
export const TINY_MANIFEST = weightManifest(TINY_MODEL);

/** Tiny-model weights with every value set to `v`. */
export function filled(v: number): Float32Array[] {
  return TINY_MANIFEST.map((t) => new Float32Array(t.shape.reduce((a, b) => a * b, 1)).fill(v));
}

/** Training metrics of a round update: fixed values, the hub only stores them. */
export const UPDATE_METRICS = {
  loss: 1,
  accuracy: 0.5,
  testLoss: null,
  testAccuracy: null,
  samplesPerSec: 100,
  durationMs: 10,
};

/** A job on the tiny model with short deadlines. */
export function tinyJob(overrides: Partial<JobSpecInput> = {}): JobSpecInput {
  return {
    name: 'tiny job',
    model: TINY_MODEL,
    rounds: 2,
    minParticipants: 2,
    roundDeadlineSec: 60,
    ...overrides,
  };
}

/** A ready message whose dataset fits the tiny model. */
export function readyFor(shape: [number, number, number] = [4, 4, 1], classes = 3): ReadyMessage {
  return {
    dataset: {
      inputShape: shape,
      numClasses: classes,
      classCounts: [10, 10, 10].slice(0, classes),
      trainSamples: 30,
      testSamples: 6,
    },
    backend: { backend: 'cpu', device: 'test', notes: [] },
  };
}

/** A temporary data folder, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'fedunify-hub-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts a quiet hub on 127.0.0.1:0 and logs an operator client in. */
export async function startTestHub(
  dataDir: string,
  opts: Partial<HubOptions> = {},
): Promise<{ hub: Hub; op: OperatorClient }> {
  const hub = await startHub({ dataDir, port: 0, quiet: true, ...opts });
  const password = hub.operator.password ?? opts.publicUrl ?? '';
  const op = await OperatorClient.connect({
    url: hub.url,
    fingerprint: hub.fingerprint,
    username: hub.operator.username,
    password,
  });
  return { hub, op };
}

/** Creates a job and an invite to it; returns the job and the invite's token. */
export async function jobWithInvite(
  op: OperatorClient,
  spec: JobSpecInput,
  org = 'Org',
): Promise<{ job: JobRecord; token: string }> {
  const job = await op.request<JobRecord>('POST', '/api/jobs', spec);
  const inv = await op.request<{ invite: string }>('POST', '/api/invites', { name: org, jobId: job.id });
  return { job, token: decodeInvite(inv.invite).token };
}

const identities = new Map<string, IdentityKeyPair>();

/** A test participant's Ed25519 identity, one per name (stable within a test run). */
export function identityOf(name: string): IdentityKeyPair {
  let id = identities.get(name);
  if (!id) identities.set(name, (id = generateIdentity()));
  return id;
}

/**
 * Connects a raw participant socket with pinned TLS, answering the hub's key challenge with the
 * identity named by `auth.instanceId` (or `key`); auth fields can be overridden.
 */
export async function connectRaw(
  hub: Pick<Hub, 'url' | 'fingerprint'>,
  auth: Record<string, unknown>,
  key: IdentityKeyPair = identityOf(String(auth.instanceId ?? 'default')),
): Promise<Socket> {
  const tls = hub.fingerprint ? await pinnedTlsOptions(hub.url, hub.fingerprint) : {};
  let proof: object | null = null;
  const socket: Socket = io(hub.url + FEDERATION_NAMESPACE, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: (cb: (data: object) => void) => {
      const withProof = proof ? { proof } : {};
      proof = null;
      cb({
        protocolVersion: PROTOCOL_VERSION,
        publicKey: Buffer.from(key.publicKey).toString('base64'),
        ...auth,
        ...withProof,
      });
    },
    ...tls,
  });
  instanceOf.set(socket, String(auth.instanceId ?? 'default'));
  socket.on('connect_error', (err: Error & { data?: { code?: string; challenge?: AuthChallenge } }) => {
    const c = err.data?.challenge;
    if (err.data?.code !== 'auth-challenge' || !c) return;
    const signature = signChallenge(key.privateKeyPem, {
      hubFingerprint: hub.fingerprint ?? '',
      inviteId: c.inviteId,
      nonce: c.nonce,
      issuedAt: c.issuedAt,
    });
    proof = { nonce: c.nonce, issuedAt: c.issuedAt, signature: Buffer.from(signature).toString('base64') };
    socket.connect();
  });
  return socket;
}

/** Creates one more invite to a job and returns its token. */
export async function inviteToken(op: OperatorClient, jobId: string, org = 'Org'): Promise<string> {
  const inv = await op.request<{ invite: string }>('POST', '/api/invites', { name: org, jobId });
  return decodeInvite(inv.invite).token;
}

/** Resolves with the next `event` on `socket` (rejects after `ms`). */
export function next<T = unknown>(socket: Socket, event: string, ms = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    socket.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Resolves with the connect_error message, or 'connected' (key challenges are answered on the way). */
export function outcome(socket: Socket): Promise<{ connected: boolean; message: string; code?: string }> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ connected: true, message: 'connected' }));
    const onError = (err: Error & { data?: { code?: string } }) => {
      if (err.data?.code === 'auth-challenge') return;
      socket.off('connect_error', onError);
      resolve({ connected: false, message: err.message, code: err.data?.code });
    };
    socket.on('connect_error', onError);
  });
}

/**
 * Emits with an acknowledgement and resolves with it. A round:update without a signature is signed
 * here with the socket's identity, so tests can write updates as plain data.
 */
export function ask<T = { ok: boolean; code?: string; error?: string }>(
  socket: Socket,
  event: string,
  msg: unknown,
): Promise<T> {
  const m = msg as {
    jobId?: unknown;
    round?: unknown;
    samples?: unknown;
    weights?: unknown;
    signature?: unknown;
  };
  if (
    event === 'round:update' &&
    m &&
    m.signature === undefined &&
    m.weights instanceof Uint8Array &&
    typeof m.jobId === 'string' &&
    Number.isSafeInteger(m.round) &&
    Number.isSafeInteger(m.samples)
  ) {
    const key = identityOf(instanceOf.get(socket) ?? 'default');
    const signed = signedUpdate(key, {
      jobId: m.jobId,
      round: m.round as number,
      samples: m.samples as number,
      weights: m.weights,
    });
    msg = { ...(msg as object), signature: signed.signature };
  }
  return socket.timeout(20_000).emitWithAck(event, msg) as Promise<T>;
}

/** A participant that connected, got its job and said it is ready. */
export async function readyParticipant(hub: Hub, token: string, instanceId: string): Promise<Socket> {
  const socket = await connectRaw(hub, { token, instanceId });
  const assigned = next(socket, 'job:assign');
  const res = await outcome(socket);
  if (!res.connected) throw new Error(res.message);
  await assigned;
  const ack = await ask(socket, 'participant:ready', readyFor());
  if (!ack.ok) throw new Error(JSON.stringify(ack));
  return socket;
}

/** Disconnects the test's sockets, closes its hub (if any) and removes its data folder. */
export async function teardown(
  sockets: Socket[],
  hub: Hub | null,
  tmp: { cleanup: () => void },
): Promise<void> {
  sockets.forEach((s) => s.disconnect());
  await hub?.close();
  tmp.cleanup();
}

/** A hub with a tiny-model job whose round 1 has started for two ready participants, a and b. */
export async function roundOneStarted(
  dataDir: string,
  overrides: Partial<JobSpecInput> = {},
): Promise<{ hub: Hub; op: OperatorClient; job: JobRecord; token: string; a: Socket; b: Socket }> {
  const { hub, op } = await startTestHub(dataDir);
  const { job, token } = await jobWithInvite(op, tinyJob(overrides), 'Org A');
  const a = await readyParticipant(hub, token, 'inst-a');
  const started = next<{ round: number }>(a, 'round:start');
  const b = await readyParticipant(hub, await inviteToken(op, job.id, 'Org B'), 'inst-b');
  if ((await started).round !== 1) throw new Error('round 1 did not start');
  return { hub, op, job, token, a, b };
}

/** A signed round:update message (signed by `key`; `claim` overrides what the signature covers). */
export function signedUpdate(
  key: IdentityKeyPair,
  msg: { jobId: string; round: number; samples: number; weights: Uint8Array },
  claim: Partial<{ jobId: string; round: number; samples: number; weightsSha256: string }> = {},
) {
  const signature = signUpdate(key.privateKeyPem, {
    jobId: msg.jobId,
    round: msg.round,
    samples: msg.samples,
    weightsSha256: sha256Hex(msg.weights),
    ...claim,
  });
  return { ...msg, metrics: UPDATE_METRICS, signature: Buffer.from(signature).toString('base64') };
}

/**
 * Sends a round update of tiny-model weights all equal to `value`, signed by the socket's identity
 * (`instance`, as given to connectRaw/readyParticipant), and returns the acknowledgement.
 */
export function sendUpdate(socket: Socket, jobId: string, round: number, value: number, instance?: string) {
  const name = instance ?? instanceOf.get(socket) ?? 'default';
  const weights = encodeWeights(TINY_MANIFEST, filled(value));
  return ask(socket, 'round:update', signedUpdate(identityOf(name), { jobId, round, samples: 10, weights }));
}

/** The identity name each raw socket connected with (so sendUpdate signs with the right key). */
export const instanceOf = new WeakMap<Socket, string>();
