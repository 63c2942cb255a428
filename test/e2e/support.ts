/** Browser, process and file helpers shared by the end-to-end scenarios. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOTS = join(REPO, 'docs', 'screenshots');
const CHROMIUM = process.env.FEDUNIFY_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** SwiftShader's WebGPU adapter and WebGL2: what a user's browser does on its GPU, in software. */
const SOFTWARE_GPU_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];

/** Launches Debian's Chromium through playwright-core (no browser download); `gpu`: with WebGPU/WebGL. */
export async function launchBrowser(opts: { gpu?: boolean } = {}): Promise<Browser> {
  const args = opts.gpu
    ? [...CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu'), ...SOFTWARE_GPU_ARGS]
    : CHROMIUM_ARGS;
  return chromium.launch({ executablePath: CHROMIUM, args, headless: true });
}

/** A new page at a fixed size; console errors of the page are collected into `errors`. */
export async function newPage(
  browser: Browser,
  errors: string[],
  ignoreHTTPSErrors = false,
  viewport = { width: 1360, height: 880 },
): Promise<Page> {
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    ignoreHTTPSErrors,
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error')
      errors.push(`console: ${msg.text()} @ ${msg.location().url}:${msg.location().lineNumber}`);
  });
  return page;
}

/** Saves a full-page screenshot as docs/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // A pointer left over a chart would freeze its tooltip into the picture.
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A temporary folder removed by `cleanup`. */
export function tempDir(prefix: string, cleanup: (() => Promise<void> | void)[]): string {
  const dir = mkdtempSync(join(tmpdir(), `fedunify-e2e-${prefix}-`));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A `fedunify` child process with its output captured; stopped (SIGTERM, then SIGKILL) by cleanup. */
export interface Cli {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first match of `re` in the output. */
  waitForOutput: (re: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** Every child process a scenario started, with its output: printed when a step fails. */
export const startedClis: { args: string[]; output: () => string }[] = [];

/** The last lines of every started process's output, for a failure report. */
export function cliOutputTails(lines = 25): string {
  return startedClis
    .map(
      (c) =>
        `--- fedunify ${c.args.join(' ').slice(0, 160)}\n${c.output().trimEnd().split('\n').slice(-lines).join('\n')}`,
    )
    .join('\n');
}

/** Starts `node bin/fedunify.js ...args`. */
export function startCli(args: string[], cleanup: (() => Promise<void> | void)[]): Cli {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'fedunify.js'), ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let out = '';
  const waiters: (() => void)[] = [];
  const onData = (b: Buffer) => {
    out += b.toString();
    waiters.splice(0).forEach((w) => w());
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  startedClis.push({ args, output: () => out });
  cleanup.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  });
  return {
    child,
    output: () => out,
    exited,
    waitForOutput: (re, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no output matching ${re} within ${timeoutMs / 1000} s; output so far:\n${out.slice(-3000)}`,
              ),
            ),
          timeoutMs,
        );
        const test = () => {
          const m = out.match(re);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else if (child.exitCode !== null) {
            clearTimeout(timer);
            reject(
              new Error(`the process exited (${child.exitCode}) before printing ${re}:\n${out.slice(-3000)}`),
            );
          } else waiters.push(test);
        };
        test();
      }),
  };
}

/** A hub started as its own process (`fedunify hub`), as an operator starts it. */
export interface HubProcess {
  cli: Cli;
  url: string;
  fingerprint: string;
  username: string;
  password: string;
  dataDir: string;
  port: number;
}

/** A free TCP port on loopback (for a hub that must come back on the same address). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `fedunify hub` on `port` (0: any) with a fresh data folder and reads its start-up lines. */
export async function startHubCli(
  cleanup: (() => Promise<void> | void)[],
  opts: { port?: number; dataDir?: string } = {},
): Promise<HubProcess> {
  const dataDir = opts.dataDir ?? tempDir('hub', cleanup);
  const cli = startCli(
    [
      'hub',
      '--data-dir',
      dataDir,
      '--port',
      String(opts.port ?? 0),
      '--host',
      '127.0.0.1',
      '--log-level',
      'warn',
    ],
    cleanup,
  );
  const login = await cli.waitForOutput(/Operator login: (\S+) \/ (\S+)/);
  const ready = await cli.waitForOutput(/FEDUNIFY_HUB_READY (\{.*\})/);
  const info = JSON.parse(ready[1]) as { url: string; fingerprint: string };
  return {
    cli,
    url: info.url,
    fingerprint: info.fingerprint,
    username: login[1],
    password: login[2],
    dataDir,
    port: Number(new URL(info.url).port),
  };
}

/** Stops a hub process and waits until it has exited. */
export async function stopHub(hub: HubProcess): Promise<void> {
  if (hub.cli.child.exitCode !== null || hub.cli.child.signalCode !== null) return;
  hub.cli.child.kill('SIGTERM');
  const timer = setTimeout(() => hub.cli.child.kill('SIGKILL'), 10_000);
  await hub.cli.exited;
  clearTimeout(timer);
}

/** One HTTPS request to the hub, pinned to its certificate; the answer's status and JSON body. */
export async function hubRequest(
  hub: HubProcess,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; json: unknown }> {
  const { Agent, request } = await import('node:https');
  const { pinnedTlsOptions } = await import('../../core/net/pinned-tls.ts');
  const agent = new Agent(await pinnedTlsOptions(hub.url, hub.fingerprint));
  return await new Promise((resolve, reject) => {
    const req = request(new URL(path, hub.url), {
      method,
      agent,
      headers: {
        'Content-Type': 'application/json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The hub's operator REST API over its self-signed TLS, pinned to its fingerprint. */
export async function operatorApi(hub: HubProcess) {
  const call = (method: string, path: string, body?: unknown, token?: string) =>
    hubRequest(hub, method, path, body, token);
  const login = await call('POST', '/api/login', { username: hub.username, password: hub.password });
  const token = (login.json as { token?: string }).token;
  if (!token) throw new Error(`could not sign in to the hub: ${JSON.stringify(login.json)}`);
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body, token);
    if (res.status >= 300)
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.json)}`);
    return res.json;
  };
  return {
    createJob: async (spec: Record<string, unknown>) =>
      (await ok('POST', '/api/jobs', spec)) as { id: string },
    createInvite: async (name: string, jobId: string) =>
      (await ok('POST', '/api/invites', { name, jobId })) as { id: string; invite: string },
    revokeInvite: (id: string) => ok('DELETE', `/api/invites/${encodeURIComponent(id)}`),
    participants: async (jobId: string) =>
      (await ok('GET', `/api/jobs/${encodeURIComponent(jobId)}/participants`)) as {
        name: string;
        state: string;
        connected?: boolean;
      }[],
  };
}
