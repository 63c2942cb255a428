/** The console in an 800×600 window: what a person on a small laptop screen sees. */
import type { Browser, Page } from 'playwright-core';
import { check, waitFor } from './harness.ts';
import { newPage, screenshot, type HubProcess } from './support.ts';
import { JOB, nav, signIn } from './console-steps.ts';

/** Whether every horizontally cut-off table is marked as scrolling (a shadow and "scroll →"). */
function everyWideTableSaysSo(page: Page): Promise<boolean> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('.table-wrap')).every(
      (el) => el.scrollWidth <= el.clientWidth + 2 || el.parentElement?.classList.contains('more') === true,
    ),
  );
}

/** Signs in at 800×600, checks the layout and saves screenshots; then checks the Rounds table at 1280. */
export async function checkSmallWindow(browser: Browser, hub: HubProcess, errors: string[]): Promise<void> {
  const page = await newPage(browser, errors, true, { width: 800, height: 600 });
  try {
    await signIn(page, hub.url, hub.username, hub.password);
    const side = await page.getByRole('navigation').boundingBox();
    check(
      side && side.height < 120 && side.width > 700,
      `the sidebar is a top bar, got ${JSON.stringify(side)}`,
    );
    const del = page
      .getByTestId('jobs-table')
      .locator('tr', { hasText: JOB })
      .getByRole('button', { name: 'Delete' });
    const box = await del.boundingBox();
    check(box && box.x + box.width <= 800, `the row's Delete button is in view, got ${JSON.stringify(box)}`);
    await screenshot(page, 'console-jobs-800x600');

    await page.getByTestId('jobs-table').getByText(JOB).click();
    await page.getByRole('tab', { name: 'Rounds' }).click();
    await page.getByTestId('rounds-table').waitFor();
    await page.getByTestId('rounds-chart').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `the page does not scroll sideways at 800 pixels (${overflow} px too wide)`);
    await screenshot(page, 'console-job-detail-800x600');
    // Every table cut off on the right says so; narrower still, the Participants table must scroll.
    check(await everyWideTableSaysSo(page), 'a table cut off at 800 pixels does not show that it scrolls');
    await page.getByRole('tab', { name: 'Participants' }).click();
    await page.getByTestId('participants-table').waitFor();
    check(await everyWideTableSaysSo(page), 'a table cut off at 800 pixels does not show that it scrolls');
    await page.setViewportSize({ width: 560, height: 600 });
    await waitFor(
      'the Participants table to say it scrolls',
      async () => (await page.locator('.table-scroll.more').count()) > 0,
      10_000,
    );
    check(await everyWideTableSaysSo(page), 'a table cut off at 560 pixels does not show that it scrolls');

    await page.setViewportSize({ width: 1280, height: 800 });
    await nav(page, 'Jobs');
    await page.getByTestId('jobs-table').getByText(JOB).click();
    await page.getByRole('tab', { name: 'Rounds' }).click();
    const fits = await page
      .getByTestId('rounds-table')
      .evaluate((t) =>
        t.parentElement ? t.parentElement.scrollWidth <= t.parentElement.clientWidth : false,
      );
    check(fits, 'the Rounds table fits a 1280-pixel window without scrolling');
  } finally {
    await page.context().close();
  }
}
