/**
 * Runs the GPU engine page in a headless Chromium: a tiny HTTP + socket.io server on 127.0.0.1
 * (WebGPU needs a secure context, and loopback is one) serves the page, a one-time token in the
 * URL fragment admits exactly one page, and requests travel as socket.io acknowledgements.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, type Socket } from 'socket.io';
import { isSoftwareAdapter, type GpuEngineBackend } from '../wire/gpu-engine.ts';
import { createGpuClient, type GpuEngineClient } from './gpu-client.ts';
import { gpuPageFiles } from './gpu-page-bundle.ts';
import type { BrowserOpener } from './training-backend.ts';

/** The page's policy: its own script, a connection back to its own origin, nothing else. */
export const GPU_PAGE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Where a Chromium is: CHROMIUM_PATH when set (it must exist), else Debian's /usr/bin/chromium; or null. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const path = env.CHROMIUM_PATH || '/usr/bin/chromium';
  return existsSync(path) ? path : null;
}

/** Why no Chromium can be used here, for notes and skip reasons. */
export function chromiumMissingReason(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH
    ? `CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist`
    : 'no Chromium found (set CHROMIUM_PATH, or install Debian chromium at /usr/bin/chromium)';
}

/** Chromium flags: WebGPU on, on the system's Vulkan/Metal/D3D adapter or on SwiftShader (software). */
export function chromiumFlags(software: boolean, userDataDir: string): string[] {
  const flags = [
    '--headless=new',
    `--user-data-dir=${userDataDir}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
  ];
  if (software) flags.push('--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader');
  // Chromium refuses to run its sandbox as root (containers, CI).
  if (process.getuid?.() === 0) flags.push('--no-sandbox');
  return flags;
}

/** A running engine page and how to stop it. */
export interface ChromiumEngine {
  client: GpuEngineClient;
  chromium: string;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Force SwiftShader (software WebGPU/WebGL): correct everywhere, slow. */
  software: boolean;
  chromiumPath?: string;
  /** How long the page may take to connect. */
  connectTimeoutMs?: number;
}

function tokenMatches(given: unknown, token: string): boolean {
  if (typeof given !== 'string' || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

/** Starts Chromium on the engine page and resolves once the page has connected. */
export async function launchChromiumEngine(opts: LaunchOptions): Promise<ChromiumEngine> {
  const chromium = opts.chromiumPath ?? findChromium();
  if (chromium === null) throw new Error(chromiumMissingReason());
  const files = await gpuPageFiles();
  const token = randomBytes(24).toString('hex');
  let origin = '';
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    // Only this origin's Host: a DNS-rebinding page elsewhere cannot read the engine.
    const path = req.headers.host === origin.slice('http://'.length) ? (req.url ?? '').split('?')[0] : null;
    const body = path === '/' ? files.html : path === '/gpu-engine.js' ? files.script : null;
    if (req.method !== 'GET' || body === null) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': path === '/' ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8',
      'Content-Security-Policy': GPU_PAGE_CSP,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(body);
  };
  const http = createServer(serve);
  const io = new Server(http, {
    transports: ['websocket'],
    maxHttpBufferSize: 512 * 1024 * 1024,
    serveClient: false,
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const userDataDir = await mkdtemp(join(tmpdir(), 'fedunify-chromium-'));
  let page: Socket | null = null;
  let child: ChildProcess | null = null;
  let stderr = '';
  // Chromium must not outlive this process (a crash, Ctrl-C): kill it when we exit.
  const killOnExit = (): void => {
    if (child !== null && child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const close = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child !== null && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await new Promise<void>((resolve) => void io.close(() => resolve()));
    await rm(userDataDir, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    const connected = new Promise<Socket>((resolve, reject) => {
      io.use((socket, next) => {
        if (page !== null || !tokenMatches(socket.handshake.auth.token, token)) next(new Error('refused'));
        else next();
      });
      io.on('connection', (socket) => {
        page = socket;
        resolve(socket);
      });
      child = spawn(chromium, [...chromiumFlags(opts.software, userDataDir), `${origin}/#token=${token}`], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      });
      child.once('error', (err) => reject(new Error(`could not start ${chromium}: ${err.message}`)));
      child.once('exit', (code) =>
        reject(
          new Error(
            `${chromium} exited (code ${code}) before the engine page connected: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        ),
      );
      setTimeout(
        () =>
          reject(
            new Error(`the engine page did not connect within ${(opts.connectTimeoutMs ?? 30_000) / 1000} s`),
          ),
        opts.connectTimeoutMs ?? 30_000,
      );
    });
    const socket = await connected;
    const client = createGpuClient(async (envelope, timeoutMs) => {
      if (!socket.connected)
        throw new Error('the GPU engine page has gone away (Chromium closed or crashed)');
      return socket.timeout(timeoutMs).emitWithAck('gpu:request', envelope);
    });
    return { client, chromium, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The page's backend with its adapter, after init; the engine is closed again when init fails. */
export async function startBrowserBackend(
  backend: GpuEngineBackend,
  opts: LaunchOptions,
): Promise<{
  engine: ChromiumEngine;
  adapter: string;
  missingKernels: string[];
  registeredKernels: string[];
}> {
  const engine = await launchChromiumEngine(opts);
  try {
    const info = await engine.client.request({ type: 'init', backend });
    return { engine, ...info };
  } catch (err) {
    await engine.close();
    throw err;
  }
}

/** An engine page on its backend, and whether that backend is only a software renderer. */
export interface BrowserBackend {
  engine: ChromiumEngine;
  adapter: string;
  software: boolean;
  missingKernels: string[];
  registeredKernels: string[];
  /** What happened on the way (a hardware attempt that failed, a software fallback). */
  notes: string[];
}

/**
 * Opens the page on the system's GPU first; when that has no adapter and `allowSoftware`, opens it
 * again on SwiftShader (correct but slow: for tests and for measuring on machines without a GPU).
 */
export async function openBrowserBackend(
  backend: GpuEngineBackend,
  opts: { allowSoftware: boolean; chromiumPath?: string },
): Promise<BrowserBackend> {
  const notes: string[] = [];
  try {
    const r = await startBrowserBackend(backend, { software: false, chromiumPath: opts.chromiumPath });
    return { ...r, software: isSoftwareAdapter(r.adapter), notes };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (!opts.allowSoftware) throw err;
    notes.push(`${backend} on the system GPU failed (${message}); fell back to SwiftShader (software)`);
  }
  const r = await startBrowserBackend(backend, { software: true, chromiumPath: opts.chromiumPath });
  return { ...r, software: true, notes };
}

/** True when the OS shows a GPU device Chromium could use (Linux: a DRM render node or NVIDIA's device). */
export function gpuDevicePresent(): boolean {
  if (process.platform !== 'linux') return true;
  try {
    if (readdirSync('/dev/dri').some((name) => name.startsWith('renderD'))) return true;
  } catch {
    // no /dev/dri at all
  }
  return existsSync('/dev/nvidia0');
}

/**
 * The headless-Chromium opener for `join` (pure Node). FEDUNIFY_BROWSER_GPU=off never launches a
 * browser; =on lets `auto` try it even where no GPU device shows; by default `auto` tries it only
 * when a Chromium is found and a GPU device exists (a software adapter is slower than wasm).
 */
export function chromiumOpener(env: NodeJS.ProcessEnv = process.env): BrowserOpener {
  return {
    where: 'headless Chromium',
    unavailable(explicit) {
      const mode = env.FEDUNIFY_BROWSER_GPU;
      if (mode === 'off') return 'not tried: FEDUNIFY_BROWSER_GPU=off';
      const chromium = findChromium(env);
      if (chromium === null) return chromiumMissingReason(env);
      if (!explicit && mode !== 'on' && !gpuDevicePresent()) {
        return 'not tried: no GPU device here (no /dev/dri render node, no /dev/nvidia0), so only a software adapter; FEDUNIFY_BROWSER_GPU=on tries anyway';
      }
      return null;
    },
    async open(backend, allowSoftware) {
      const r = await openBrowserBackend(backend, {
        allowSoftware,
        chromiumPath: findChromium(env) ?? undefined,
      });
      return {
        client: r.engine.client,
        adapter: r.adapter,
        software: r.software,
        notes: r.notes,
        close: () => r.engine.close(),
      };
    },
  };
}
