/**
 * The hub's TLS identity: a self-signed certificate generated on first start and kept in the data
 * folder (participants pin its fingerprint), or the operator's own certificate and key.
 */
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { fingerprintOfPem } from '../core/net/pinned-tls.ts';

/** A certificate and key in PEM form, and the certificate's SHA-256 fingerprint. */
export interface TlsIdentity {
  cert: string;
  key: string;
  fingerprint: string;
  generated: boolean;
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read the ${what} file ${path}: ${(err as Error).message}`);
  }
}

/** What the data folder says about an identity the hub had before. */
export interface PriorIdentity {
  /** hub.db already held a hub before this start. */
  existingHub: boolean;
  /** The fingerprint operator.json recorded (invites pin the same one). */
  pinned: string | null;
  /** The operator asked for a new certificate (--new-identity). */
  newIdentity: boolean;
}

/** Why generating a certificate now would silently change an existing hub's identity, or null. */
function identityLost(certFile: string, keyFile: string, prior: PriorIdentity): string | null {
  const cert = existsSync(certFile);
  const key = existsSync(keyFile);
  if (cert && !key) return `${keyFile} is missing beside ${certFile}`;
  if (key && !cert) return `${certFile} is missing beside ${keyFile}`;
  if (!cert && prior.existingHub && prior.pinned)
    return `${certFile} and ${keyFile} are missing, but this data folder's hub had certificate ${prior.pinned}`;
  return null;
}

/** Loads --cert/--key, or the data folder's self-signed certificate, generating it on first start. */
export async function loadTlsIdentity(
  dataDir: string,
  certPath?: string,
  keyPath?: string,
  prior: PriorIdentity = { existingHub: false, pinned: null, newIdentity: false },
): Promise<TlsIdentity> {
  if (certPath || keyPath) {
    if (!certPath || !keyPath) throw new Error('Give both --cert and --key (PEM files), or neither.');
    const cert = readPem(certPath, 'certificate');
    const key = readPem(keyPath, 'private key');
    let fingerprint: string;
    try {
      fingerprint = fingerprintOfPem(cert);
    } catch (err) {
      throw new Error(`${certPath} is not a PEM certificate: ${(err as Error).message}`);
    }
    return { cert, key, fingerprint, generated: false };
  }
  const certFile = join(dataDir, 'hub-cert.pem');
  const keyFile = join(dataDir, 'hub-key.pem');
  const lost = prior.newIdentity ? null : identityLost(certFile, keyFile, prior);
  if (lost) {
    throw new Error(
      `${lost}. The hub will not start under a new identity on its own: every invite and every participant pins ` +
        `the old certificate's fingerprint, and they would all stop connecting. Restore both files from a backup ` +
        `(or give the certificate the hub used with --cert and --key), or start once with --new-identity to generate ` +
        `a new certificate and then hand out new invites.`,
    );
  }
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readPem(certFile, 'certificate');
    return {
      cert,
      key: readPem(keyFile, 'private key'),
      fingerprint: fingerprintOfPem(cert),
      generated: false,
    };
  }
  const host = hostname();
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 10);
  const pems = await generate([{ name: 'commonName', value: `FedUnify hub ${host}` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 2, value: host },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  writeFileSync(certFile, pems.cert);
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  return { cert: pems.cert, key: pems.private, fingerprint: fingerprintOfPem(pems.cert), generated: true };
}
