import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { dragBetween, projectWithIris } from './helpers';

/**
 * The graph editor with the mouse only: a branching model (Dense → two Dense branches →
 * Concatenate → Output) built from the palette by click-to-insert, drag-and-drop and handle
 * connections; undo and redo through every step; then it trains on iris.
 */

const node = (page: Page, id: string) => page.locator(`[data-testid="graph-node"][data-node-id="${id}"]`);
const edge = (page: Page, source: string, target: string) =>
  page.locator(`[data-testid="edge-shape"][data-source="${source}"][data-target="${target}"]`);

/** Click a node on its title, away from its handles. */
const pick = (page: Page, id: string) => node(page, id).locator('.layer-node-head').click();

test('build a branching model with the mouse, undo and redo through it, and train it on iris', async ({
  page,
  host,
}) => {
  test.setTimeout(180_000);
  await projectWithIris(page, host.url, 'Branches');

  await page.getByTestId('nav-model').click();
  // The whole palette, grouped by family, with help texts.
  for (const family of ['Core', 'Convolution', 'Pooling', 'Reshaping', 'Normalization', 'Recurrent', 'Merge']) {
    await expect(page.getByTestId(`palette-group-${family}`)).toBeVisible();
  }
  await expect(page.getByTestId('palette-LSTM')).toContainText('long-range');
  await page.getByTestId('template-linear').click();
  await expect(page.getByTestId('graph-node')).toHaveCount(2);
  await expect(page.getByTestId('total-params')).toHaveText('15');

  // Click-to-insert: Input → dense_1 → dense_2 → concatenate_1 → Output.
  await pick(page, 'input');
  await page.getByTestId('palette-Dense').click();
  await expect(edge(page, 'dense_1', 'output')).toHaveText('(None, 16)');
  await pick(page, 'dense_1');
  await page.getByTestId('palette-Dense').click();
  await pick(page, 'dense_2');
  await page.getByTestId('palette-Concatenate').click();
  await expect(node(page, 'concatenate_1').getByTestId('node-error')).toContainText('connect at least 2 layers');
  await expect(page.getByTestId('continue-to-train')).toBeDisabled();

  // Drag a second Dense onto free canvas, then wire it: dense_1 → dense_3 → Concatenate's port 2.
  const canvas = page.getByTestId('graph-canvas');
  const box = (await canvas.boundingBox())!;
  await page
    .getByTestId('palette-Dense')
    .dragTo(canvas, { targetPosition: { x: box.width * 0.85, y: box.height * 0.45 } });
  await expect(node(page, 'dense_3')).toBeVisible();
  await dragBetween(
    page,
    node(page, 'dense_1').locator('.react-flow__handle.source'),
    node(page, 'dense_3').locator('.react-flow__handle.target'),
  );
  await expect(edge(page, 'dense_1', 'dense_3')).toHaveText('(None, 16)');
  await dragBetween(
    page,
    node(page, 'dense_3').locator('.react-flow__handle.source'),
    node(page, 'concatenate_1').locator('[data-testid="merge-port"][data-port="1"]'),
  );
  await expect(edge(page, 'dense_3', 'concatenate_1')).toHaveText('(None, 16)');
  await expect(edge(page, 'concatenate_1', 'output')).toHaveText('(None, 32)');
  await expect(page.getByTestId('node-error')).toHaveCount(0);
  // 4×16+16, 16×16+16 twice, 32×3+3
  await expect(page.getByTestId('total-params')).toHaveText('723');
  await expect(page.getByTestId('model-summary')).toContainText('concatenate_1');
  await page.getByTestId('graph-auto-layout').click();
  await expect(page.getByTestId('graph-issues')).toContainText('The model is valid');

  // Undo every step with the toolbar: back to the template; redo: the branching model again.
  const undo = page.getByTestId('graph-undo');
  const redo = page.getByTestId('graph-redo');
  for (let i = 0; i < 7; i++) await undo.click();
  await expect(page.getByTestId('graph-node')).toHaveCount(2);
  await expect(page.getByTestId('total-params')).toHaveText('15');
  await expect(edge(page, 'input', 'output')).toHaveCount(1);
  for (let i = 0; i < 3; i++) await redo.click();
  await expect(page.getByTestId('graph-node')).toHaveCount(5);
  await expect(node(page, 'concatenate_1').getByTestId('node-error')).toContainText('connect at least 2 layers');
  for (let i = 0; i < 4; i++) await redo.click();
  await expect(redo).toBeDisabled();
  await expect(page.getByTestId('graph-node')).toHaveCount(6);
  await expect(page.getByTestId('total-params')).toHaveText('723');
  await expect(page.getByTestId('node-error')).toHaveCount(0);

  // The shortcuts overlay opens from its button.
  await page.getByTestId('graph-shortcuts').click();
  await expect(page.getByTestId('shortcuts-help')).toContainText('Ctrl+Z');
  await page.getByTestId('shortcuts-close').click();
  await expect(page.getByTestId('shortcuts-help')).toHaveCount(0);

  // Train it: 3 epochs on iris.
  await page.getByTestId('continue-to-train').click();
  await page.getByTestId('epochs-input').fill('3');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toContainText('completed', { timeout: 90_000 });
  await expect(page.getByTestId('epoch-counter')).toHaveText('Epoch 3 / 3');
  // The saved project holds the branching graph.
  await page.getByTestId('nav-model').click();
  await expect(page.getByTestId('graph-node')).toHaveCount(6);
  await expect(page.getByTestId('total-params')).toHaveText('723');
});
