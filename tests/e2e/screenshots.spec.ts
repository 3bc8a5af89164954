import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

/**
 * The screenshots in docs/screenshots (README), in the light and the dark theme: the first
 * screen, the data, model and train steps, the evaluation and the playground, from the iris
 * example. Run with LAYERLAB_SCREENSHOTS=1; otherwise skipped, since it only writes pictures.
 */

const OUT = path.resolve(import.meta.dirname, '../../docs/screenshots');

for (const theme of ['light', 'dark'] as const) {
  test(`screenshots, ${theme} theme`, async ({ page, host }) => {
    test.skip(!process.env.LAYERLAB_SCREENSHOTS, 'writes docs/screenshots only when LAYERLAB_SCREENSHOTS=1');
    test.setTimeout(180_000);
    // The page's localStorage (this file is type-checked without the DOM library).
    await page.addInitScript(
      (t) =>
        (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem(
          'layerlab.theme',
          t,
        ),
      theme,
    );
    const shot = (page: Page, name: string) => page.screenshot({ path: path.join(OUT, `${name}-${theme}.png`) });

    await page.goto(host.url);
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await expect(page.getByTestId('sample-list')).toBeVisible();
    await shot(page, 'welcome');

    await page.getByTestId('sample-iris').click();
    await expect(page.getByTestId('graph-issues')).toContainText('The model is valid');
    await page.getByTestId('graph-fit-view').click();
    await page.waitForTimeout(400);
    await shot(page, 'model');

    await page.getByTestId('nav-data').click();
    await expect(page.getByTestId('column-table')).toBeVisible();
    await shot(page, 'data');

    await page.getByTestId('nav-train').click();
    await page.getByTestId('epochs-input').fill('4');
    await page.getByTestId('train-button').click();
    await expect(page.getByTestId('run-status')).toContainText('completed', { timeout: 120_000 });
    // The progress bar eases to full (a 0.3 s width transition): shot once it is there.
    await page.waitForTimeout(400);
    await shot(page, 'train');

    const panel = page.getByTestId('evaluation-panel');
    await panel.getByTestId('evaluate-button').click();
    await expect(panel.getByTestId('roc-chart')).toBeVisible();
    await panel.getByTestId('roc-chart').scrollIntoViewIfNeeded();
    await shot(page, 'evaluation');

    await page.getByTestId('nav-export').click();
    const playground = page.getByTestId('playground');
    await playground.getByTestId('predict-button').click();
    await expect(playground.getByTestId('predict-result')).toBeVisible();
    await playground.scrollIntoViewIfNeeded();
    await shot(page, 'playground');
  });
}
