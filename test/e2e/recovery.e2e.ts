/**
 * A participant recovers without restarting anything, through the real programs: `fedunify hub`
 * and `fedunify join --ui` run as child processes and the participant UI in Chromium. Data that does
 * not fit, then data that fits (it rejoins by itself); a reload (the Data screen shows what is
 * loaded); Leave, then a new invite; a revoked invite, then a new invite; and a hub that comes back
 * on the same address with another certificate (the participant stops and says so).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { Scenario, StepFailed, check, waitFor } from './harness.ts';
import {
  freePort,
  launchBrowser,
  newPage,
  operatorApi,
  startCli,
  startHubCli,
  stopHub,
  tempDir,
} from './support.ts';

/** A job that waits for two participants: nothing trains, so the scenario stays quick. */
const JOB = {
  name: 'e2e-recovery',
  rounds: 1,
  localSteps: 2,
  batchSize: 16,
  minParticipants: 2,
  compareMethods: [],
};

/** An image folder with 3 classes: the paper CNN wants 10, so it does not fit the job. */
function writeThreeClassFolder(dir: string): string {
  for (const cls of ['ankle', 'bag', 'coat']) {
    mkdirSync(join(dir, cls), { recursive: true });
    for (let i = 0; i < 4; i++) {
      const png = new PNG({ width: 28, height: 28 });
      png.data.fill(40 * i + 20);
      writeFileSync(join(dir, cls, `${i}.png`), PNG.sync.write(png));
    }
  }
  return dir;
}

async function nav(page: Page, label: string): Promise<void> {
  await page
    .getByRole('navigation')
    .getByRole('button', { name: new RegExp(`^${label}`) })
    .click();
}

async function joinWith(page: Page, invite: string): Promise<void> {
  await nav(page, 'Join');
  await page.getByLabel('Invite').fill(invite);
  await page.getByRole('main').getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByRole('heading', { name: 'Your data' }).waitFor();
}

/** The connection badge in the sidebar footer. */
function connection(page: Page) {
  return page.locator('.sidebar-footer .badge').first();
}

async function loadFashionShare(page: Page): Promise<void> {
  await page.getByRole('radio', { name: /Fashion-MNIST share/ }).click();
  await page.getByLabel('Split').selectOption('V');
  await page.getByLabel('Your share').selectOption('1');
  await page.getByLabel('Samples (at most)').fill('120');
  await page.getByRole('button', { name: /Load/ }).first().click();
  await page.getByText('The data fits the job').waitFor({ timeout: 60_000 });
}

/** Runs the scenario; returns its step results. */
export async function runRecoveryScenario(): Promise<Scenario> {
  const sc = new Scenario('participant recovers without a restart');
  process.stdout.write(`${sc.name}\n`);
  const cleanup: (() => Promise<void> | void)[] = [];
  const errors: string[] = [];
  let browser: Browser | null = null;
  try {
    const port = await freePort();
    let hub = await sc.step('start `fedunify hub` as its own process', () => startHubCli(cleanup, { port }));
    const api = await operatorApi(hub);
    const job = await sc.step('create a job waiting for two participants', () => api.createJob(JOB));
    const first = await api.createInvite('Org R', job.id);
    const ui = startCli(
      ['join', '--ui', '--test-limit', '50', '--state-dir', tempDir('org-r', cleanup)],
      cleanup,
    );
    const uiUrl = (await ui.waitForOutput(/open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/))[1];
    browser = await launchBrowser();
    const page = await newPage(browser, errors);
    await page.goto(uiUrl);
    await page.getByRole('heading', { name: 'Join a federation' }).waitFor();

    await sc.step('data that does not fit stops the participant and says why', async () => {
      await joinWith(page, first.invite);
      await page.getByRole('radio', { name: /Image folder/ }).click();
      await page.getByLabel('Image folder').fill(writeThreeClassFolder(tempDir('folder', cleanup)));
      await page.getByRole('button', { name: 'Load and check' }).click();
      await page.getByTestId('data-problems').waitFor();
      await waitFor(
        'the error state',
        async () => (await connection(page).getAttribute('data-status')) === 'error',
      );
    });
    await sc.step('data that fits brings it back by itself; the error clears', async () => {
      await loadFashionShare(page);
      await waitFor(
        'connected again',
        async () => (await connection(page).getAttribute('data-status')) === 'connected',
        30_000,
      );
      check((await page.getByTestId('data-problems').count()) === 0, 'the old data problems are gone');
      await waitFor('the hub to see it ready', async () =>
        (await api.participants(job.id)).some((p) => p.name === 'Org R' && p.state === 'ready'),
      );
      await nav(page, 'Training');
      await page
        .getByTestId('training-status')
        .getByText('waiting for 1 more participant (1 of 2)')
        .waitFor();
    });
    await sc.step('after a reload the Data screen shows what is loaded', async () => {
      await page.reload();
      await nav(page, 'Data');
      await page
        .getByTestId('data-loaded')
        .getByText(/Fashion-MNIST \(V split, owner 2, at most 120 samples\)/)
        .waitFor();
      check((await page.getByLabel('Your share').inputValue()) === '1', 'the form shows the loaded share');
      check(
        (await page.getByLabel('Samples (at most)').inputValue()) === '120',
        'the form shows the loaded limit',
      );
    });
    await sc
      .step('after Leave, the Join screen takes a new invite', async () => {
        await nav(page, 'Join');
        await page.getByRole('button', { name: 'Leave the job' }).click();
        await page.getByLabel('Invite').waitFor();
        const second = await api.createInvite('Org R', job.id);
        await joinWith(page, second.invite);
        await waitFor(
          'connected with the new invite',
          async () => (await connection(page).getAttribute('data-status')) === 'connected',
          30_000,
        );
        return second;
      })
      .then(async (second) => {
        await sc.step('a revoked invite stops it; a new invite joins again', async () => {
          await api.revokeInvite(second.id);
          await nav(page, 'Join');
          await page
            .getByTestId('join-stopped')
            .getByText(/revoked|refused/)
            .waitFor({ timeout: 30_000 });
          const third = await api.createInvite('Org R', job.id);
          await joinWith(page, third.invite);
          await waitFor(
            'connected with the third invite',
            async () => (await connection(page).getAttribute('data-status')) === 'connected',
            30_000,
          );
        });
      });
    await sc.step(
      'a hub back on the same address with another certificate: it stops and says so',
      async () => {
        await stopHub(hub);
        hub = await startHubCli(cleanup, { port });
        check(hub.port === port, 'the new hub listens on the old port');
        await nav(page, 'Join');
        await page
          .getByTestId('join-stopped')
          .getByText(/fingerprint changed/)
          .waitFor({ timeout: 45_000 });
        check((await connection(page).getAttribute('data-status')) === 'error', 'the participant stopped');
      },
    );
    await sc.step('no page errors', async () => {
      check(errors.length === 0, `the page reported errors:\n${errors.join('\n')}`);
    });
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
  } finally {
    await browser?.close();
    for (const fn of cleanup.reverse()) await fn();
  }
  return sc;
}
