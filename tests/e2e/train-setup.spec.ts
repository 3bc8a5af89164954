import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { projectWithIris } from './helpers';

/**
 * The training setup the window checks is the run manager's own (app/setup's resolveSetup): the
 * model follows a new target, and a setting that no longer fits the task is said on its field and
 * blocks Train until it is changed (issue 15).
 */
async function openAdvanced(page: Page): Promise<void> {
  const advanced = page.getByTestId('advanced-settings');
  if ((await advanced.getAttribute('open')) === null) await advanced.locator('summary').click();
  await expect(advanced).toHaveAttribute('open', '');
}

test('a new target resizes the model, and a loss that no longer fits shows on its field and blocks Train', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  await projectWithIris(page, host.url, 'Setup');
  await page.getByTestId('nav-model').click();
  await page.getByTestId('template-linear').click();
  const confirm = page.getByTestId('confirm-template');
  if (await confirm.isVisible()) await confirm.click();
  // 4 measurements → 3 species: 4 × 3 weights + 3 biases.
  await expect(page.getByTestId('total-params')).toHaveText('15');

  await page.getByTestId('nav-train').click();
  await openAdvanced(page);
  await page.getByTestId('loss-select').selectOption('sparseCategoricalCrossentropy');
  await expect(page.getByTestId('loss-error')).toHaveCount(0);
  await expect(page.getByTestId('train-button')).toBeEnabled();

  // Predict a number instead: the model follows (3 measurements + 3 one-hot species → 1 output).
  await page.getByTestId('nav-data').click();
  await page.getByTestId('target-select').selectOption('petal_width');
  await expect(page.getByTestId('task-select')).toHaveValue('regression');
  await page.getByTestId('nav-model').click();
  await expect(page.getByTestId('total-params')).toHaveText('7');

  await page.getByTestId('nav-train').click();
  await openAdvanced(page);
  await expect(page.getByTestId('loss-error')).toContainText(
    'sparseCategoricalCrossentropy compares class probabilities, but this is a regression task',
  );
  await expect(page.getByTestId('train-blockers')).toContainText('Training settings: loss: ');
  await expect(page.getByTestId('train-button')).toBeDisabled();

  await page.getByTestId('loss-select').selectOption('');
  await expect(page.getByTestId('loss-error')).toHaveCount(0);
  await expect(page.getByTestId('train-blockers')).not.toContainText('Training settings');
  await expect(page.getByTestId('train-button')).toBeEnabled();
});
