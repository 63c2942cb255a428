/**
 * Certificate pinning for connections to a hub whose certificate is self-signed: the invite
 * carries the SHA-256 fingerprint of the hub certificate, and every connection checks it. The
 * real connection keeps rejectUnauthorized on, trusting only the pinned certificate as its CA.
 */
import { createHash, X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { DetailedPeerCertificate, PeerCertificate } from 'node:tls';

/** SHA-256 of a certificate in DER form, as uppercase hex pairs joined by ':'. */
export function fingerprintOfDer(der: Uint8Array): string {
  const hex = createHash('sha256').update(der).digest('hex').toUpperCase();
  return hex.match(/../g)?.join(':') ?? '';
}

/** The fingerprint of a PEM certificate (the first one in the text). */
export function fingerprintOfPem(pem: string): string {
  return fingerprintOfDer(new X509Certificate(pem).raw);
}

/** Normalises a fingerprint typed by a person (lowercase, no colons) to 'AA:BB:..'. */
export function normalizeFingerprint(text: string): string {
  const hex = text.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  if (hex.length !== 64) {
    throw new Error(
      `"${text}" is not a SHA-256 certificate fingerprint (64 hex digits, e.g. AB:CD:...). Copy it again from the hub's start-up output.`,
    );
  }
  return hex.match(/../g)?.join(':') ?? '';
}

function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'wss:') {
    throw new Error(`${url} is not an https:// address; certificate pinning needs TLS.`);
  }
  // URL keeps the brackets of an IPv6 literal; tls.connect wants the bare address.
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return { host, port: parsed.port ? Number(parsed.port) : 443 };
}

/** Connects to the TLS server at `url`, reads its certificate and hangs up (nothing is sent). */
export async function fetchPeerCertificate(
  url: string,
  timeoutMs = 10_000,
): Promise<{ pem: string; fingerprint: string; chain: string[]; selfSigned: boolean }> {
  const { host, port } = hostAndPort(url);
  return await new Promise((resolve, reject) => {
    // Verification is deliberately off for this probe only: it reads the certificate so it can be
    // compared with the pin, and never sends anything over this connection.
    const socket = tls.connect({
      host,
      port,
      servername: isIp(host) ? undefined : host,
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`The hub at ${url} did not answer a TLS handshake within ${timeoutMs / 1000} s.`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate(true);
      socket.destroy();
      if (!cert || !cert.raw) {
        reject(new Error(`The hub at ${url} presented no certificate.`));
        return;
      }
      const leaf = new X509Certificate(cert.raw);
      const chain: string[] = [];
      let issuer: DetailedPeerCertificate | undefined = cert.issuerCertificate;
      let previous: Buffer = cert.raw;
      while (issuer?.raw && !issuer.raw.equals(previous) && chain.length < 10) {
        chain.push(new X509Certificate(issuer.raw).toString());
        previous = issuer.raw;
        issuer = issuer.issuerCertificate;
      }
      resolve({
        pem: leaf.toString(),
        fingerprint: fingerprintOfDer(cert.raw),
        chain,
        selfSigned: leaf.checkIssued(leaf),
      });
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`Could not reach the hub at ${url} over TLS: ${err.message}`));
    });
  });
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** The error shown when a hub's certificate does not match the pin. */
export function pinMismatchMessage(url: string, presented: string, pinned: string): string {
  return (
    `The hub at ${url} presented certificate ${presented}, but your invite pins ${pinned}. ` +
    "Someone may be intercepting the connection, or the hub's certificate changed: ask the operator for a new invite."
  );
}

/** TLS options pinning one certificate: pass them to https.request, https.Agent or socket.io-client. */
export interface PinnedTlsOptions {
  ca: string;
  rejectUnauthorized: true;
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined;
}

/**
 * Fetches the hub's certificate, refuses it unless its fingerprint is the pinned one, and returns
 * options that make the real connection verify the chain against that certificate alone and
 * compare the fingerprint again (the host name need not match: the pin is the identity).
 */
export async function pinnedTlsOptions(url: string, fingerprint: string): Promise<PinnedTlsOptions> {
  const pinned = normalizeFingerprint(fingerprint);
  const { pem, fingerprint: presented, chain, selfSigned } = await fetchPeerCertificate(url);
  if (presented !== pinned) throw new Error(pinMismatchMessage(url, presented, pinned));
  // A self-signed hub certificate is its own trust anchor. A CA-signed one (--cert/--key) still
  // chains to a public root, so those roots stay trusted; the fingerprint check is the identity.
  const anchors = selfSigned ? [pem] : [pem, ...chain, ...tls.rootCertificates];
  return {
    ca: anchors.join('\n'),
    rejectUnauthorized: true,
    checkServerIdentity: (_host, cert) => {
      const actual = cert.raw ? fingerprintOfDer(cert.raw) : '(none)';
      return actual === pinned ? undefined : new Error(pinMismatchMessage(url, actual, pinned));
    },
  };
}
