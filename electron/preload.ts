/**
 * Preload of the participant window (sandboxed, context-isolated): exposes `window.fedunify`, a
 * DesktopBridge (core/wire/bridge.ts), and nothing else. The renderer imports only that type.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createDesktopBridge } from './preload-bridge.ts';

contextBridge.exposeInMainWorld('fedunify', createDesktopBridge(ipcRenderer));
