/** The operator's steps in the console, shared by the end-to-end scenarios. */
import type { Page } from 'playwright-core';
import { check, waitFor } from './harness.ts';
import { screenshot } from './support.ts';

export const JOB = 'e2e-federation';

/** Clicks a sidebar entry (its badge may follow the label). */
export function nav(page: Page, label: string): Promise<void> {
  return page
    .getByRole('navigation')
    .getByRole('button', { name: new RegExp(`^${label}`) })
    .click();
}

/** Signs in; the user name box starts empty (no guessed name that may not exist). */
export async function signIn(page: Page, url: string, user: string, password: string): Promise<void> {
  await page.goto(url);
  const name = page.getByLabel('User name');
  check((await name.inputValue()) === '', 'the user name is not prefilled');
  await name.fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
}

/** The wizard, including a step it must refuse to leave while Rounds is 0. */
export async function createJobByWizard(page: Page): Promise<void> {
  await page.getByRole('button', { name: '+ New job' }).click();
  check(page.url().endsWith('#/jobs/new'), `the wizard has its own address, got ${page.url()}`);
  await page.getByRole('tab', { name: /Basics/ }).waitFor();
  await page.getByLabel('Job name').fill(JOB);
  await page.getByRole('button', { name: /Next: Model/ }).click();
  await page.getByText('106,442 parameters').waitFor();
  await page.getByRole('button', { name: /Next: Method/ }).click();
  await page.getByRole('radio', { name: /^avg/ }).click();
  await screenshot(page, 'console-create-wizard');
  await page.getByRole('button', { name: /Next: Training/ }).click();
  await page.getByLabel('Rounds').fill('0');
  await page.getByText('Rounds must be at least 1.').first().waitFor();
  await page.getByRole('button', { name: /Next: Stopping/ }).click();
  const selected = await page
    .getByRole('tablist', { name: 'Wizard steps' })
    .getByRole('tab', { selected: true })
    .textContent();
  check(/Training/.test(selected ?? ''), `the wizard stays at Training while Rounds is 0, got "${selected}"`);
  await page
    .getByRole('alert')
    .getByText(/Fix this before going on/)
    .waitFor();
  await page.getByLabel('Rounds').fill('2');
  await page.getByRole('radio', { name: 'Steps', exact: true }).click();
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

/** YAML: an error at its line that clears when the line is edited; Cancel with edits asks first. */
export async function createJobByYaml(page: Page): Promise<void> {
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
  const editor = page.getByLabel('Job YAML');
  await editor.fill(bad);
  // Cancel with unsaved edits asks first; Escape keeps the edits and gives focus back.
  const cancel = page.getByRole('button', { name: 'Cancel', exact: true });
  await cancel.click();
  const dialog = page.getByRole('dialog', { name: 'Discard this job?' });
  await dialog.waitFor();
  check(
    await page.evaluate(() => document.activeElement?.closest('[role="dialog"]') !== null),
    'the dialog takes focus',
  );
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  check(await cancel.evaluate((el) => el === document.activeElement), 'focus returns to Cancel');
  check((await editor.inputValue()) === bad, 'the edits are kept');

  await page.getByRole('button', { name: 'Create job' }).click();
  const marker = page.locator('[data-testid="yaml-inline-error"][data-line="4"]');
  await marker.waitFor();
  const text = (await marker.textContent()) ?? '';
  check(/Rounds must be a number/.test(text), `the error at line 4 says it in plain words, got "${text}"`);
  await page.getByRole('alert').filter({ hasText: 'rejected' }).waitFor();
  await screenshot(page, 'console-yaml-error');
  await editor.fill(bad.replace('rounds: zero', 'rounds: 3'));
  await marker.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Create job' }).click();
  await page.getByRole('heading', { name: /e2e-yaml/ }).waitFor();
}

/** Opens a job from the list with the keyboard only: Tab to its row, Enter. */
export async function openJobByKeyboard(page: Page, name: string): Promise<void> {
  await nav(page, 'Jobs');
  await page.getByTestId('jobs-table').getByText(name).waitFor();
  await page.locator('body').focus();
  await waitFor(
    `keyboard focus on the row of ${name}`,
    async () => {
      await page.keyboard.press('Tab');
      return page.evaluate(
        (n) => document.activeElement?.tagName === 'TR' && document.activeElement.textContent?.includes(n),
        name,
      );
    },
    20_000,
    0,
  );
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: new RegExp(name) }).waitFor();
}

/** From a job's page, "Invite an organization" opens the invite form with that job chosen. */
export async function createInviteFromJob(page: Page, org: string): Promise<string> {
  const jobUrl = page.url();
  const jobId = decodeURIComponent(/#\/jobs\/([^/]+)\//.exec(jobUrl)?.[1] ?? '');
  check(jobId, `the job page has an address with the job id, got ${jobUrl}`);
  await page.getByRole('button', { name: 'Invite an organization' }).click();
  await page.getByRole('heading', { name: 'Invites' }).waitFor();
  const chosen = await page.getByLabel('Job').inputValue();
  check(chosen === jobId, `the invite form preselects the job of the page (${jobId}), got "${chosen}"`);
  await page.getByLabel('Organization').fill(org);
  await page.getByRole('button', { name: 'Create invite' }).click();
  const code = page.getByTestId('new-invite');
  await waitFor(`the invite for ${org}`, async () => (await code.textContent())?.startsWith('fedunify1.'));
  await page.getByTestId('invites-table').getByText(org).waitFor();
  const invite = ((await code.textContent()) ?? '').trim();
  await page.goBack();
  await page.getByRole('heading', { name: new RegExp(JOB) }).waitFor();
  return invite;
}
