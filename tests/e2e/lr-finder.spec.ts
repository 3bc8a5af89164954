import { expect, test } from './fixtures';
import { projectWithIris, trainMlp } from './helpers';

/**
 * Learning rate 'auto' in the app: new settings have it on, a run shows the LR range test's
 * curve with the rate it found, and "Find learning rate" runs the test alone, whose rate one
 * click puts into the settings as a fixed rate.
 */
test('auto learning rate: the run shows its LR range test; Find learning rate, then train with its rate', async ({
  page,
  host,
}) => {
  test.setTimeout(180_000);
  await projectWithIris(page, host.url, 'LR finder');
  await page.getByTestId('nav-model').click();
  await page.getByTestId('nav-train').click();
  await expect(page.getByTestId('learning-rate-auto')).toBeChecked();
  await trainMlp(page, 3);
  const chart = page.getByTestId('lr-finder-chart');
  await expect(chart).toBeVisible();
  await expect(chart).toContainText(/Learning rate: auto → \d\.\de-\d/);
  await expect(chart.locator('svg path').first()).toBeVisible();
  const suggestion = Number(await chart.getAttribute('data-suggestion'));
  expect(suggestion).toBeGreaterThanOrEqual(1e-4);
  expect(suggestion).toBeLessThanOrEqual(1e-2);

  // The test alone: a run that trains nothing, its rate one click away.
  await page.getByTestId('find-lr-button').click();
  await expect(page.getByTestId('lr-finder-only')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('run-status')).toContainText('completed');
  await page.getByTestId('use-found-rate').click();
  await expect(page.getByTestId('learning-rate-auto')).not.toBeChecked();
  await expect(page.getByTestId('learning-rate-input')).toHaveValue(/^\d/);
  // Typing a rate is choosing a fixed one; ticking auto again brings auto back.
  await page.getByTestId('learning-rate-auto').check();
  await expect(page.getByTestId('learning-rate-input')).toHaveValue('');
});
