import { expect, test } from './fixtures';
import { projectWithIris, trainMlp } from './helpers';

/**
 * The inference playground in Chromium against a real host: train iris, then type a row in the
 * Export step's "Try it" panel and read the prediction and its probability bars.
 */

test('a trained iris model predicts a typed setosa row, a bad cell is named, and its learning curve is read', async ({
  page,
  host,
}, testInfo) => {
  test.setTimeout(150_000);
  await projectWithIris(page, host.url, 'Playground');
  await trainMlp(page, 25);

  await page.getByTestId('nav-export').click();
  const panel = page.getByTestId('playground');
  await expect(panel.getByTestId('playground-field-sepal_length')).not.toHaveValue('');
  // Prefilled with the first validation row: a number from the CSV.
  expect(Number(await panel.getByTestId('playground-field-petal_width').inputValue())).toBeGreaterThanOrEqual(0.1);

  for (const [name, value] of Object.entries({
    sepal_length: '5.1',
    sepal_width: '3.5',
    petal_length: '1.4',
    petal_width: '0.2',
  })) {
    await panel.getByTestId(`playground-field-${name}`).fill(value);
  }
  await panel.getByTestId('predict-button').click();
  await expect(panel.getByTestId('predict-label')).toHaveText('setosa');
  await expect(panel.getByTestId('predict-result')).toContainText('versicolor');
  await expect(panel.locator('.recharts-bar-rectangle')).toHaveCount(3);
  await panel.screenshot({ path: testInfo.outputPath('playground.png') });

  await panel.getByTestId('playground-field-petal_width').fill('wide');
  await panel.getByTestId('predict-button').click();
  await expect(panel.getByTestId('predict-error')).toContainText('column "petal_width": "wide" is not a number');
  await expect(panel.getByTestId('predict-result')).toHaveCount(0);

  // The learning curve of the same run, on demand in the Train step.
  await page.getByTestId('nav-train').click();
  const curve = page.getByTestId('learning-curve-panel');
  await curve.getByTestId('learning-curve-button').click();
  await expect(curve.getByTestId('learning-curve-progress')).toBeVisible();
  await expect(curve.getByTestId('learning-curve-chart')).toHaveAttribute('data-points', '4', { timeout: 90_000 });
  await expect(curve.getByTestId('learning-curve-chart')).toContainText('Validation accuracy');
  await expect(curve.getByTestId('learning-curve-reading')).toContainText(
    /more data likely helps|more capacity or better features|nothing left for more data/,
  );
  await expect(curve.getByTestId('learning-curve-reading')).toContainText('on 120');
  await curve.screenshot({ path: testInfo.outputPath('learning-curve.png') });
});
