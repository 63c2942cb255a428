/**
 * The whole product in a browser: the operator signs in to a real hub's console, creates jobs by
 * wizard and by YAML (and sees a YAML error at its line), invites two organizations; one joins
 * from the command line, the other through `fedunify join --ui` in a second browser page; both
 * train for real (small data) while the console shows participants, rounds and accuracy; then the
 * operator downloads the unified model and checks the files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Scenario, SkipStep, StepFailed, check, waitFor } from './harness.ts';
import { hubRequest, launchBrowser, newPage, screenshot, startCli, startHubCli, tempDir } from './support.ts';
import {
  JOB,
  createInviteFromJob,
  createJobByWizard,
  createJobByYaml,
  nav,
  openJobByKeyboard,
  signIn,
} from './console-steps.ts';
import { checkSmallWindow } from './small-window.ts';

const FEDERATION_TIMEOUT = 240_000;

async function joinThroughUi(page: Page, uiUrl: string, invite: string): Promise<void> {
  await page.goto(uiUrl);
  await page.getByRole('heading', { name: 'Join a federation' }).waitFor();
  check(!page.url().includes('token='), 'the one-time token is removed from the address bar');
  await page.getByLabel('Invite').fill(invite);
  await page.getByRole('button', { name: 'Check the hub' }).click();
  await page.getByTestId('hub-card').getByText('answered').waitFor();
  const fp = (await page.getByTestId('fingerprint').textContent()) ?? '';
  check(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(fp.trim()), `the hub's fingerprint is shown, got "${fp}"`);
  // The job is shown before joining: its name, its model's parameter count, its rounds and steps.
  const jobCard = page.getByTestId('job-card');
  await jobCard.getByText(`Job: ${JOB}`).waitFor();
  const jobText = (await jobCard.textContent()) ?? '';
  check(
    /parameters/.test(jobText) && /6 steps/.test(jobText) && /avg/.test(jobText),
    `the job card shows the model, method and steps before joining, got "${jobText}"`,
  );
  await screenshot(page, 'participant-join');
  await page.getByRole('main').getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByRole('heading', { name: 'Your data' }).waitFor();
}

async function pickData(page: Page): Promise<void> {
  await page.getByLabel('Split').selectOption('V');
  await page.getByLabel('Your share').selectOption('1');
  await page.getByLabel('Samples (at most)').fill('300');
  await page.getByRole('button', { name: 'Load and check' }).click();
  await page.getByTestId('sample-grid').locator('canvas').first().waitFor({ timeout: 60_000 });
  await page.getByTestId('class-histogram').locator('.recharts-bar-rectangle').first().waitFor();
  await page.getByText('The data fits the job').waitFor({ timeout: 60_000 });
  await screenshot(page, 'participant-data');
}

async function checkDownloads(page: Page, dir: string): Promise<void> {
  await page.getByRole('tab', { name: 'Output' }).click();
  const save = async (label: string, name: string) => {
    // A failed download shows a banner: fail with its words rather than a bare timeout.
    const failed = page
      .getByRole('alert')
      .filter({ hasText: 'Could not download' })
      .waitFor({ timeout: 60_000 })
      .then(async () => {
        throw new Error(await page.getByRole('alert').filter({ hasText: 'Could not download' }).innerText());
      });
    failed.catch(() => undefined);
    const [download] = await Promise.all([
      Promise.race([page.waitForEvent('download', { timeout: 60_000 }), failed]),
      page.getByRole('button', { name: label }).click(),
    ]);
    const path = join(dir, name);
    await download.saveAs(path);
    return readFileSync(path);
  };
  const model = JSON.parse((await save('Download model.json', 'model.json')).toString('utf8')) as Record<
    string,
    unknown
  >;
  check(model.modelTopology && Array.isArray(model.weightsManifest), 'model.json is a TF.js layers model');
  const weights = await save('Download weights.bin', 'weights.bin');
  // The paper CNN has 106,442 float32 parameters.
  check(
    weights.byteLength === 106_442 * 4,
    `weights.bin holds the paper CNN's weights, got ${weights.byteLength} bytes`,
  );
}

/** Runs the scenario; returns its step results. */
export async function runFederationScenario(): Promise<Scenario> {
  const sc = new Scenario('console + participants, real federation');
  process.stdout.write(`${sc.name}\n`);
  const cleanup: (() => Promise<void> | void)[] = [];
  const errors: string[] = [];
  let browser: Browser | null = null;
  try {
    const hub = await sc.step('start `fedunify hub` as its own process', () => startHubCli(cleanup));
    browser = await launchBrowser();
    const consolePage = await newPage(browser, errors, true);
    await sc.step('sign in to the console', () => signIn(consolePage, hub.url, hub.username, hub.password));
    await sc.step('create a job with the wizard (it stops at an invalid step)', () =>
      createJobByWizard(consolePage),
    );
    await sc.step('YAML errors show at their line and clear when it is edited; Cancel asks first', () =>
      createJobByYaml(consolePage),
    );
    await sc.step('open a job with the keyboard; its address survives a reload', async () => {
      await openJobByKeyboard(consolePage, JOB);
      check(
        /#\/jobs\/[^/]+\/participants$/.test(consolePage.url()),
        `a job address, got ${consolePage.url()}`,
      );
      await consolePage.reload();
      await consolePage.getByRole('heading', { name: new RegExp(JOB) }).waitFor();
    });
    const inviteA = await sc.step('an invite from the job page goes to that job (Org A)', () =>
      createInviteFromJob(consolePage, 'Org A'),
    );
    const inviteB = await sc.step('an invite from the job page goes to that job (Org B)', () =>
      createInviteFromJob(consolePage, 'Org B'),
    );

    const ui = startCli(
      ['join', '--ui', '--test-limit', '100', '--state-dir', tempDir('org-b', cleanup)],
      cleanup,
    );
    const uiUrl = await sc.step(
      'join --ui prints its one-time URL',
      async () => (await ui.waitForOutput(/open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/))[1],
    );
    const partPage = await newPage(browser, errors);
    await sc.step('participant UI: inspect the invite and join', () =>
      joinThroughUi(partPage, uiUrl, inviteB),
    );
    await sc.step('participant UI: without --gpu-tab the page hosts no GPU engine frame', async () => {
      const frames = await partPage.getByTestId('gpu-engine-frame').count();
      check(frames === 0, `no engine frame, got ${frames}`);
    });
    await sc.step('participant UI: load data and see samples, histogram, no problems', () =>
      pickData(partPage),
    );
    await sc.step('participant UI: "waiting for 1 more participant (1 of 2)"', async () => {
      await nav(partPage, 'Training');
      await partPage
        .getByTestId('training-status')
        .getByText('waiting for 1 more participant (1 of 2)')
        .waitFor({ timeout: 30_000 });
      const moving = await partPage.locator('.progress.indeterminate').count();
      check(moving === 0, 'no moving bar while nobody trains');
    });
    await sc.step('the one-time link is refused a second time', async () => {
      const res = await fetch(new URL('/session', uiUrl), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: new URL(uiUrl).searchParams.get('token') }),
      });
      check(res.status === 403, `a replayed token gets 403, got ${res.status}`);
    });
    startCli(
      [
        'join',
        '--invite',
        inviteA,
        '--data',
        'fashion-mnist',
        '--partition',
        'V',
        '--owner-index',
        '0',
        '--limit',
        '300',
        '--test-limit',
        '100',
        '--state-dir',
        tempDir('org-a', cleanup),
      ],
      cleanup,
    );

    await sc.step('console: both participants appear', async () => {
      await waitFor(
        'two participant rows',
        async () => (await consolePage.getByTestId('participant-row').count()) === 2,
        90_000,
      );
      await screenshot(consolePage, 'console-participants');
    });
    await sc.step('participant UI: training progress is shown', async () => {
      await waitFor(
        'a training round',
        async () => Number(await partPage.getByTestId('training-round').textContent()) >= 1,
        FEDERATION_TIMEOUT,
      );
      await screenshot(partPage, 'participant-training');
    });
    await sc.step('console: the job completes with 2 rounds of accuracy', async () => {
      await consolePage.getByRole('tab', { name: 'Rounds' }).click();
      check(consolePage.url().endsWith('/rounds'), `the tab has its address, got ${consolePage.url()}`);
      await consolePage
        .locator('main .badge[data-status="completed"]')
        .first()
        .waitFor({ timeout: FEDERATION_TIMEOUT });
      await waitFor(
        'two rounds in the table',
        async () => (await consolePage.getByTestId('rounds-table').locator('tbody tr').count()) === 2,
        30_000,
      );
      const row =
        (await consolePage.getByTestId('rounds-table').locator('tbody tr').last().textContent()) ?? '';
      check(/\d+\.\d%/.test(row), `round 2 shows accuracies as percentages, got "${row}"`);
      await consolePage.getByTestId('rounds-chart').locator('.recharts-line').first().waitFor();
      await screenshot(consolePage, 'console-job-detail');
    });
    await sc.step('participant UI: "finished: 2 of 2 rounds", unified accuracy here filled', async () => {
      await partPage
        .getByTestId('training-status')
        .getByText('finished: 2 of 2 rounds')
        .waitFor({ timeout: 60_000 });
      const unified = (await partPage.getByTestId('unified-here').textContent()) ?? '';
      check(
        /\d+\.\d%/.test(unified) && /round 2/.test(unified),
        `unified model here after round 2, got "${unified}"`,
      );
      check((await partPage.locator('.progress.indeterminate').count()) === 0, 'no moving bar after the end');
    });
    await sc.step('console: methods are compared on the same updates', async () => {
      await consolePage.getByRole('tab', { name: 'Methods' }).click();
      await consolePage.getByTestId('methods-table').waitFor();
      const head = (await consolePage.getByTestId('methods-table').locator('thead').textContent()) ?? '';
      check(/avg/.test(head) && /absmax/.test(head), `avg and absmax columns, got "${head}"`);
    });
    await sc.step('console: logs are filterable', async () => {
      await consolePage.getByRole('tab', { name: 'Logs' }).click();
      await consolePage.getByTestId('log-lines').waitFor();
      await consolePage.getByLabel('Filter logs').fill('no line has this text 42');
      await consolePage.getByText('No line matches the filter').waitFor();
    });
    await sc.step('console: download the unified model and check the files', async () => {
      // A hub without the download fix (tfjs backend never chosen) answers 500: say so, do not hide it.
      const token = await consolePage.evaluate(() => sessionStorage.getItem('fedunify.console.token'));
      const jobId = decodeURIComponent(/#\/jobs\/([^/]+)\//.exec(consolePage.url())?.[1] ?? '');
      const probe = await hubRequest(
        hub,
        'GET',
        `/api/jobs/${encodeURIComponent(jobId)}/model/model.json`,
        undefined,
        token ?? '',
      );
      if (probe.status === 500 && /has not yet been initialized/.test(hub.cli.output()))
        throw new SkipStep(
          'this hub cannot build models for download yet (tfjs backend not initialized); the hub-side fix is not on this branch',
        );
      await checkDownloads(consolePage, tempDir('downloads', cleanup));
    });
    await sc.step('participant UI: rounds table and chart; no late warnings', async () => {
      await nav(partPage, 'Rounds');
      await waitFor(
        'two rounds with unified accuracy',
        async () => {
          const rows = partPage.getByTestId('participant-rounds-table').locator('tbody tr');
          return (await rows.count()) === 2 && /\d+\.\d%/.test((await rows.last().textContent()) ?? '');
        },
        60_000,
      );
      await partPage.getByTestId('participant-rounds-chart').locator('.recharts-line').first().waitFor();
      await screenshot(partPage, 'participant-rounds');
      await nav(partPage, 'Outbound');
      await waitFor(
        'outbound uploads',
        async () => (await partPage.getByTestId('outbound-table').locator('tbody tr').count()) >= 2,
      );
      check(
        !/attempt \d+ of \d+/.test(ui.output()),
        `no send retries after the job ended:\n${ui.output().slice(-1500)}`,
      );
    });
    await sc.step('console at 800×600: sidebar collapses, row actions visible, wide tables scroll', () =>
      checkSmallWindow(browser!, hub, errors),
    );
    await sc.step('console: job list; delete a job in a focused dialog above the page', async () => {
      await nav(consolePage, 'Jobs');
      await consolePage.getByTestId('jobs-table').getByText('e2e-yaml').waitFor();
      await screenshot(consolePage, 'console-jobs');
      const row = consolePage.getByTestId('jobs-table').locator('tr', { hasText: 'e2e-yaml' });
      await row.getByRole('button', { name: 'Delete' }).click();
      const dialog = consolePage.getByRole('dialog');
      await dialog.waitFor();
      check(
        (await consolePage.locator('td [role="dialog"]').count()) === 0,
        'the dialog is not inside a table cell',
      );
      check(
        await consolePage.evaluate(() => document.activeElement?.closest('[role="dialog"]') !== null),
        'the dialog takes focus',
      );
      await dialog.getByRole('button', { name: 'Delete job' }).click();
      await waitFor(
        'the row to go',
        async () => (await consolePage.getByTestId('jobs-table').getByText('e2e-yaml').count()) === 0,
      );
    });
    await sc.step('console: Sign out ends the session on the hub too', async () => {
      const token = await consolePage.evaluate(() => sessionStorage.getItem('fedunify.console.token'));
      check(token, 'the console holds a session token');
      check((await hubRequest(hub, 'GET', '/api/jobs', undefined, token)).status === 200, 'the token works');
      if ((await hubRequest(hub, 'POST', '/api/logout', undefined, 'not-a-session')).status === 404)
        throw new SkipStep('this hub has no POST /api/logout yet; the hub-side change is not on this branch');
      await consolePage.getByRole('button', { name: 'Sign out' }).click();
      await consolePage.getByLabel('User name').waitFor();
      await waitFor(
        'the hub to refuse the old token',
        async () => (await hubRequest(hub, 'GET', '/api/jobs', undefined, token)).status === 401,
        10_000,
      );
    });
    await sc.step('no page errors or CSP violations', async () => {
      // The rejected YAML job is an expected 400; Chromium logs every failed request.
      const unexpected = errors.filter(
        (e) => !/status of 400 .* @ https:\/\/127\.0\.0\.1:\d+\/api\/jobs:/.test(e),
      );
      check(unexpected.length === 0, `the pages reported errors:\n${unexpected.join('\n')}`);
    });
  } catch (err) {
    // A failed step is already recorded; anything else is a bug in the scenario itself.
    if (!(err instanceof StepFailed)) throw err;
  } finally {
    await browser?.close();
    for (const fn of cleanup.reverse()) await fn();
  }
  return sc;
}
