import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { dragBetween, IRIS } from './helpers';

/**
 * The main job, end to end, in host mode with the real services and engine: a project, the iris
 * table, a model built with the mouse on the canvas, a short training run, a verified export.
 */

/** The two browser classes the drop test builds a DataTransfer from. */
interface BrowserGlobals {
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: string[], name: string, options: { type: string }) => unknown;
}

const node = (page: Page, type: string) => page.locator(`[data-testid="graph-node"][data-node-type="${type}"]`);
const edgeLabel = (page: Page, source: string, target: string) =>
  page.locator(`[data-testid="edge-shape"][data-source="${source}"][data-target="${target}"]`);

async function createProject(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('project-name-input').fill(name);
  await page.getByTestId('create-project-button').click();
  await expect(page.getByTestId('csv-drop-zone')).toBeVisible();
  await expect(page.getByTestId('nav-model')).toBeDisabled();
}

test('import iris, build a model with the mouse, train 5 epochs, export and verify', async ({
  page,
  host,
}, testInfo) => {
  test.setTimeout(120_000);
  await createProject(page, host.url, 'Iris end to end');

  // Data: through the visible file input.
  await page.getByTestId('csv-file-input').setInputFiles(IRIS);
  await expect(page.getByTestId('dataset-summary')).toContainText('150 rows');
  await expect(page.getByTestId('dataset-summary')).toContainText('iris.csv');
  const columns = page.getByTestId('column-table');
  await expect(columns.locator('tbody tr')).toHaveCount(5);
  await expect(columns.locator('tr[data-column="species"]')).toContainText('categorical');
  await expect(columns.locator('tr[data-column="sepal_length"]')).toContainText('numeric');
  await expect(page.getByTestId('preview-table').locator('tbody tr').first()).toContainText('setosa');
  await page.getByTestId('target-select').selectOption('species');
  await expect(page.getByTestId('task-select')).toHaveValue('classification');
  await expect(page.getByTestId('task-summary')).toContainText(
    '3 classes: setosa, versicolor, virginica → softmax output',
  );
  await expect(page.getByTestId('target-select').locator('option')).toHaveCount(5);

  // Model: the Linear template, then Input → Dense → Output built with the mouse.
  await page.getByTestId('nav-model').click();
  await page.getByTestId('template-linear').click();
  await expect(page.getByTestId('graph-node')).toHaveCount(2);
  await expect(node(page, 'Output').getByTestId('node-params')).toHaveText('15 params'); // 4 × 3 + 3
  await expect(page.getByTestId('total-params')).toHaveText('15');

  const canvas = page.getByTestId('graph-canvas');
  const box = (await canvas.boundingBox())!;
  await page
    .getByTestId('palette-Dense')
    .dragTo(canvas, { targetPosition: { x: box.width * 0.78, y: box.height * 0.45 } });
  await expect(node(page, 'Dense')).toHaveCount(1);
  const dense = node(page, 'Dense');
  // A fresh layer is not connected yet, and says so on the node.
  await expect(dense.getByTestId('node-error')).toContainText('no input');
  await expect(page.getByTestId('graph-issues')).toContainText('to fix before training');

  await dragBetween(
    page,
    node(page, 'Input').locator('.react-flow__handle.source'),
    dense.locator('.react-flow__handle.target'),
  );
  await expect(edgeLabel(page, 'input', 'dense_1')).toHaveText('(None, 4)');
  await dragBetween(
    page,
    dense.locator('.react-flow__handle.source'),
    node(page, 'Output').locator('.react-flow__handle.target'),
  );
  await expect(edgeLabel(page, 'dense_1', 'output')).toHaveText('(None, 16)');
  // The Output now has two inputs: the problem shows on the node until the old edge goes.
  await expect(node(page, 'Output').getByTestId('node-error')).toContainText('one input');

  await edgeLabel(page, 'input', 'output').click();
  await page.keyboard.press('Delete');
  await expect(edgeLabel(page, 'input', 'output')).toHaveCount(0);
  await expect(page.getByTestId('edge-shape')).toHaveCount(2);
  await expect(page.getByTestId('node-error')).toHaveCount(0);
  await expect(dense.getByTestId('node-params')).toHaveText('80 params'); // 4 × 16 + 16
  await expect(node(page, 'Output').getByTestId('node-params')).toHaveText('51 params'); // 16 × 3 + 3
  await expect(page.getByTestId('total-params')).toHaveText('131');
  await expect(page.getByTestId('model-summary')).toContainText('(None, 16)');
  await expect(page.getByTestId('graph-issues')).toContainText('The model is valid');

  // The selected layer's settings.
  await dense.click();
  await expect(page.getByTestId('units-input')).toHaveValue('16');
  await expect(page.getByTestId('activation-select')).toHaveValue('relu');

  // Train: 5 epochs.
  await page.getByTestId('nav-train').click();
  await page.getByTestId('epochs-input').fill('0');
  await expect(page.getByTestId('train-button')).toBeDisabled();
  await expect(page.locator('#train-epochs-msg')).toContainText('at least 1');
  await page.getByTestId('epochs-input').fill('5');
  await expect(page.getByTestId('train-button')).toBeEnabled();
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toContainText('completed', { timeout: 90_000 });
  await expect(page.getByTestId('epoch-counter')).toHaveText('Epoch 5 / 5');
  const loss = page.getByTestId('loss-chart');
  await expect(loss).toHaveAttribute('data-train-points', '5');
  await expect(loss).toHaveAttribute('data-val-points', '5');
  // Two epoch lines with dots (the smoothed per-batch line has none): 5 + 5 drawn points.
  await expect(loss.locator('.chart-dots circle')).toHaveCount(10);
  await expect(loss).toContainText('Training loss');
  await expect(loss).toContainText('Validation loss');
  await expect(page.getByTestId('metric-chart')).toHaveAttribute('data-val-points', '5');
  await expect(page.getByTestId('backend-info')).toContainText('Backend');
  await expect(page.getByTestId('run-history').getByTestId('run-item')).toHaveCount(1);
  const shot = testInfo.outputPath('trained.png');
  await page.screenshot({ path: shot });
  await testInfo.attach('trained', { path: shot, contentType: 'image/png' });

  // Export to a folder inside the workspace, verified by reloading.
  const outDir = path.join(host.workspace, 'e2e-exports', 'iris-model');
  await page.getByTestId('nav-export').click();
  await page.getByTestId('export-dir-input').fill(outDir);
  await page.getByTestId('export-button').click();
  await expect(page.getByTestId('export-parity')).toContainText('Verified with tf.loadLayersModel', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('export-result')).toContainText(outDir);
  for (const file of [
    'model.json',
    'weights.bin',
    'preprocessing.json',
    'predict.mjs',
    'predict.py',
    'MODEL_CARD.md',
  ]) {
    expect((await stat(path.join(outDir, file))).size, file).toBeGreaterThan(0);
  }
  const model = JSON.parse(await readFile(path.join(outDir, 'model.json'), 'utf8')) as {
    modelTopology?: unknown;
    weightsManifest?: unknown;
  };
  expect(model.modelTopology).toBeTruthy();
  expect(model.weightsManifest).toBeTruthy();
  const prep = JSON.parse(await readFile(path.join(outDir, 'preprocessing.json'), 'utf8')) as {
    target: string;
    labels: string[];
  };
  expect(prep.target).toBe('species');
  expect(prep.labels).toEqual(['setosa', 'versicolor', 'virginica']);

  // A uint8-quantized TF.js export: a quarter of the weights, with its accuracy change shown.
  const quantizedDir = path.join(host.workspace, 'e2e-exports', 'iris-uint8');
  await page.getByTestId('export-quantize-select').selectOption('uint8');
  await page.getByTestId('export-dir-input').fill(quantizedDir);
  await page.getByTestId('export-button').click();
  await expect(page.getByTestId('export-result')).toContainText(quantizedDir, { timeout: 60_000 });
  await expect(page.getByTestId('export-parity')).toContainText('Checked with tf.loadLayersModel');
  await expect(page.getByTestId('export-size')).toContainText('75% smaller');
  await expect(page.getByTestId('export-accuracy')).toContainText(
    /% in the app → [\d.]+% exported \([+-][\d.]+ points\)/,
  );
  const quantized = JSON.parse(await readFile(path.join(quantizedDir, 'model.json'), 'utf8')) as {
    weightsManifest: { weights: { quantization?: { dtype: string } }[] }[];
  };
  expect(quantized.weightsManifest[0]!.weights.every((w) => w.quantization?.dtype === 'uint8')).toBe(true);

  // Reopening restores the project as it was.
  await page.reload();
  await expect(page.getByTestId('nav-export')).toBeEnabled();
  await page.getByTestId('nav-model').click();
  await expect(page.getByTestId('graph-node')).toHaveCount(3);
  await expect(page.getByTestId('total-params')).toHaveText('131');
  await page.getByTestId('nav-train').click();
  await expect(page.getByTestId('epochs-input')).toHaveValue('5');
  await expect(page.getByTestId('run-item')).toHaveCount(1);
});

test('a CSV dropped on the window is imported, and a broken one explains why', async ({ page, host }) => {
  test.setTimeout(60_000);
  await createProject(page, host.url, 'Dropped data');
  const zone = page.getByTestId('csv-drop-zone');

  const drop = async (name: string, text: string) => {
    const dataTransfer = await page.evaluateHandle(
      ([fileName, body]) => {
        // Runs in the page; this file is type-checked without the DOM library.
        const page = globalThis as unknown as BrowserGlobals;
        const dt = new page.DataTransfer();
        dt.items.add(new page.File([body], fileName, { type: 'text/csv' }));
        return dt;
      },
      [name, text] as const,
    );
    await zone.dispatchEvent('dragenter', { dataTransfer });
    await zone.dispatchEvent('dragover', { dataTransfer });
    await zone.dispatchEvent('drop', { dataTransfer });
  };

  await drop('header-only.csv', 'a,b,c\n');
  await expect(page.getByTestId('import-error')).toBeVisible();
  await expect(page.getByTestId('import-error')).toContainText('header-only.csv');
  await expect(page.getByTestId('nav-model')).toBeDisabled();

  await drop('iris.csv', await readFile(IRIS, 'utf8'));
  await expect(page.getByTestId('dataset-summary')).toContainText('150 rows');
  await expect(page.getByTestId('import-error')).toHaveCount(0);
  await expect(page.getByTestId('target-select')).toHaveValue('species');
  await expect(page.getByTestId('nav-model')).toBeEnabled();
});
