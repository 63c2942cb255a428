/**
 * The desktop app's security decisions as pure functions, so each can be tested without Electron:
 * which pages may talk to the engine, where a window may navigate, which links open outside,
 * the Content-Security-Policy, and which certificate the embedded hub's console may present.
 */
import { X509Certificate } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { gpuReplySchema, type GpuReply } from '../core/wire/gpu-engine.ts';

/**
 * The renderer's policy, sent as a header on top of the page's own meta CSP (both apply): only the
 * app's own scripts and styles (React sets styles through the CSSOM, which CSP allows). No network
 * from the participant UI: in the desktop app it reaches the hub through the engine.
 */
export const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Hosts whose https links may open in the system browser; everything else is dropped. */
export const EXTERNAL_LINK_HOSTS: readonly string[] = ['github.com', 'www.tensorflow.org'];

/** The only permission a page may get: writing text to the clipboard (copy a fingerprint or invite). */
export const ALLOWED_PERMISSIONS: readonly string[] = ['clipboard-sanitized-write'];

function filePathOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  // A host in a file URL is a network share: never the app's own files.
  if (parsed.protocol !== 'file:' || parsed.host !== '') return null;
  try {
    return path.resolve(fileURLToPath(parsed));
  } catch {
    return null;
  }
}

/**
 * True when an IPC message comes from one of the app's own pages (a file URL of exactly one of
 * `trustedFiles`, any query or hash). Anything else (a remote page, another local file, a frame
 * that has gone away) is refused.
 */
export function isTrustedSender(url: string | null | undefined, trustedFiles: readonly string[]): boolean {
  if (typeof url !== 'string' || url === '') return false;
  const file = filePathOf(url);
  if (file === null) return false;
  // Windows paths are case-insensitive (drive letters in URLs often differ in case).
  const norm = (p: string): string => (process.platform === 'win32' ? p.toLowerCase() : p);
  return trustedFiles.some((trusted) => norm(path.resolve(trusted)) === norm(file));
}

/** True when a window showing the app's pages may navigate to `url` (only to those same pages). */
export function isAllowedAppNavigation(url: string, trustedFiles: readonly string[]): boolean {
  return isTrustedSender(url, trustedFiles);
}

/** True when the operator console window may navigate to `url`: the hub's own origin only. */
export function isAllowedConsoleNavigation(url: string, hubUrl: string): boolean {
  try {
    return new URL(url).origin === new URL(hubUrl).origin;
  } catch {
    return false;
  }
}

/** True when a link may open in the system browser: https to an explicitly allowed host. */
export function isAllowedExternalLink(url: string, hosts: readonly string[] = EXTERNAL_LINK_HOSTS): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && parsed.username === '' && hosts.includes(parsed.hostname);
  } catch {
    return false;
  }
}

/** SHA-256 of a PEM certificate (DER bytes), uppercase hex pairs joined by ':' like invites carry. */
export function certificateFingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256.toUpperCase();
}

/** What a certificate verify proc answers: 0 trust, -2 refuse, -3 let Chromium decide. */
export type CertificateVerdict = 0 | -2 | -3;

/**
 * The embedded hub's self-signed certificate is trusted for its host only and only with the exact
 * fingerprint the hub reported; a different certificate on that host is refused. Other hosts get
 * Chromium's normal verification (no exception is ever widened beyond the pin).
 */
export function verifyPinnedCertificate(
  request: { hostname: string; pem: string },
  pin: { hostname: string; fingerprint: string },
): CertificateVerdict {
  if (request.hostname !== pin.hostname) return -3;
  let actual: string;
  try {
    actual = certificateFingerprint(request.pem);
  } catch {
    return -2;
  }
  return actual === pin.fingerprint.toUpperCase() ? 0 : -2;
}

/** Adds the CSP to response headers, replacing any the response carried. */
export function withCspHeader(
  headers: Record<string, string[]> | undefined,
  csp: string = APP_CSP,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') out[name] = value;
  }
  out['Content-Security-Policy'] = [csp];
  return out;
}

/** The URL the console window loads: a hub bound to every interface is reached over loopback. */
export function consoleUrlFor(hubUrl: string): string {
  const url = new URL(hubUrl);
  if (['0.0.0.0', '[::]', '::'].includes(url.hostname)) url.hostname = '127.0.0.1';
  return url.href;
}

/** Electron's secure defaults, for every window the app opens. */
export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  navigateOnDragDrop: false,
} as const;

/**
 * The hidden GPU engine window: the secure defaults, its own two-function preload, never shown,
 * no devtools, and no background throttling (a hidden page's timers would otherwise slow training).
 */
export function gpuWindowOptions(preload: string) {
  return {
    show: false,
    width: 320,
    height: 240,
    title: 'FedUnify GPU engine',
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload, devTools: false, backgroundThrottling: false },
  } as const;
}

/**
 * Checks a message on the GPU reply channel: it must come from the GPU page itself (file URL of
 * exactly `pageFile`) and have the reply's shape; anything else is refused with the reason.
 */
export function checkGpuReply(
  senderUrl: string | null | undefined,
  pageFile: string,
  payload: unknown,
): { ok: true; reply: GpuReply } | { ok: false; error: string } {
  if (!isTrustedSender(senderUrl, [pageFile])) {
    return {
      ok: false,
      error: `Refused a GPU engine reply from ${String(senderUrl)}: not the GPU engine page.`,
    };
  }
  const parsed = gpuReplySchema.safeParse(payload);
  return parsed.success
    ? { ok: true, reply: parsed.data }
    : { ok: false, error: 'Refused a malformed GPU engine reply.' };
}
