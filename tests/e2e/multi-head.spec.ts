import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { multiHeadCsv } from '../unit/main/multi-head-fixtures';
import { expect, test } from './fixtures';
import { dragBetween } from './helpers';

/**
 * Two Inputs and two heads with the mouse: a second Input and a second Output dropped from the
 * palette and wired through a Concatenate; each Input's columns and the new head's target picked
 * in their settings; the nodes resize to them; it trains, with each head's scores shown.
 */

const node = (page: Page, id: string) => page.locator(`[data-testid="graph-node"][data-node-id="${id}"]`);
const pick = (page: Page, id: string) => node(page, id).locator('.layer-node-head').click();

test('pick each Input’s columns and a second head’s target, then train the two-input, two-head model', async ({
  page,
  host,
}) => {
  test.setTimeout(180_000);
  const csv = path.join(os.tmpdir(), `layerlab-two-heads-${process.pid}.csv`);
  await writeFile(csv, multiHeadCsv());
  await page.goto(host.url);
  await page.getByTestId('project-name-input').fill('Two heads');
  await page.getByTestId('create-project-button').click();
  await page.getByTestId('csv-file-input').setInputFiles(csv);
  await expect(page.getByTestId('dataset-summary')).toContainText('400 rows');
  await page.getByTestId('target-select').selectOption('price');
  await page.getByTestId('nav-model').click();
  await page.getByTestId('template-linear').click();
  const confirm = page.getByTestId('confirm-template');
  if (await confirm.isVisible()) await confirm.click();
  await expect(page.getByTestId('graph-node')).toHaveCount(2);

  // input → concatenate_1 → output, then a free Input and a free Output wired to the Concatenate.
  await pick(page, 'input');
  await page.getByTestId('palette-Concatenate').click();
  const canvas = page.getByTestId('graph-canvas');
  const box = (await canvas.boundingBox())!;
  await page
    .getByTestId('palette-Input')
    .dragTo(canvas, { targetPosition: { x: box.width * 0.8, y: box.height * 0.15 } });
  await page
    .getByTestId('palette-Output')
    .dragTo(canvas, { targetPosition: { x: box.width * 0.8, y: box.height * 0.75 } });
  await dragBetween(
    page,
    node(page, 'input_1').locator('.react-flow__handle.source'),
    node(page, 'concatenate_1').locator('[data-testid="merge-port"][data-port="1"]'),
  );
  await dragBetween(
    page,
    node(page, 'concatenate_1').locator('.react-flow__handle.source'),
    node(page, 'output_1').locator('.react-flow__handle.target'),
  );

  // Both Inputs take every column: the second is told to pick its own.
  await expect(page.getByTestId('graph-issues')).toContainText('no columns are chosen for it');
  await pick(page, 'input');
  await page.getByTestId('input-column-a1').check();
  await page.getByTestId('input-column-a2').check();
  await expect(page.getByTestId('input-columns-result')).toHaveText('Takes a1, a2: 2 values per row.');
  await expect(node(page, 'input')).toContainText('shape (2)');
  // The rest: b1, group's 3 categories and, while no head predicts it, kind's 2.
  await expect(node(page, 'input_1')).toContainText('shape (6)');

  // The second head predicts "kind": two classes, one sigmoid unit.
  await pick(page, 'output_1');
  await page.getByTestId('output-target-select').selectOption('kind');
  await expect(page.getByTestId('output-target-result')).toContainText('Predicts kind: 2 classes (sigmoid');
  await expect(node(page, 'output_1')).toContainText('sigmoid');
  await expect(node(page, 'input_1')).toContainText('shape (4)'); // kind is a target now, not an input
  // An Input cannot take what a head predicts.
  await pick(page, 'input');
  await expect(page.getByTestId('input-column-kind')).toBeDisabled();
  await expect(page.getByTestId('graph-issues')).toContainText('The model is valid');

  await page.getByTestId('continue-to-train').click();
  await page.getByTestId('epochs-input').fill('6');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toContainText('completed', { timeout: 120_000 });
  await expect(page.getByTestId('final-metrics')).toContainText('Validation output_1_accuracy');
  await expect(page.getByTestId('final-metrics')).toContainText('Validation output_mae');
  // Each head's score beside its own naive baseline (always the training mean / the most common class).
  const baselines = page.getByTestId('head-baseline-table');
  await expect(baselines).toContainText('output (price)');
  await expect(baselines).toContainText('output_1 (kind)');
  await expect(baselines).toContainText('always the training mean');
  await expect(baselines).toContainText('always the most common class');
  await expect(page.getByTestId('head-baseline-val-loss-output_1')).not.toHaveText('–');
});
