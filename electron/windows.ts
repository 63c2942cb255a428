/**
 * Windows and sessions with Electron's security defaults kept on: context isolation, sandbox, no
 * Node in pages, web security, a CSP, no new windows, no navigation away, no permissions, and the
 * embedded hub's certificate trusted only for its exact fingerprint.
 */
import { app, BrowserWindow, session, shell, type Session } from 'electron';
import {
  ALLOWED_PERMISSIONS,
  isAllowedAppNavigation,
  isAllowedConsoleNavigation,
  isAllowedExternalLink,
  SECURE_WEB_PREFERENCES,
  verifyPinnedCertificate,
  withCspHeader,
} from './security.ts';

/** Denies every permission but clipboard writes, and adds `csp` to every response when given. */
export function hardenSession(ses: Session, csp: string | null): void {
  ses.setPermissionRequestHandler((_contents, permission, callback) => {
    callback(ALLOWED_PERMISSIONS.includes(permission));
  });
  ses.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.includes(permission));
  if (csp !== null) {
    ses.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: withCspHeader(details.responseHeaders, csp) });
    });
  }
}

/** For every page the app ever creates: no pop-ups (allowed https links open outside), no webviews. */
export function hardenAllWebContents(warn: (message: string) => void): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (isAllowedExternalLink(url)) void shell.openExternal(url);
      else warn(`Blocked a new window for ${url}`);
      return { action: 'deny' };
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

const secureWebPreferences = SECURE_WEB_PREFERENCES;

export interface ParticipantWindowOptions {
  preload: string;
  page: string;
  bounds: { x?: number; y?: number; width: number; height: number; maximized: boolean } | null;
  isDev: boolean;
  warn: (message: string) => void;
}

/** The participant window; it may only ever show the app's own page. */
export function createParticipantWindow(opts: ParticipantWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: opts.bounds?.width ?? 1200,
    height: opts.bounds?.height ?? 820,
    x: opts.bounds?.x,
    y: opts.bounds?.y,
    minWidth: 800,
    minHeight: 600,
    show: false,
    title: 'FedUnify',
    webPreferences: { ...secureWebPreferences, preload: opts.preload, devTools: opts.isDev },
  });
  if (opts.bounds?.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  const guard = (details: { url: string; preventDefault(): void }): void => {
    if (!isAllowedAppNavigation(details.url, [opts.page])) {
      details.preventDefault();
      opts.warn(`Blocked navigation of the participant window to ${details.url}`);
    }
  };
  win.webContents.on('will-navigate', (details) => guard(details));
  win.webContents.on('will-redirect', (details) => guard(details));
  return win;
}

/**
 * The operator console of the embedded hub, in its own in-memory session whose only certificate
 * exception is the hub's self-signed certificate on the hub's host, matched by fingerprint.
 */
export function createConsoleWindow(opts: {
  url: string;
  fingerprint: string;
  isDev: boolean;
  warn: (message: string) => void;
}): BrowserWindow {
  const ses = session.fromPartition('hub-console');
  hardenSession(ses, null);
  const pin = { hostname: new URL(opts.url).hostname, fingerprint: opts.fingerprint };
  ses.setCertificateVerifyProc((request, callback) => {
    const verdict = verifyPinnedCertificate(
      { hostname: request.hostname, pem: request.certificate.data },
      pin,
    );
    if (verdict === -2)
      opts.warn(`Refused a certificate for ${request.hostname}: it is not the embedded hub's.`);
    callback(verdict);
  });
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    title: 'FedUnify — operator console',
    webPreferences: { ...secureWebPreferences, partition: 'hub-console', devTools: opts.isDev },
  });
  win.webContents.on('will-navigate', (details) => {
    if (!isAllowedConsoleNavigation(details.url, opts.url)) {
      details.preventDefault();
      opts.warn(`Blocked navigation of the console window to ${details.url}`);
    }
  });
  void win.loadURL(opts.url);
  return win;
}
