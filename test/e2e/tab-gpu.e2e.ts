/**
 * `fedunify join --ui --gpu-tab --backend webgpu` trains on the GPU of the participant UI's own browser tab:
 * `fedunify hub` and `join --ui` run as child processes, the participant UI runs in Chromium with
 * its WebGPU adapter (SwiftShader here: software, so correct but slow), and the round's training
 * happens in the page's hidden GPU engine frame, not in the `join` process.
 */
import type { Browser } from 'playwright-core';
import { nav } from './console-steps.ts';
import { Scenario, StepFailed, check, waitFor } from './harness.ts';
import { launchBrowser, newPage, operatorApi, startCli, startHubCli, tempDir } from './support.ts';

/** One participant, one round of two small steps: on a software adapter a step takes seconds. */
const JOB = {
  name: 'e2e-tab-gpu',
  rounds: 1,
  localSteps: 2,
  batchSize: 16,
  minParticipants: 1,
  compareMethods: [],
};

/** Runs the scenario; returns its step results. */
export async function runTabGpuScenario(): Promise<Scenario> {
  const sc = new Scenario("join --ui trains on the browser tab's GPU");
  process.stdout.write(`${sc.name}\n`);
  const cleanup: (() => Promise<void> | void)[] = [];
  const errors: string[] = [];
  let browser: Browser | null = null;
  try {
    const hub = await sc.step('start `fedunify hub` and create a one-participant job', async () =>
      startHubCli(cleanup),
    );
    const api = await operatorApi(hub);
    const job = await api.createJob(JOB);
    const { invite } = await api.createInvite('Org G', job.id);
    const ui = startCli(
      [
        'join',
        '--ui',
        '--gpu-tab',
        '--backend',
        'webgpu',
        '--data',
        'fashion-mnist',
        '--limit',
        '200',
        '--test-limit',
        '50',
        '--state-dir',
        tempDir('org-g', cleanup),
      ],
      cleanup,
    );
    const uiUrl = (await ui.waitForOutput(/open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/))[1];
    browser = await launchBrowser({ gpu: true });
    const page = await newPage(browser, errors);
    await sc.step('the participant page hosts the GPU engine frame, out of sight', async () => {
      await page.goto(uiUrl);
      await page.getByRole('heading', { name: 'Join a federation' }).waitFor();
      const frame = page.getByTestId('gpu-engine-frame');
      await frame.waitFor({ state: 'attached' });
      const box = await frame.boundingBox();
      check(
        box === null || (box.width <= 1 && box.height <= 1),
        `the frame takes no room, got ${JSON.stringify(box)}`,
      );
      check(
        (await frame.getAttribute('aria-hidden')) === 'true',
        'the frame is hidden from assistive technology',
      );
    });
    await sc.step('join: the backend choice runs WebGPU in this tab after its self-test', async () => {
      await page.getByLabel('Invite').fill(invite);
      await page.getByRole('main').getByRole('button', { name: 'Join', exact: true }).click();
      const chosen = await ui.waitForOutput(/Compute backend: (\S+) \(([^\n]*)\)/, 90_000);
      check(chosen[1] === 'webgpu', `webgpu was chosen, got ${chosen[1]}`);
      check(
        /swiftshader .*in the participant UI's browser tab; evaluation on /.test(chosen[2]),
        `the device names the adapter and the tab, got "${chosen[2]}"`,
      );
    });
    await sc.step('the Training screen says which backend runs and where', async () => {
      await nav(page, 'Training');
      const compute = page.locator('.card', { hasText: 'Compute' });
      await compute.getByText('webgpu', { exact: true }).waitFor();
      await compute.getByText(/in the participant UI's browser tab/).waitFor();
    });
    await sc.step('the round trains in the tab and the job completes', async () => {
      await ui.waitForOutput(/Round 1: local accuracy [\d.]+ %/, 240_000);
      await ui.waitForOutput(/Job ended after round 1/, 60_000);
      check(!/GPU engine page failed/.test(ui.output()), 'training never left the tab');
      await waitFor(
        'the job shown as ended',
        async () => /The job has ended/.test((await page.locator('main').textContent()) ?? ''),
        30_000,
      );
    });
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
