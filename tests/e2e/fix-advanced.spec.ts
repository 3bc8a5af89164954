import { expect, test } from './fixtures';

/**
 * A one-click fix that changes a setting inside the folded Advanced section opens the section and
 * marks the field (issue 14): labels that are pure noise make any model memorise its training
 * rows, so the diagnosis reliably finds overfitting and offers early stopping, an Advanced setting.
 */
function noiseCsv(rows: number): string {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines = ['f1,f2,f3,f4,f5,f6,label'];
  for (let r = 0; r < rows; r++)
    lines.push([...Array.from({ length: 6 }, () => rand().toFixed(3)), rand() < 0.5 ? 'a' : 'b'].join(','));
  return lines.join('\n') + '\n';
}

test('the early-stopping fix opens Advanced and marks the changed field', async ({ page, host }) => {
  test.setTimeout(240_000);
  await page.goto(host.url);
  await page.getByTestId('project-name-input').fill('Noise');
  await page.getByTestId('create-project-button').click();
  await page
    .getByTestId('csv-file-input')
    .setInputFiles({ name: 'noise.csv', mimeType: 'text/csv', buffer: Buffer.from(noiseCsv(120)) });
  await page.getByTestId('nav-train').click();
  await page.getByTestId('epochs-input').fill('150');
  await page.getByTestId('batch-size-input').fill('8');
  await page.getByTestId('learning-rate-input').fill('0.01');
  const advanced = page.getByTestId('advanced-settings');
  // Early stopping is on by default: turned off for this run, and the section folded again.
  await advanced.locator('summary').click();
  await page.getByTestId('early-stopping-check').uncheck();
  await advanced.locator('summary').click();
  await expect(advanced).not.toHaveAttribute('open', '');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toContainText('completed', { timeout: 200_000 });

  const fix = page.locator('[data-testid="fix-button"][data-fix="early_stopping"]');
  await expect(fix).toBeVisible();
  await expect(advanced).not.toHaveAttribute('open', '');
  await fix.click();
  await expect(advanced).toHaveAttribute('open', '');
  await expect(page.getByTestId('early-stopping-check')).toBeChecked();
  await expect(page.getByTestId('early-stopping-check').locator('xpath=..')).toHaveClass(/is-changed/);
  await expect(page.getByTestId('fix-note')).toContainText('(Advanced)');
});
