import { expect, test } from './fixtures';
import { projectWithIris, trainMlp } from './helpers';

/**
 * Per-column choices and the test split in Chromium against a real host: ignore a column (the
 * model's input width follows), hold out a stratified 20% test split, train, then evaluate the
 * test split through its confirm, labelled as such and kept with the run.
 */
test('iris: column choices size the inputs; the test split is evaluated once, on request, and labelled', async ({
  page,
  host,
}) => {
  test.setTimeout(180_000);
  await projectWithIris(page, host.url, 'Test split');

  await expect(page.getByTestId('col-width-sepal_length')).toHaveText('→ 1');
  await page.getByTestId('col-role-sepal_length').selectOption('ignore');
  await expect(page.getByTestId('task-summary')).toContainText('encoded as 3 numbers');
  await expect(page.getByTestId('col-scaling-sepal_length')).toBeDisabled();
  await page.getByTestId('col-scaling-petal_length').selectOption('minmax');

  await page.getByTestId('split-method').selectOption('stratified');
  await page.getByTestId('split-test-share').fill('20');
  await page.getByTestId('split-test-share').press('Enter');
  await expect(page.getByTestId('split-shares')).toContainText('test 20%');

  await trainMlp(page, 3);
  const section = page.getByTestId('test-split');
  await expect(page.getByTestId('test-score')).toHaveCount(0);
  await section.getByTestId('evaluate-test-button').click();
  await expect(section.getByTestId('test-confirm')).toContainText('Do it once, when you are done tuning');
  await section.getByTestId('confirm-test-button').click();
  // Stratified 20% of 150 rows: 10 of each class.
  await expect(section.getByTestId('test-scope')).toContainText('all 30 held-out rows', { timeout: 60_000 });
  await expect(section.getByTestId('test-score')).toContainText('Test split');
  await expect(section.getByTestId('test-score')).toContainText('on 30 rows');
  const cells = section.getByTestId('confusion-cell');
  let total = 0;
  for (let i = 0; i < (await cells.count()); i++) total += Number(await cells.nth(i).getAttribute('data-count'));
  expect(total).toBe(30);
});
