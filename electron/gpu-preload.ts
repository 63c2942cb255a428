/**
 * Preload of the hidden GPU engine window (sandboxed, context-isolated): exposes `window.fedunifyGpu`
 * with two functions, receive a request and send a reply (gpu-preload-api.ts), and nothing else.
 * Main checks every reply's sender and shape (gpu-window.ts).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createGpuPreloadApi } from './gpu-preload-api.ts';

contextBridge.exposeInMainWorld('fedunifyGpu', createGpuPreloadApi(ipcRenderer));
