import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './fixtures';
import { projectWithIris, trainMlp } from './helpers';

/**
 * The runs table (issue 16.1) against host mode: two real runs that differ in batch size, the
 * table with both, their curves overlaid, a settings diff that names only what differs, then
 * rename, star and delete as a user does them.
 */
test('runs table: two runs, overlaid curves, the settings that differ, rename, star and delete', async ({
  page,
  host,
}, testInfo) => {
  test.setTimeout(240_000);
  await projectWithIris(page, host.url, 'Compare runs');
  await trainMlp(page, 3);
  await page.getByTestId('batch-size-input').fill('16');
  await page.getByTestId('epochs-input').fill('4');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-item')).toHaveCount(2);
  await expect(page.getByTestId('run-status')).toContainText('completed', { timeout: 120_000 });

  await page.getByTestId('open-runs-table').click();
  const rows = page.getByTestId('runs-row');
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId('runs-table')).toContainText('wasm');
  // Each row's best score is its kept epoch's, with the epoch named.
  await expect(rows.first().getByTestId('runs-best')).toContainText(/\d+\.\d% ep \d\/[34]/);

  // Sorting by time flips the order; the filter narrows by a setting.
  const firstId = await rows.first().getAttribute('data-run-id');
  await page.getByTestId('sort-duration').click();
  await page.getByTestId('sort-duration').click();
  await page.getByTestId('runs-filter').fill('batchSize=16');
  await expect(rows).toHaveCount(1);
  await page.getByTestId('runs-filter').fill('');
  await expect(rows).toHaveCount(2);

  await rows.nth(0).getByTestId('runs-select').check();
  await rows.nth(1).getByTestId('runs-select').check();
  const overlay = page.getByTestId('runs-overlay');
  await expect(overlay).toHaveAttribute('data-runs', '2');
  await expect(overlay.locator('.recharts-line-curve')).toHaveCount(2);
  const diff = page.getByTestId('runs-diff');
  await expect(diff.getByTestId('runs-diff-row')).toHaveCount(2);
  await expect(diff.locator('[data-key="epochs"]')).toBeVisible();
  await expect(diff.locator('[data-key="batchSize"]')).toContainText(/16/);
  await expect(diff).not.toContainText('optimizer');
  await expect(page.getByTestId('runs-parallel-line')).toHaveCount(2);

  // Rename and star one run; the names follow into the overlay's legend.
  await rows.nth(0).getByTestId('runs-rename').click();
  await page.getByTestId('runs-name-input').fill('first try');
  await page.getByTestId('runs-name-input').press('Enter');
  await expect(rows.nth(0).getByTestId('runs-rename')).toHaveText('first try');
  await rows.nth(0).getByTestId('runs-star').click();
  await expect(rows.nth(0).getByTestId('runs-star')).toHaveAttribute('aria-pressed', 'true');
  await expect(overlay).toContainText('first try');

  const shot = testInfo.outputPath('runs-table.png');
  await page.screenshot({ path: shot, fullPage: false });
  await testInfo.attach('runs-table', { path: shot, contentType: 'image/png' });
  if (process.env.RUNS_TABLE_SCREENSHOT) {
    await page.screenshot({ path: process.env.RUNS_TABLE_SCREENSHOT });
    await page
      .getByTestId('runs-parallel')
      .screenshot({ path: process.env.RUNS_TABLE_SCREENSHOT.replace('.png', '-parallel.png') });
  }

  // Delete the other run: gone from the table and from the Train step's history.
  const other = rows.filter({ hasNot: page.getByText('first try') });
  const otherId = await other.getAttribute('data-run-id');
  expect([firstId, otherId]).toContain(otherId);
  await other.getByTestId('runs-delete').click();
  await other.getByTestId('runs-delete-confirm').click();
  await expect(rows).toHaveCount(1);
  await page.getByTestId('close-runs-table').click();
  await expect(page.getByTestId('run-item')).toHaveCount(1);
  await expect(page.locator(`[data-testid="run-item"][data-run-id="${otherId}"]`)).toHaveCount(0);
});

/**
 * A study from the app: the space set in the editor, two trials training as runs of the project
 * with live progress, and the best trial's settings put into the Train form.
 */
test('study: search the learning rate from the app, watch the trials, use the best settings', async ({
  page,
  host,
}, testInfo) => {
  test.setTimeout(240_000);
  await projectWithIris(page, host.url, 'Search settings');
  await page.getByTestId('nav-model').click();
  await page.getByTestId('template-mlp').click();
  const confirm = page.getByTestId('confirm-template');
  if (await confirm.isVisible()) await confirm.click();
  await page.getByTestId('nav-train').click();
  await page.getByTestId('epochs-input').fill('3');

  await page.getByTestId('open-runs-table').click();
  await page.getByTestId('study-batch-on').uncheck();
  await page.getByTestId('study-lr-low').fill('0.001');
  await page.getByTestId('study-lr-high').fill('0.05');
  // The model is the mlp template: its hidden width is searched too.
  await page.getByTestId('study-units-on').check();
  await page.getByLabel('Hidden width from').fill('8');
  await page.getByLabel('Hidden width to').fill('16');
  await page.getByTestId('study-trials').fill('2');
  await page.getByTestId('study-start').click();
  const progress = page.getByTestId('study-progress');
  await expect(progress).toHaveAttribute('data-status', 'running');
  await expect(progress).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
  await expect(page.getByTestId('study-trial')).toHaveCount(2);
  await expect(page.getByTestId('study-trial').filter({ hasText: '(best)' })).toHaveCount(1);
  // The trials are runs of the project, in the table under their study's name.
  await expect(page.getByTestId('runs-row')).toHaveCount(2);
  await expect(page.getByTestId('runs-table')).toContainText('· trial 2');

  const shot = testInfo.outputPath('study.png');
  await page.getByTestId('study-panel').screenshot({ path: shot });
  if (process.env.RUNS_TABLE_SCREENSHOT)
    await page
      .getByTestId('study-panel')
      .screenshot({ path: process.env.RUNS_TABLE_SCREENSHOT.replace('.png', '-study.png') });

  const best = (await page.getByTestId('study-trial').filter({ hasText: '(best)' }).textContent())!;
  const rate = Number(/learningRate ([\d.e-]+)/.exec(best)![1]);
  await page.getByTestId('study-promote').click();
  await expect(page.getByTestId('study-applied')).toContainText('The Train form and the model now have trial');

  // A study Layerlab stopped in (its file as start-up leaves it: 'interrupted', one trial kept)
  // shows when the panel opens, and Resume trains the remaining trial, the first kept as it was.
  const dir = path.join(host.workspace, 'projects');
  const [projectDir] = await readdir(dir);
  const studiesDir = path.join(dir, projectDir!, 'studies');
  const [file] = await readdir(studiesDir);
  const study = JSON.parse(await readFile(path.join(studiesDir, file!), 'utf8'));
  const first = (await page.getByTestId('study-trial').first().textContent())!.replace(' (best)', '');
  await writeFile(
    path.join(studiesDir, file!),
    JSON.stringify({
      ...study,
      status: 'interrupted',
      error: 'Layerlab stopped while this study ran, after 1 of 2 trials. Resume it to go on.',
      trials: study.trials.slice(0, 1),
      best_trial: 0,
      interrupted_run: null,
    }),
  );
  await page.getByTestId('close-runs-table').click();
  await page.getByTestId('open-runs-table').click();
  await expect(progress).toHaveAttribute('data-status', 'interrupted');
  await expect(page.getByTestId('study-trial')).toHaveCount(1);
  if (process.env.RUNS_TABLE_SCREENSHOT)
    await page
      .getByTestId('study-panel')
      .screenshot({ path: process.env.RUNS_TABLE_SCREENSHOT.replace('.png', '-study-interrupted.png') });
  await page.getByTestId('study-resume').click();
  await expect(progress).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
  await expect(page.getByTestId('study-trial')).toHaveCount(2);
  await expect(page.getByTestId('study-trial').first()).toContainText(first);
  await expect(page.getByTestId('runs-row')).toHaveCount(3);
  await page.getByTestId('close-runs-table').click();
  await expect(page.getByTestId('learning-rate-auto')).not.toBeChecked();
  const value = Number(await page.getByTestId('learning-rate-input').inputValue());
  expect(Math.abs(value - rate) / rate).toBeLessThan(1e-3);
});
