import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import {
  decodeFixedPointSum,
  encodeFixedPoint,
  fixedPointParams,
  quantizationBound,
} from '../../../../core/privacy/fixed-point.ts';
import { defaultDegree, neighbourGraph } from '../../../../core/privacy/secagg-graph.ts';
import { localIdentities, localRoundConfig, runLocalSecAgg } from '../../../../core/privacy/secagg-local.ts';
import { SecAggParticipant } from '../../../../core/privacy/secagg-participant.ts';
import { SecAggServer } from '../../../../core/privacy/secagg-server.ts';
import {
  SecAggFailure,
  SecAggRefusal,
  type SecAggRoundConfig,
} from '../../../../core/privacy/secagg-types.ts';

const ids = (k: number): string[] => Array.from({ length: k }, (_, i) => `p${String(i).padStart(3, '0')}`);

/** Random ring inputs and their plain sum over `members`. */
function inputsFor(config: SecAggRoundConfig): Map<string, Uint32Array> {
  return new Map(
    config.participants.map((id) => [id, new Uint32Array(randomBytes(config.vectorLength * 4).buffer)]),
  );
}
function plainSum(inputs: Map<string, Uint32Array>, members: string[], n: number): Uint32Array {
  const s = new Uint32Array(n);
  for (const id of members) for (let i = 0; i < n; i++) s[i] = s[i]! + inputs.get(id)![i]!;
  return s;
}

describe('SecAgg+ round', () => {
  it('masked sum of float updates equals the plain weighted sum within the quantization bound', async () => {
    const params = fixedPointParams({ clipRange: 1, maxWeight: 5000, maxParticipants: 5 });
    const updates = ids(5).map((_, k) =>
      Float32Array.from({ length: 64 }, (_, i) => Math.sin(k * 7 + i) * 0.9),
    );
    const weights = [100, 2000, 4999, 1, 37];
    const config = localRoundConfig('job/1', ids(5), 3, 65);
    const inputs = new Map(
      config.participants.map((id, k) => [id, encodeFixedPoint(updates[k]!, weights[k]!, params).encoded]),
    );
    const result = await runLocalSecAgg(config, inputs);
    const { weightedSum, weightSum } = decodeFixedPointSum(result.sum, 5, params);
    expect(weightSum).toBe(weights.reduce((a, b) => a + b));
    for (let i = 0; i < 64; i++) {
      const exact = updates.reduce((s, u, k) => s + weights[k]! * u[i]!, 0);
      expect(Math.abs(weightedSum[i]! - exact)).toBeLessThanOrEqual(quantizationBound(params, 5));
    }
  });

  it('a sparse SecAgg+ graph (K=40) is k-regular and its sum is exact', async () => {
    const config = localRoundConfig('job/2', ids(40), 24, 16);
    expect(config.degree).toBeLessThan(39);
    const graph = neighbourGraph(config.participants, config.degree, config.graphSeed);
    for (const [id, near] of graph) {
      expect(near).toHaveLength(config.degree);
      for (const v of near) expect(graph.get(v)).toContain(id);
    }
    const inputs = inputsFor(config);
    const result = await runLocalSecAgg(config, inputs, { beforeMasked: ['p007'], afterMasked: ['p013'] });
    const members = config.participants.filter((id) => id !== 'p007');
    expect(Array.from(result.sum)).toEqual(Array.from(plainSum(inputs, members, 16)));
    expect(result.dropped).toEqual(['p007']);
  });

  it.each([
    ['before sending keys', { beforeKeys: ['p001'] }],
    ['after keys, before shares', { beforeShares: ['p001'] }],
    ['after shares, before the masked input', { beforeMasked: ['p001'] }],
    ['after the masked input', { afterMasked: ['p001'] }],
  ])('survives a dropout %s while t remain', async (_phase, drop) => {
    const config = localRoundConfig('job/3', ids(4), 3, 32);
    const inputs = inputsFor(config);
    const result = await runLocalSecAgg(config, inputs, drop);
    const inSum =
      'afterMasked' in drop ? config.participants : config.participants.filter((id) => id !== 'p001');
    expect(Array.from(result.sum)).toEqual(Array.from(plainSum(inputs, inSum, 32)));
  });

  it('fails cleanly below the threshold t', async () => {
    const config = localRoundConfig('job/4', ids(4), 3, 8);
    await expect(
      runLocalSecAgg(config, inputsFor(config), { beforeMasked: ['p001', 'p002'] }),
    ).rejects.toThrow(SecAggFailure);
    await expect(
      runLocalSecAgg(config, inputsFor(config), { afterMasked: ['p001', 'p002'] }),
    ).rejects.toThrow(SecAggFailure);
  });

  it('refuses a hub that asks one participant for both the b-share and the s-share of another', async () => {
    const config = localRoundConfig('job/5', ids(3), 2, 4);
    const { signers, verify } = localIdentities(config.participants);
    const server = new SecAggServer(config, verify);
    const ps = config.participants.map((id) => new SecAggParticipant(config, id, signers.get(id)!, verify));
    for (const p of ps) server.receiveAdvert(p.advertise());
    server.closeAdverts();
    for (const p of ps) server.receiveShares(p.id, await p.shareKeys(server.advertsFor(p.id)));
    server.closeShares();
    for (const p of ps) server.receiveMasked(p.maskInput(server.sharesFor(p.id), new Uint32Array(4)));
    const u3 = server.closeMasked();
    const [a, b, c] = ps as [SecAggParticipant, SecAggParticipant, SecAggParticipant];
    const sigs = ps.map((p) => ({ id: p.id, signature: p.signSurvivors(u3) }));
    // One request naming c as survivor and dropped at once.
    expect(() => a.unmask({ survivors: u3, dropped: [c.id], signatures: sigs })).toThrow(SecAggRefusal);
    // The honest request first (b-share of c) ...
    const first = a.unmask({ survivors: u3, dropped: [], signatures: sigs });
    expect(first.bShares.map((s) => s.of)).toContain(c.id);
    // ... then a second request that claims c dropped, to get its s-share too.
    const claim = [a.id, b.id];
    expect(() => a.unmask({ survivors: claim, dropped: [c.id], signatures: sigs })).toThrow(SecAggRefusal);
    expect(() => a.signSurvivors(claim)).toThrow(SecAggRefusal);
  });

  it('refuses relayed keys that the named participant did not sign', async () => {
    const config = localRoundConfig('job/6', ids(3), 2, 4);
    const { signers, verify } = localIdentities(config.participants);
    const ps = config.participants.map((id) => new SecAggParticipant(config, id, signers.get(id)!, verify));
    const adverts = ps.map((p) => p.advertise());
    const forged = { ...adverts[1]!, sPublicKey: new Uint8Array(randomBytes(32)) };
    await expect(ps[0]!.shareKeys([forged, adverts[2]!])).rejects.toThrow(
      /not signed by the identity key announced/,
    );
    const server = new SecAggServer(config, verify);
    expect(() => server.receiveAdvert(forged)).toThrow(/not signed/);
  });

  it('what the hub sees of one masked update is indistinguishable from uniform; the unmasked encoding is not', async () => {
    const n = 65536;
    const params = fixedPointParams({ clipRange: 1, maxWeight: 100, maxParticipants: 3 });
    const update = Float32Array.from({ length: n - 1 }, (_, i) => 0.05 * Math.cos(i));
    const config = localRoundConfig('job/7', ids(3), 2, n);
    const { signers, verify } = localIdentities(config.participants);
    const ps = config.participants.map((id) => new SecAggParticipant(config, id, signers.get(id)!, verify));
    const server = new SecAggServer(config, verify);
    for (const p of ps) server.receiveAdvert(p.advertise());
    server.closeAdverts();
    for (const p of ps) server.receiveShares(p.id, await p.shareKeys(server.advertsFor(p.id)));
    server.closeShares();
    const plain = encodeFixedPoint(update, 60, params).encoded;
    const masked = ps[0]!.maskInput(server.sharesFor(ps[0]!.id), plain).masked;
    // Chi-square over the top 8 bits (255 dof); critical values at p = 1e-6 on either side.
    const chi2 = (v: Uint32Array): number => {
      const bins = new Float64Array(256);
      for (const x of v) bins[x >>> 24]!++;
      const e = v.length / 256;
      return bins.reduce((s, o) => s + (o - e) ** 2 / e, 0);
    };
    // Kolmogorov–Smirnov distance of v/2^32 from U(0,1); critical value at p = 1e-6 for n = 65536.
    const ks = (v: Uint32Array): number => {
      const s = Float64Array.from(v, (x) => x / 2 ** 32).sort();
      let d = 0;
      s.forEach((x, i) => (d = Math.max(d, (i + 1) / s.length - x, x - i / s.length)));
      return d;
    };
    expect(chi2(masked)).toBeGreaterThan(161.65);
    expect(chi2(masked)).toBeLessThan(377.08);
    expect(ks(masked)).toBeLessThan(0.01052);
    // Negative control: the same statistics reject the unmasked fixed-point vector.
    expect(chi2(plain)).toBeGreaterThan(377.08);
    expect(ks(plain)).toBeGreaterThan(0.01052);
  });

  it('uses all pairs for small rounds and O(log K) neighbours for large ones', () => {
    expect(defaultDegree(3)).toBe(2);
    expect(defaultDegree(20)).toBe(19);
    expect(defaultDegree(100)).toBeLessThanOrEqual(2 * Math.ceil(1.5 * Math.log2(100)));
    expect(defaultDegree(1000)).toBeLessThan(40);
  });

  it('refuses a round below 3 participants: with 2, the sum reveals the other party', () => {
    expect(() => localRoundConfig('job/8', ids(2), 2, 4)).not.toThrow();
    const { verify } = localIdentities(ids(2));
    expect(() => new SecAggServer(localRoundConfig('job/8', ids(2), 2, 4), verify)).toThrow(/at least 3/);
  });
});
