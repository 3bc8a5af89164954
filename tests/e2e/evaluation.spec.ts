import path from 'node:path';
import { expect, test } from './fixtures';

/**
 * Evaluation in Chromium against a real host: train iris for 10 epochs, evaluate on the
 * validation rows, check the 3×3 confusion matrix accounts for every validation row, and open a
 * cell to see the dataset rows behind it.
 */

const IRIS = path.resolve(import.meta.dirname, '../../resources/iris.csv');

test('iris: the confusion matrix covers the validation rows and a cell lists its rows', async ({ page, host }) => {
  test.setTimeout(150_000);
  await page.goto(host.url);
  await page.getByTestId('project-name-input').fill('Evaluation');
  await page.getByTestId('create-project-button').click();
  await page.getByTestId('csv-file-input').setInputFiles(IRIS);
  await expect(page.getByTestId('dataset-summary')).toContainText('150 rows');
  await page.getByTestId('target-select').selectOption('species');
  await expect(page.getByTestId('task-select')).toHaveValue('classification');

  await page.getByTestId('nav-model').click();
  await page.getByTestId('template-mlp').click();
  const confirm = page.getByTestId('confirm-template');
  if (await confirm.isVisible()) await confirm.click();
  await expect(page.getByTestId('graph-issues')).toContainText('The model is valid');

  await page.getByTestId('nav-train').click();
  await page.getByTestId('epochs-input').fill('10');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toContainText('completed', { timeout: 120_000 });

  const panel = page.getByTestId('evaluation-panel');
  await expect(panel).toContainText('validation split');
  await panel.getByTestId('evaluate-button').click();
  // 20% of 150 rows are held out for validation.
  await expect(panel.getByTestId('evaluation-scope')).toContainText('all 30 validation rows');
  const matrix = panel.getByTestId('confusion-matrix');
  await expect(matrix).toHaveAttribute('data-classes', '3');
  const cells = matrix.getByTestId('confusion-cell');
  await expect(cells).toHaveCount(9);
  const counts: number[] = [];
  for (let i = 0; i < 9; i++) counts.push(Number(await cells.nth(i).getAttribute('data-count')));
  expect(counts.reduce((a, b) => a + b, 0)).toBe(30);
  await expect(panel.getByTestId('class-table')).toContainText('setosa');

  // Open the fullest cell: its rows are listed, each a raw iris row of the cell's actual class.
  const fullest = counts.indexOf(Math.max(...counts));
  await cells.nth(fullest).click();
  const examples = panel.getByTestId('cell-examples');
  await expect(examples.getByTestId('example-row')).toHaveCount(counts[fullest]!);
  const actual = ['setosa', 'versicolor', 'virginica'][Math.floor(fullest / 3)]!;
  await expect(examples).toContainText(`Actual ${actual}`);
  const species = await examples.getByTestId('example-row').locator('td:last-child').allTextContents();
  expect(new Set(species)).toEqual(new Set([actual]));
  await expect(panel.getByTestId('roc-chart')).toBeVisible();
});
