/**
 * The desktop app's main process (bundled to dist/electron/main.cjs): one instance, one
 * participant window backed by the engine in a utility process, an optional embedded hub with its
 * operator console, a menu, and settings remembered in the user's data folder.
 */
import path from 'node:path';
import { app, BrowserWindow, clipboard, dialog, Menu, safeStorage, session, shell } from 'electron';
import type { DataSource, HubInfo } from '../core/wire/bridge.ts';
import { decodeInvite } from '../core/wire/invite.ts';
import { createEngineHost } from './engine-host.ts';
import { createHubHost } from './hub-host.ts';
import {
  registerBridgeHandlers,
  sendBridgeEvent,
  type HostHandlers,
  type ParticipantHandlers,
} from './ipc.ts';
import { createMainLog } from './log.ts';
import { buildMenuTemplate } from './menu.ts';
import { readOrgConfig, type OrgConfig } from './org-config.ts';
import { APP_CSP, consoleUrlFor } from './security.ts';
import { createSettingsStore } from './settings-store.ts';
import { forkUtility } from './utility-channel.ts';
import { serveKeyRelay, type SafeStorageLike } from './key-relay.ts';
import { serveGpuRelay } from './gpu-relay.ts';
import { createGpuWindow } from './gpu-window.ts';
import {
  createConsoleWindow,
  createParticipantWindow,
  hardenAllWebContents,
  hardenSession,
} from './windows.ts';

// Tests (and people who want a throwaway profile) point the app at another data folder.
if (process.env.FEDUNIFY_USER_DATA) app.setPath('userData', process.env.FEDUNIFY_USER_DATA);

const appRoot = app.getAppPath();
const files = {
  page: path.join(appRoot, 'dist/renderer/participant/index.html'),
  preload: path.join(appRoot, 'dist/electron/preload.cjs'),
  engine: path.join(appRoot, 'dist/electron/engine-process.cjs'),
  hub: path.join(appRoot, 'dist/electron/hub-process.mjs'),
  gpuPage: path.join(appRoot, 'dist/electron/gpu-engine/index.html'),
  gpuPreload: path.join(appRoot, 'dist/electron/gpu-preload.cjs'),
};
// WebGPU is behind a switch on Linux (on by default on macOS and Windows); the GPU engine window needs it.
if (process.platform === 'linux') app.commandLine.appendSwitch('enable-unsafe-webgpu');
const isDev = !app.isPackaged;

/** The org config baked into a per-organization installer, if any; a bad one is reported, not fatal. */
function loadBakedOrgConfig(warn: (m: string) => void): OrgConfig | null {
  const resources: unknown = Reflect.get(process, 'resourcesPath');
  if (typeof resources !== 'string') return null;
  try {
    return readOrgConfig(path.join(resources, 'org.json'));
  } catch (err) {
    warn((err as Error).message);
    dialog.showErrorBox('This installer has a broken organization file', (err as Error).message);
    return null;
  }
}

function start(): void {
  app.setAppLogsPath();
  const log = createMainLog(app.getPath('logs'));
  const settings = createSettingsStore(path.join(app.getPath('userData'), 'settings.json'), log.warn);
  const org = loadBakedOrgConfig(log.warn);
  let mainWindow: BrowserWindow | null = null;
  let consoleWindow: BrowserWindow | null = null;

  hardenSession(session.defaultSession, APP_CSP);
  hardenAllWebContents(log.warn);

  const keychain: SafeStorageLike = {
    isEncryptionAvailable: () => safeStorage.isEncryptionAvailable(),
    encryptString: (text) => safeStorage.encryptString(text),
    decryptString: (cipher) => safeStorage.decryptString(cipher),
    // Linux only: elsewhere the OS always provides the store.
    ...(process.platform === 'linux'
      ? { getSelectedStorageBackend: () => safeStorage.getSelectedStorageBackend() }
      : {}),
  };
  const engine = createEngineHost(() => {
    const child = forkUtility(files.engine, 'FedUnify participant engine', {
      FEDUNIFY_ENGINE_STATE_DIR: path.join(app.getPath('userData'), 'participant'),
      FEDUNIFY_APPROVE_UPLOADS: settings.get().approveUploads ? '1' : '0',
    });
    // WebGPU/WebGL training: the engine drives a hidden, sandboxed window through this relay.
    serveGpuRelay(
      child,
      () => createGpuWindow({ preload: files.gpuPreload, page: files.gpuPage, warn: log.warn }),
      log.warn,
    );
    // The participant's identity key under the OS keychain (safeStorage is main-process only).
    serveKeyRelay(child, keychain, log.warn);
    return child;
  });
  const hub = createHubHost(() => forkUtility(files.hub, 'FedUnify hub', { FEDUNIFY_APP_ROOT: appRoot }));
  engine.onEvent((event) => {
    if (event.type === 'log' && event.entry.level === 'error') log.error(`engine: ${event.entry.message}`);
    if (mainWindow !== null) sendBridgeEvent(mainWindow.webContents, event);
  });

  const showParticipant = (query: Record<string, string>): void => {
    if (mainWindow === null || mainWindow.isDestroyed()) {
      const win = createParticipantWindow({
        preload: files.preload,
        page: files.page,
        bounds: settings.get().windowBounds,
        isDev,
        warn: log.warn,
      });
      win.on('close', () => {
        settings.update({ windowBounds: { ...win.getBounds(), maximized: win.isMaximized() } });
      });
      win.on('closed', () => {
        if (mainWindow === win) mainWindow = null;
      });
      mainWindow = win;
    }
    void mainWindow.loadFile(files.page, { query });
  };
  /** Opens the Join screen, prefilled with the baked-in or the last invite. */
  const showJoin = (): void => {
    const invite = org?.invite ?? settings.get().invite;
    showParticipant({ view: 'join', ...(invite ? { invite } : {}), ...(org ? { org: org.orgName } : {}) });
  };

  const participant: ParticipantHandlers = {
    getState: () => engine.getState(),
    inspectInvite: (invite) => engine.inspectInvite(invite),
    async loadData(source: DataSource) {
      const result = await engine.loadData(source);
      if (result.ok) settings.update({ dataSource: source });
      return result;
    },
    async join(invite) {
      const result = await engine.join(invite);
      if (result.ok) {
        const decoded = decodeInvite(invite);
        settings.update({
          invite,
          hub: { url: decoded.hub, fingerprint: decoded.fingerprint, org: decoded.org },
        });
      }
      return result;
    },
    leave: () => engine.leave(),
    async setApproveUploads(on) {
      settings.update({ approveUploads: on });
      await engine.setApproveUploads(on);
    },
    decideUpload: (round, approve) => engine.decideUpload(round, approve),
    async pickPath(kind) {
      const options = { properties: [kind === 'file' ? ('openFile' as const) : ('openDirectory' as const)] };
      const result =
        mainWindow === null
          ? await dialog.showOpenDialog(options)
          : await dialog.showOpenDialog(mainWindow, options);
      return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
    },
  };

  const openConsole = (info: HubInfo): void => {
    consoleWindow?.close();
    consoleWindow = createConsoleWindow({
      url: consoleUrlFor(info.url),
      fingerprint: info.fingerprint,
      isDev,
      warn: log.warn,
    });
  };
  const host: HostHandlers = {
    async startHub(options) {
      const saved = settings.get().hostHub;
      const chosen = {
        dataDir: options.dataDir ?? saved?.dataDir ?? path.join(app.getPath('userData'), 'hub'),
        port: options.port ?? saved?.port ?? 7443,
        host: options.host ?? saved?.host ?? '0.0.0.0',
      };
      try {
        const info = await hub.start(chosen);
        settings.update({ hostHub: chosen });
        log.info(`Hub started at ${info.url} (fingerprint ${info.fingerprint}).`);
        openConsole(info);
        return { ok: true, hub: info };
      } catch (err) {
        log.error(`Hub did not start: ${(err as Error).message}`);
        return { ok: false, error: (err as Error).message, code: 'internal' };
      }
    },
    async stopHub() {
      consoleWindow?.close();
      consoleWindow = null;
      await hub.stop();
    },
    status: async () => hub.status(),
  };
  registerBridgeHandlers(participant, host, () => [files.page], log.warn);

  const hostFromMenu = async (): Promise<void> => {
    const status = hub.status();
    if (status.state === 'running') {
      openConsole({
        url: status.url,
        fingerprint: status.fingerprint,
        operator: { username: '', password: null },
      });
      return;
    }
    const result = await host.startHub({});
    if (!result.ok) {
      dialog.showErrorBox('The hub did not start', result.error);
      return;
    }
    const { url, fingerprint, operator } = result.hub;
    const password = operator.password ?? '(set when this hub data folder was first used)';
    const box = await dialog.showMessageBox({
      type: 'info',
      title: 'Your hub is running',
      message: `Hub: ${url}`,
      detail: `Operator console login: ${operator.username} / ${password}\nCertificate fingerprint: ${fingerprint}\n\nInvite organizations from the console's Invites page.`,
      buttons: operator.password === null ? ['OK'] : ['OK', 'Copy password'],
      defaultId: 0,
    });
    if (box.response === 1 && operator.password !== null) clipboard.writeText(operator.password);
  };

  const template = buildMenuTemplate({
    isDev,
    isMac: process.platform === 'darwin',
    actions: {
      joinWithInvite: showJoin,
      hostFederation: () => void hostFromMenu(),
      about: () =>
        void dialog.showMessageBox({
          type: 'info',
          title: 'About FedUnify',
          message: `FedUnify ${app.getVersion()}`,
          detail: 'Federated training that sends only weights, never data.',
        }),
      openLogsFolder: () => void shell.openPath(app.getPath('logs')),
    },
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));

  app.on('second-instance', () => {
    if (mainWindow === null) return showJoin();
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) showJoin();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', () => {
    engine.stop();
    void hub.stop();
  });

  const saved = settings.get();
  if (org !== null || saved.invite === null) showJoin();
  else showParticipant({});
  // Restore the remembered data source so the Data screen shows it again.
  if (saved.dataSource !== null) {
    void engine.loadData(saved.dataSource).then((result) => {
      if (!result.ok) log.warn(`Remembered data source did not load: ${result.error}`);
    });
  }
  log.info(`FedUnify ${app.getVersion()} started (${isDev ? 'development' : 'release'}).`);
}

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the profile; it gets a 'second-instance' event and shows its window.
  app.quit();
} else {
  void app.whenReady().then(start);
}
