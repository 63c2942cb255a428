import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeInvite } from '../../../core/wire/invite.ts';
import { orgSlug, readOrgConfig, validateOrgConfig } from '../../../electron/org-config.ts';

const fingerprint = Array.from({ length: 32 }, (_, i) =>
  (i * 7).toString(16).padStart(2, '0').toUpperCase(),
).join(':');
const hubUrl = 'https://hub.example.org:7443/';
const invite = encodeInvite({
  hub: hubUrl,
  token: 'a-token-of-enough-length',
  fingerprint,
  org: 'North Clinic',
});
const electronInstalled = fs.existsSync(path.resolve('node_modules/electron/path.txt'));
if (electronInstalled)
  console.log(
    'skipping the "Electron binary is needed" test: the binary is installed here, so dist would really build',
  );

const good = { orgName: 'North Clinic', hubUrl, invite, fingerprint };

describe('validateOrgConfig', () => {
  it('accepts a config whose invite matches its hub and fingerprint', () => {
    expect(validateOrgConfig(good)).toEqual(good);
  });

  it('accepts a lowercase fingerprint and returns it uppercase', () => {
    expect(validateOrgConfig({ ...good, fingerprint: fingerprint.toLowerCase() }).fingerprint).toBe(
      fingerprint,
    );
  });

  it('rejects an invite that does not decode, saying so', () => {
    expect(() => validateOrgConfig({ ...good, invite: 'fedunify1.%%%' })).toThrow(/"invite".*damaged/);
    expect(() => validateOrgConfig({ ...good, invite: 'hello' })).toThrow(/not a FedUnify invite/);
  });

  it('rejects a fingerprint that differs from the invite', () => {
    const other = fingerprint.replace(/^../, 'FF');
    expect(() => validateOrgConfig({ ...good, fingerprint: other })).toThrow(
      /pins fingerprint .* but "fingerprint"/,
    );
  });

  it('rejects a hub URL that differs from the invite', () => {
    expect(() => validateOrgConfig({ ...good, hubUrl: 'https://other.example.org:7443/' })).toThrow(
      /invite is for hub https:\/\/hub\.example\.org:7443\//,
    );
  });

  it('rejects an invite for an insecure hub', () => {
    const insecure = encodeInvite({
      hub: hubUrl,
      token: 'a-token-of-enough-length',
      fingerprint: null,
      org: 'x',
    });
    expect(() => validateOrgConfig({ ...good, invite: insecure })).toThrow(/no certificate fingerprint/);
  });

  it('names missing and unknown fields', () => {
    expect(() => validateOrgConfig({ orgName: 'x' })).toThrow(/hubUrl/);
    expect(() => validateOrgConfig({ ...good, extra: 1 })).toThrow(/extra|Unrecognized/i);
  });
});

describe('readOrgConfig and orgSlug', () => {
  it('returns null for a missing file and explains broken JSON', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fedunify-org-'));
    try {
      expect(readOrgConfig(path.join(dir, 'org.json'))).toBeNull();
      fs.writeFileSync(path.join(dir, 'org.json'), '{');
      expect(() => readOrgConfig(path.join(dir, 'org.json'))).toThrow(/not valid JSON/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes file-name-safe slugs', () => {
    expect(orgSlug('Hôpital Nord / Site 2')).toBe('hopital-nord-site-2');
    expect(orgSlug('***')).toBe('org');
  });

  it('validates the committed org.example.json', () => {
    expect(readOrgConfig(path.resolve('org.example.json'))?.orgName).toBe('Example Hospital');
  });
});

describe('scripts/dist.js', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['scripts/dist.js', ...args], { encoding: 'utf8' });

  it('refuses a bad org.json before anything else, with the reason', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fedunify-dist-'));
    try {
      const bad = path.join(dir, 'org.json');
      fs.writeFileSync(bad, JSON.stringify({ ...good, fingerprint: fingerprint.replace(/^../, 'FF') }));
      const result = run('--org', bad);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/does not match its invite/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(electronInstalled)('explains that the Electron binary is needed when it is not installed', () => {
    const result = run('--org', 'org.example.json', '--platform', 'linux');
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/org\.example\.json is valid/);
    expect(result.stderr).toMatch(/needs the Electron binary.*internet access/);
  });
});
