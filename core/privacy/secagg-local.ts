/**
 * A whole SecAgg+ round run in one process, message for message as over the wire: the hub's
 * SecAggServer relays between SecAggParticipants. Used by `simulate --secure-aggregation`, the
 * protocol benchmark and the tests; dropouts can be injected at every phase.
 */
import { generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { defaultDegree } from './secagg-graph.ts';
import { SecAggParticipant } from './secagg-participant.ts';
import { SecAggServer, type SecAggResult } from './secagg-server.ts';
import type { SecAggRoundConfig, SecAggSigner, SecAggVerifier } from './secagg-types.ts';

/** Who leaves the round, and when. */
export interface Dropouts {
  /** Never send keys (not in U1). */
  beforeKeys?: string[];
  /** Send keys, never send shares (U1 ∖ U2). */
  beforeShares?: string[];
  /** Send shares, never send a masked input (U2 ∖ U3). */
  beforeMasked?: string[];
  /** Send a masked input, then vanish before the consistency and unmask phases. */
  afterMasked?: string[];
}

/** Ephemeral Ed25519 identities for in-process rounds: signers and one verifier over them all. */
export function localIdentities(ids: readonly string[]): {
  signers: Map<string, SecAggSigner>;
  verify: SecAggVerifier;
} {
  const publicKeys = new Map<string, KeyObject>();
  const signers = new Map<string, SecAggSigner>();
  for (const id of ids) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    publicKeys.set(id, publicKey);
    signers.set(id, { sign: (bytes) => new Uint8Array(sign(null, bytes, privateKey)) });
  }
  const verifyFn: SecAggVerifier = (id, bytes, signature) => {
    const key = publicKeys.get(id);
    return key !== undefined && verify(null, bytes, key, signature);
  };
  return { signers, verify: verifyFn };
}

/** A round configuration with the default degree and fresh public randomness. */
export function localRoundConfig(
  roundId: string,
  participants: string[],
  threshold: number,
  vectorLength: number,
): SecAggRoundConfig {
  return {
    roundId,
    participants,
    degree: defaultDegree(participants.length),
    threshold,
    graphSeed: new Uint8Array(randomBytes(32)),
    vectorLength,
  };
}

/** Bytes each participant sent and received, by phase (the wire's payloads, without framing). */
export interface SecAggTraffic {
  sentBytes: Map<string, number>;
  receivedBytes: Map<string, number>;
  /** CPU time spent in the hub's SecAggServer calls (ms). */
  hubMs: number;
  /** CPU time spent in each participant's SecAggParticipant calls (ms). */
  participantMs: Map<string, number>;
}

/** Runs one round; returns the hub's result (sum of the survivors' inputs) and the traffic. */
export async function runLocalSecAgg(
  config: SecAggRoundConfig,
  inputs: ReadonlyMap<string, Uint32Array>,
  drop: Dropouts = {},
  identities = localIdentities(config.participants),
): Promise<SecAggResult & SecAggTraffic> {
  const server = new SecAggServer(config, identities.verify);
  const parts = new Map(
    config.participants.map((id) => [
      id,
      new SecAggParticipant(config, id, identities.signers.get(id)!, identities.verify),
    ]),
  );
  const sent = new Map(config.participants.map((id) => [id, 0]));
  const received = new Map(config.participants.map((id) => [id, 0]));
  const add = (m: Map<string, number>, id: string, n: number): void => void m.set(id, m.get(id)! + n);
  const partMs = new Map(config.participants.map((id) => [id, 0]));
  let hubMs = 0;
  const hub = <T>(f: () => T): T => {
    const t0 = performance.now();
    const r = f();
    hubMs += performance.now() - t0;
    return r;
  };
  const timed = async <T>(id: string, f: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const r = await f();
    add(partMs, id, performance.now() - t0);
    return r;
  };
  const gone = new Set<string>();
  const leave = (ids: string[] | undefined): void => ids?.forEach((id) => gone.add(id));
  const live = (): SecAggParticipant[] => [...parts.values()].filter((p) => !gone.has(p.id));

  leave(drop.beforeKeys);
  for (const p of live()) {
    const advert = await timed(p.id, () => p.advertise());
    hub(() => server.receiveAdvert(advert));
    add(sent, p.id, 32 * 3 + 64);
  }
  hub(() => server.closeAdverts());
  leave(drop.beforeShares);
  for (const p of live()) {
    const adverts = hub(() => server.advertsFor(p.id));
    add(received, p.id, adverts.length * (32 * 3 + 64));
    const shares = await timed(p.id, () => p.shareKeys(adverts));
    add(
      sent,
      p.id,
      shares.reduce((s, x) => s + x.sealed.length, 0),
    );
    hub(() => server.receiveShares(p.id, shares));
  }
  hub(() => server.closeShares());
  leave(drop.beforeMasked);
  for (const p of live()) {
    const shares = hub(() => server.sharesFor(p.id));
    add(
      received,
      p.id,
      shares.reduce((s, x) => s + x.sealed.length, 0),
    );
    const input = inputs.get(p.id);
    if (!input) throw new Error(`no input for ${p.id}`);
    const masked = await timed(p.id, () => p.maskInput(shares, input));
    add(sent, p.id, masked.masked.byteLength);
    hub(() => server.receiveMasked(masked));
  }
  const survivors = hub(() => server.closeMasked());
  leave(drop.afterMasked);
  for (const p of live()) {
    add(received, p.id, survivors.length * 16);
    const signature = await timed(p.id, () => p.signSurvivors(survivors));
    hub(() => server.receiveSurvivorSignature({ id: p.id, signature }));
    add(sent, p.id, 64);
  }
  const request = hub(() => server.unmaskRequest());
  for (const p of live()) {
    add(received, p.id, request.signatures.length * 64);
    const response = await timed(p.id, () => p.unmask(request));
    add(sent, p.id, (response.bShares.length + response.sShares.length) * 33);
    hub(() => server.receiveUnmask(response));
  }
  const t0 = performance.now();
  const result = await server.finish();
  hubMs += performance.now() - t0;
  return { ...result, sentBytes: sent, receivedBytes: received, hubMs, participantMs: partMs };
}
