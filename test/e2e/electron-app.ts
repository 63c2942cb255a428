/**
 * End-to-end test of the desktop app through Playwright's `_electron`: launches the real app (main
 * process, preload, renderer, engine utility process) and checks what the security defaults and
 * the bridge promise, including the hidden GPU engine window a real join opens (hub started as
 * `fedunify hub`). Runs where the Electron binary exists; elsewhere it reports why it skipped.
 * Called by scripts/run-e2e.js; runnable alone: `npx tsx test/e2e/electron-app.ts`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { BRIDGE_METHODS, HOST_METHODS } from '../../core/wire/bridge-methods.ts';
import { operatorApi, startHubCli } from './support.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The Electron executable installed by the `electron` package, or null when it was not downloaded. */
function electronExecutable(): string | null {
  const dir = path.join(root, 'node_modules/electron');
  const pathTxt = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathTxt)) return null;
  const exe = path.join(dir, 'dist', fs.readFileSync(pathTxt, 'utf8').trim());
  return fs.existsSync(exe) ? exe : null;
}

type Check = { name: string; run: (app: ElectronApplication, page: Page) => Promise<void> };

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const checks: Check[] = [
  {
    name: 'the participant window shows the app page',
    run: async (_app, page) => {
      assert(
        page.url().startsWith('file:') && page.url().includes('participant/index.html'),
        `url is ${page.url()}`,
      );
      assert((await page.title()).length > 0, 'the page has no title');
    },
  },
  {
    name: 'window.fedunify has every bridge method and no Node leaks into the page',
    run: async (_app, page) => {
      const shape = await page.evaluate(() => {
        const bridge = (window as unknown as { fedunify?: Record<string, unknown> }).fedunify;
        const g = globalThis as unknown as Record<string, unknown>;
        return {
          methods: bridge ? Object.keys(bridge).filter((k) => typeof bridge[k] === 'function') : [],
          host: bridge?.host ? Object.keys(bridge.host as object) : [],
          require: typeof g.require,
          process: typeof g.process,
        };
      });
      for (const m of BRIDGE_METHODS) {
        assert(shape.methods.includes(m), `window.fedunify.${m} is missing`);
      }
      for (const m of HOST_METHODS) assert(shape.host.includes(m), `host.${m} is missing`);
      assert(
        shape.require === 'undefined' && shape.process === 'undefined',
        'Node globals are visible in the page',
      );
    },
  },
  {
    name: 'the engine answers getState through the utility process',
    run: async (_app, page) => {
      const connection = await page.evaluate(async () => {
        const bridge = (window as unknown as { fedunify: { getState(): Promise<{ connection: string }> } })
          .fedunify;
        return (await bridge.getState()).connection;
      });
      assert(connection === 'idle', `engine state is ${connection}, expected idle`);
    },
  },
  {
    name: 'pop-ups are denied and navigation away is blocked',
    run: async (_app, page) => {
      const before = page.url();
      const opened = await page.evaluate(() => window.open('https://example.org/') === null);
      assert(opened, 'window.open was not denied');
      await page.evaluate(() => {
        window.location.href = 'https://example.org/';
      });
      await page.waitForTimeout(500);
      assert(page.url() === before, `the window navigated to ${page.url()}`);
    },
  },
  {
    name: 'joining a job opens the hidden GPU engine window with the secure defaults',
    run: async (app, page) => {
      // Every window the main process creates from here on, with the preferences it really got.
      await app.evaluate(({ app: electronApp }) => {
        const seen: unknown[] = [];
        (globalThis as unknown as { __fedunifyWindows: unknown[] }).__fedunifyWindows = seen;
        electronApp.on('browser-window-created', (_event: unknown, win: unknown) => seen.push(win));
      });
      const cleanup: (() => Promise<void> | void)[] = [];
      try {
        const hub = await startHubCli(cleanup);
        const api = await operatorApi(hub);
        const job = await api.createJob({
          name: 'e2e-electron-gpu',
          rounds: 1,
          localSteps: 2,
          batchSize: 16,
          minParticipants: 1,
          compareMethods: [],
        });
        const invite = await api.createInvite('Org E', job.id);
        await page.getByRole('navigation').getByRole('button', { name: /^Join/ }).click();
        await page.getByLabel('Invite').fill(invite.invite);
        await page.getByRole('main').getByRole('button', { name: 'Join', exact: true }).click();
        await page.getByRole('heading', { name: 'Your data' }).waitFor();
        await page.getByRole('radio', { name: /Fashion-MNIST share/ }).click();
        await page.getByLabel('Split').selectOption('V');
        await page.getByLabel('Your share').selectOption('1');
        await page.getByLabel('Samples (at most)').fill('64');
        await page.getByRole('button', { name: /Load/ }).first().click();
        // Training starts at once (a quorum of one); choosing the backend opens the engine window.
        type Seen = { title: string; visible: boolean; url: string; prefs: Record<string, unknown> };
        let windows: Seen[] = [];
        for (let i = 0; i < 240 && !windows.some((w) => w.title === 'FedUnify GPU engine'); i++) {
          await page.waitForTimeout(500);
          windows = await app.evaluate(() => {
            type Win = {
              isDestroyed(): boolean;
              getTitle(): string;
              isVisible(): boolean;
              webContents: { getURL(): string; getLastWebPreferences(): Record<string, unknown> | null };
            };
            const all = (globalThis as unknown as { __fedunifyWindows: Win[] }).__fedunifyWindows;
            return all.map((w) => ({
              title: w.isDestroyed() ? '(closed)' : w.getTitle(),
              visible: !w.isDestroyed() && w.isVisible(),
              url: w.isDestroyed() ? '' : w.webContents.getURL(),
              prefs: (w.isDestroyed() ? null : w.webContents.getLastWebPreferences()) ?? {},
            }));
          });
        }
        const gpu = windows.find((w) => w.title === 'FedUnify GPU engine');
        assert(gpu !== undefined, `no GPU engine window opened; windows: ${JSON.stringify(windows)}`);
        assert(!gpu.visible, 'the GPU engine window is visible');
        assert(gpu.url.startsWith('file:'), `the GPU engine window shows ${gpu.url}`);
        const p = gpu.prefs;
        assert(
          p.nodeIntegration === false && p.contextIsolation === true && p.sandbox === true,
          `the GPU engine window's preferences are ${JSON.stringify(p)}`,
        );
        assert(p.webSecurity !== false, 'the GPU engine window runs without web security');
      } finally {
        for (const fn of cleanup.reverse()) await fn();
      }
    },
  },
  {
    name: 'the main process runs with a single-instance lock and a menu',
    run: async (app) => {
      const info = await app.evaluate(({ app: electronApp, Menu }) => ({
        name: electronApp.getName(),
        menu: Menu.getApplicationMenu()?.items.map((item: { label: string }) => item.label) ?? [],
      }));
      assert(info.menu.includes('File') && info.menu.includes('Help'), `menu is ${info.menu.join(', ')}`);
    },
  },
];

/** Runs the desktop app's end-to-end checks; `skipped` says why when they cannot run here. */
export async function runElectronE2E(): Promise<{ passed: number; failed: number; skipped: string | null }> {
  const executablePath = electronExecutable();
  if (executablePath === null) {
    const skipped =
      'skipped: Electron binary not installed (it downloads from the internet at npm install; run on a machine with internet access)';
    console.log(`electron e2e ${skipped}`);
    return { passed: 0, failed: 0, skipped };
  }
  if (!fs.existsSync(path.join(root, 'dist/renderer/participant/index.html'))) {
    execFileSync(
      process.execPath,
      [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts'],
      { cwd: root, stdio: 'inherit' },
    );
  }
  execFileSync(process.execPath, [path.join(root, 'scripts/build-electron.js')], {
    cwd: root,
    stdio: 'inherit',
  });

  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'fedunify-e2e-'));
  const app = await _electron.launch({
    executablePath,
    args: [root],
    cwd: root,
    env: { ...process.env, FEDUNIFY_USER_DATA: userData } as Record<string, string>,
  });
  let passed = 0;
  let failed = 0;
  try {
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    for (const check of checks) {
      try {
        await check.run(app, page);
        passed++;
        console.log(`  ✓ ${check.name}`);
      } catch (err) {
        failed++;
        console.log(`  ✗ ${check.name}: ${(err as Error).message}`);
      }
    }
  } finally {
    await app.close();
    fs.rmSync(userData, { recursive: true, force: true });
  }
  console.log(`electron e2e: ${passed} passed, ${failed} failed`);
  return { passed, failed, skipped: null };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runElectronE2E().then(
    (result) => {
      process.exitCode = result.failed > 0 ? 1 : 0;
    },
    (err: Error) => {
      console.error(`electron e2e could not run: ${err.message}`);
      process.exitCode = 1;
    },
  );
}
