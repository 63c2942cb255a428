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

/** Launches Debian's Chromium through playwright-core (no browser download). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** A new page at a fixed size; console errors of the page are collected into `errors`. */
export async function newPage(browser: Browser, errors: string[], ignoreHTTPSErrors = false): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1360, height: 880 },
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
