/**
 * The part of Electron's API this project uses, typed from Electron 38's documentation, for
 * machines where the optional `electron` package (and its binary) could not be installed.
 *
 * Self-disabling: this file is a *module* (top-level exports, no `declare module 'electron'`), so
 * including it declares nothing globally. tsconfig.node.json maps `electron` to
 * `node_modules/electron/electron.d.ts` first and to this file second; TypeScript takes the first
 * that exists, so the real, complete types win wherever Electron is installed.
 */

type Listener<Args extends unknown[]> = (...args: Args) => void;

/** Electron's Event, with the event's extra parameters merged in. */
export type Event<Params extends object = object> = Params & {
  preventDefault(): void;
  readonly defaultPrevented: boolean;
};

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WebPreferences {
  preload?: string;
  contextIsolation?: boolean;
  sandbox?: boolean;
  nodeIntegration?: boolean;
  nodeIntegrationInWorker?: boolean;
  nodeIntegrationInSubFrames?: boolean;
  webSecurity?: boolean;
  allowRunningInsecureContent?: boolean;
  webviewTag?: boolean;
  spellcheck?: boolean;
  devTools?: boolean;
  partition?: string;
  navigateOnDragDrop?: boolean;
  safeDialogs?: boolean;
  backgroundThrottling?: boolean;
}

export interface BrowserWindowConstructorOptions {
  width?: number;
  height?: number;
  x?: number;
  y?: number;
  minWidth?: number;
  minHeight?: number;
  show?: boolean;
  title?: string;
  icon?: string;
  backgroundColor?: string;
  autoHideMenuBar?: boolean;
  webPreferences?: WebPreferences;
}

export interface HandlerDetails {
  url: string;
  frameName: string;
  features: string;
  disposition: 'default' | 'foreground-tab' | 'background-tab' | 'new-window' | 'other';
}

export interface WindowOpenHandlerResponse {
  action: 'allow' | 'deny';
  overrideBrowserWindowOptions?: BrowserWindowConstructorOptions;
  outlivesOpener?: boolean;
}

export interface WebContentsWillNavigateEventParams {
  url: string;
  isSameDocument: boolean;
  isMainFrame: boolean;
}

export interface RenderProcessGoneDetails {
  reason: string;
  exitCode: number;
}

export interface WebContents {
  readonly id: number;
  readonly session: Session;
  send(channel: string, ...args: unknown[]): void;
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
  getURL(): string;
  isDestroyed(): boolean;
  reload(): void;
  toggleDevTools(): void;
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (details: Event<WebContentsWillNavigateEventParams>, url: string) => void,
  ): this;
  on(
    event: 'will-attach-webview',
    listener: (event: Event, webPreferences: WebPreferences, params: Record<string, string>) => void,
  ): this;
  on(event: 'render-process-gone', listener: (event: Event, details: RenderProcessGoneDetails) => void): this;
}

export interface LoadFileOptions {
  query?: Record<string, string>;
  search?: string;
  hash?: string;
}

export class BrowserWindow {
  constructor(options?: BrowserWindowConstructorOptions);
  static getAllWindows(): BrowserWindow[];
  readonly webContents: WebContents;
  loadFile(filePath: string, options?: LoadFileOptions): Promise<void>;
  loadURL(url: string): Promise<void>;
  getBounds(): Rectangle;
  isMaximized(): boolean;
  maximize(): void;
  isMinimized(): boolean;
  restore(): void;
  focus(): void;
  show(): void;
  close(): void;
  isDestroyed(): boolean;
  on(event: 'close', listener: (event: Event) => void): this;
  on(event: 'closed', listener: () => void): this;
  once(event: 'ready-to-show', listener: () => void): this;
}

export interface Certificate {
  /** PEM encoded data. */
  data: string;
  issuerName: string;
  subjectName: string;
  serialNumber: string;
  validStart: number;
  validExpiry: number;
  fingerprint: string;
}

/** The argument of a certificate verify proc (Electron calls it `Request`). */
export interface Request {
  hostname: string;
  certificate: Certificate;
  validatedCertificate: Certificate;
  isIssuedByKnownRoot: boolean;
  verificationResult: string;
  errorCode: number;
}

export interface OnHeadersReceivedListenerDetails {
  id: number;
  url: string;
  method: string;
  resourceType: string;
  statusLine: string;
  statusCode: number;
  responseHeaders?: Record<string, string[]>;
}

export interface HeadersReceivedResponse {
  cancel?: boolean;
  responseHeaders?: Record<string, string | string[]>;
  statusLine?: string;
}

export interface WebRequest {
  onHeadersReceived(
    listener:
      | ((
          details: OnHeadersReceivedListenerDetails,
          callback: (headersReceivedResponse: HeadersReceivedResponse) => void,
        ) => void)
      | null,
  ): void;
}

export interface Session {
  readonly webRequest: WebRequest;
  setPermissionRequestHandler(
    handler:
      | ((
          webContents: WebContents,
          permission: string,
          callback: (permissionGranted: boolean) => void,
          details: unknown,
        ) => void)
      | null,
  ): void;
  setPermissionCheckHandler(
    handler:
      | ((
          webContents: WebContents | null,
          permission: string,
          requestingOrigin: string,
          details: unknown,
        ) => boolean)
      | null,
  ): void;
  setCertificateVerifyProc(
    proc: ((request: Request, callback: (verificationResult: number) => void) => void) | null,
  ): void;
}

export const session: {
  readonly defaultSession: Session;
  fromPartition(partition: string, options?: { cache?: boolean }): Session;
};

export interface AboutPanelOptionsOptions {
  applicationName?: string;
  applicationVersion?: string;
  copyright?: string;
  credits?: string;
  website?: string;
}

export interface CommandLine {
  appendSwitch(the_switch: string, value?: string): void;
}

export interface App {
  readonly isPackaged: boolean;
  readonly commandLine: CommandLine;
  whenReady(): Promise<void>;
  quit(): void;
  exit(exitCode?: number): void;
  requestSingleInstanceLock(additionalData?: Record<string, unknown>): boolean;
  getPath(name: 'home' | 'appData' | 'userData' | 'temp' | 'logs' | 'documents' | 'downloads'): string;
  setPath(name: 'userData' | 'logs', path: string): void;
  setAppLogsPath(path?: string): void;
  getAppPath(): string;
  getName(): string;
  getVersion(): string;
  setAboutPanelOptions(options: AboutPanelOptionsOptions): void;
  showAboutPanel(): void;
  on(
    event: 'second-instance',
    listener: (event: Event, argv: string[], workingDirectory: string, additionalData: unknown) => void,
  ): this;
  on(event: 'web-contents-created', listener: (event: Event, webContents: WebContents) => void): this;
  on(event: 'before-quit' | 'will-quit', listener: (event: Event) => void): this;
  on(event: 'window-all-closed' | 'activate', listener: Listener<[]>): this;
}

export const app: App;

export interface WebFrameMain {
  readonly url: string;
  readonly origin: string;
  readonly top: WebFrameMain | null;
}

export interface IpcMainInvokeEvent extends Event {
  readonly processId: number;
  readonly frameId: number;
  readonly sender: WebContents;
  /** May be null if accessed after the frame has navigated or been destroyed. */
  readonly senderFrame: WebFrameMain | null;
}

export const ipcMain: {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
};

export interface IpcRendererEvent extends Event {
  readonly senderId: number;
}

export const ipcRenderer: {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): unknown;
};

export const contextBridge: {
  exposeInMainWorld(apiKey: string, api: unknown): void;
};

export interface FileFilter {
  name: string;
  extensions: string[];
}

export interface OpenDialogOptions {
  title?: string;
  defaultPath?: string;
  buttonLabel?: string;
  filters?: FileFilter[];
  properties?: Array<
    'openFile' | 'openDirectory' | 'multiSelections' | 'showHiddenFiles' | 'createDirectory'
  >;
}

export interface OpenDialogReturnValue {
  canceled: boolean;
  filePaths: string[];
}

export interface MessageBoxOptions {
  message: string;
  type?: 'none' | 'info' | 'error' | 'question' | 'warning';
  buttons?: string[];
  defaultId?: number;
  cancelId?: number;
  title?: string;
  detail?: string;
  noLink?: boolean;
}

export interface MessageBoxReturnValue {
  response: number;
  checkboxChecked: boolean;
}

export const dialog: {
  showOpenDialog(window: BrowserWindow, options: OpenDialogOptions): Promise<OpenDialogReturnValue>;
  showOpenDialog(options: OpenDialogOptions): Promise<OpenDialogReturnValue>;
  showMessageBox(window: BrowserWindow, options: MessageBoxOptions): Promise<MessageBoxReturnValue>;
  showMessageBox(options: MessageBoxOptions): Promise<MessageBoxReturnValue>;
  showErrorBox(title: string, content: string): void;
};

export interface MenuItem {
  readonly label: string;
}

export interface MenuItemConstructorOptions {
  label?: string;
  id?: string;
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
  role?:
    | 'undo'
    | 'redo'
    | 'cut'
    | 'copy'
    | 'paste'
    | 'selectAll'
    | 'reload'
    | 'toggleDevTools'
    | 'resetZoom'
    | 'zoomIn'
    | 'zoomOut'
    | 'togglefullscreen'
    | 'quit'
    | 'about'
    | 'appMenu'
    | 'editMenu'
    | 'windowMenu';
  accelerator?: string;
  enabled?: boolean;
  visible?: boolean;
  click?: (menuItem: MenuItem, window: BrowserWindow | undefined, event: unknown) => void;
  submenu?: MenuItemConstructorOptions[];
}

export class Menu {
  static buildFromTemplate(template: MenuItemConstructorOptions[]): Menu;
  static setApplicationMenu(menu: Menu | null): void;
}

export const shell: {
  openExternal(url: string): Promise<void>;
  /** Resolves with an error message, or '' on success. */
  openPath(path: string): Promise<string>;
};

export const clipboard: {
  writeText(text: string): void;
};

export interface MessagePortMain {
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

export interface ForkOptions {
  env?: Record<string, string | undefined>;
  execArgv?: string[];
  cwd?: string;
  stdio?: 'pipe' | 'ignore' | 'inherit' | Array<'pipe' | 'ignore' | 'inherit'>;
  serviceName?: string;
}

export interface UtilityProcess {
  readonly pid: number | undefined;
  postMessage(message: unknown, transfer?: MessagePortMain[]): void;
  kill(): boolean;
  on(event: 'spawn', listener: Listener<[]>): this;
  on(event: 'exit', listener: (code: number) => void): this;
  on(event: 'message', listener: (message: unknown) => void): this;
}

export const utilityProcess: {
  fork(modulePath: string, args?: string[], options?: ForkOptions): UtilityProcess;
};

export const safeStorage: {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' means no secret store (a hard-coded password). */
  getSelectedStorageBackend():
    'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown';
};
