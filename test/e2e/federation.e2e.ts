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
import { startHub } from '../../hub/index.ts';
import { Scenario, StepFailed, check, waitFor } from './harness.ts';
import { REPO, launchBrowser, newPage, screenshot, startCli, tempDir } from './support.ts';

const JOB = 'e2e-federation';
const FEDERATION_TIMEOUT = 240_000;

/** Clicks a sidebar entry (its badge may follow the label). */
function nav(page: Page, label: string): Promise<void> {
  return page
    .getByRole('navigation')
    .getByRole('button', { name: new RegExp(`^${label}`) })
    .click();
}

async function signIn(page: Page, url: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
}

async function createJobByWizard(page: Page): Promise<void> {
  await page.getByRole('button', { name: '+ New job' }).click();
  await page.getByLabel('Job name').fill(JOB);
  await page.getByRole('button', { name: /Next: Model/ }).click();
  await page.getByText('106,442 parameters').waitFor();
  await page.getByRole('button', { name: /Next: Method/ }).click();
  await page.getByRole('radio', { name: /^avg/ }).click();
  await screenshot(page, 'console-create-wizard');
  await page.getByRole('button', { name: /Next: Training/ }).click();
  await page.getByLabel('Rounds').fill('2');
  await page.getByRole('button', { name: 'Steps', exact: true }).click();
  await page.getByLabel('Local steps (batches)').fill('6');
  await page.getByLabel('Batch size').fill('32');
  await page.getByRole('button', { name: /Next: Stopping/ }).click();
  await page.getByRole('checkbox', { name: /Stop at a target accuracy/ }).uncheck();
  await page.getByLabel('Minimum participants').fill('2');
  await page.getByRole('button', { name: /Next: Hub evaluation/ }).click();
  await page.getByLabel('Test images (at most)').fill('300');
  await page.getByRole('button', { name: /Next: Review/ }).click();
  const yaml = await page.getByTestId('wizard-yaml').textContent();
  check(
    yaml?.includes('localSteps: 6') && yaml.includes('rounds: 2'),
    `the review shows the spec, got:\n${yaml}`,
  );
  await page.getByRole('button', { name: 'Create job' }).click();
  await page.getByRole('heading', { name: new RegExp(JOB) }).waitFor();
}

async function createJobByYaml(page: Page): Promise<void> {
  await nav(page, 'Jobs');
  await page.getByRole('button', { name: 'New from YAML' }).click();
  const bad = [
    'name: e2e-yaml',
    'model: paper-cnn',
    'method: absmax',
    'rounds: zero',
    'batchSize: 32',
    '',
  ].join('\n');
  await page.getByLabel('Job YAML').fill(bad);
  await page.getByRole('button', { name: 'Create job' }).click();
  const marker = page.locator('[data-testid="yaml-inline-error"][data-line="4"]');
  await marker.waitFor();
  const text = (await marker.textContent()) ?? '';
  check(/rounds/.test(text), `the error at line 4 names the field, got "${text}"`);
  await page.getByRole('alert').filter({ hasText: 'rejected' }).waitFor();
  await screenshot(page, 'console-yaml-error');
  await page.getByLabel('Job YAML').fill(bad.replace('rounds: zero', 'rounds: 3'));
  await page.getByRole('button', { name: 'Create job' }).click();
  await page.getByRole('heading', { name: /e2e-yaml/ }).waitFor();
}

async function createInvite(page: Page, org: string): Promise<string> {
  await nav(page, 'Invites');
  await page.getByLabel('Organization').fill(org);
  const value = await page.locator('select[aria-label="Job"] option', { hasText: JOB }).getAttribute('value');
  check(value, 'the job is offered in the invite form');
  await page.getByLabel('Job').selectOption(value);
  await page.getByRole('button', { name: 'Create invite' }).click();
  const code = page.getByTestId('new-invite');
  await waitFor(`the invite for ${org}`, async () => (await code.textContent())?.startsWith('fedunify1.'));
  await page.getByTestId('invites-table').getByText(org).waitFor();
  return ((await code.textContent()) ?? '').trim();
}

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
    const [download] = await Promise.all([
      page.waitForEvent('download'),
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
    const hubDir = tempDir('hub', cleanup);
    const hub = await sc.step('start a real hub', () =>
      startHub({
        dataDir: hubDir,
        port: 0,
        host: '127.0.0.1',
        quiet: true,
        consoleDir: join(REPO, 'dist', 'renderer', 'console'),
      }),
    );
    cleanup.unshift(() => hub.close());
    check(hub.operator.password, 'a fresh hub prints an operator password');
    browser = await launchBrowser();
    const consolePage = await newPage(browser, errors, true);
    await sc.step('sign in to the console', () => signIn(consolePage, hub.url, hub.operator.password ?? ''));
    await sc.step('create a job with the wizard', () => createJobByWizard(consolePage));
    await sc.step('YAML errors show at their line; a fixed YAML creates the job', () =>
      createJobByYaml(consolePage),
    );
    const inviteA = await sc.step('create an invite for Org A', () => createInvite(consolePage, 'Org A'));
    const inviteB = await sc.step('create an invite for Org B', () => createInvite(consolePage, 'Org B'));

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
    await sc.step('participant UI: load data and see samples, histogram, no problems', () =>
      pickData(partPage),
    );
    await sc.step('the one-time link is refused a second time', async () => {
      const res = await fetch(new URL('/session', uiUrl), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: new URL(uiUrl).searchParams.get('token') }),
      });
      check(res.status === 403, `a replayed token gets 403, got ${res.status}`);
    });

    await sc.step('console: both participants appear', async () => {
      await nav(consolePage, 'Jobs');
      await consolePage.getByTestId('jobs-table').getByText(JOB).click();
      await waitFor(
        'two participant rows',
        async () => (await consolePage.getByTestId('participant-row').count()) === 2,
        90_000,
      );
      await screenshot(consolePage, 'console-participants');
    });
    await sc.step('participant UI: training progress is shown', async () => {
      await nav(partPage, 'Training');
      await waitFor(
        'a training round',
        async () => Number(await partPage.getByTestId('training-round').textContent()) >= 1,
        FEDERATION_TIMEOUT,
      );
      await screenshot(partPage, 'participant-training');
    });
    await sc.step('console: the job completes with 2 rounds of accuracy', async () => {
      await consolePage.getByRole('tab', { name: 'Rounds' }).click();
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
    await sc.step('console: download the unified model and check the files', () =>
      checkDownloads(consolePage, tempDir('downloads', cleanup)),
    );
    await sc.step('participant UI: rounds table and chart', async () => {
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
    });
    await sc.step('console: job list; delete a job after confirming', async () => {
      await nav(consolePage, 'Jobs');
      await consolePage.getByTestId('jobs-table').getByText('e2e-yaml').waitFor();
      await screenshot(consolePage, 'console-jobs');
      const row = consolePage.getByTestId('jobs-table').locator('tr', { hasText: 'e2e-yaml' });
      await row.getByRole('button', { name: 'Delete' }).click();
      await consolePage.getByRole('dialog').getByRole('button', { name: 'Delete job' }).click();
      await waitFor(
        'the row to go',
        async () => (await consolePage.getByTestId('jobs-table').getByText('e2e-yaml').count()) === 0,
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
