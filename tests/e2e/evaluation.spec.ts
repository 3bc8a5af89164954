import { expect, test } from './fixtures';
import { projectWithIris, trainMlp } from './helpers';

/**
 * Evaluation in Chromium against a real host: train iris for 10 epochs, evaluate on the
 * validation rows, check the 3×3 confusion matrix accounts for every validation row, and open a
 * cell to see the dataset rows behind it.
 */

test('iris: the confusion matrix covers the validation rows and a cell lists its rows', async ({ page, host }) => {
  test.setTimeout(150_000);
  await projectWithIris(page, host.url, 'Evaluation');
  await trainMlp(page, 10);

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
