import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect } from './fixtures';

/** Steps several end-to-end tests share, done the way a user does them. */

export const IRIS = path.resolve(import.meta.dirname, '../../resources/iris.csv');

async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error('element has no box (not visible?)');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Press on one handle, move in steps (React Flow tracks pointer moves), release on the other. */
export async function dragBetween(page: Page, from: Locator, to: Locator): Promise<void> {
  const a = await centre(from);
  const b = await centre(to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
}

/** A new project with iris imported through the file input and species as the target. */
export async function projectWithIris(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('project-name-input').fill(name);
  await page.getByTestId('create-project-button').click();
  await page.getByTestId('csv-file-input').setInputFiles(IRIS);
  await expect(page.getByTestId('dataset-summary')).toContainText('150 rows');
  await page.getByTestId('target-select').selectOption('species');
  await expect(page.getByTestId('task-select')).toHaveValue('classification');
}

/** The MLP template, then a training run of `epochs` to completion. */
export async function trainMlp(page: Page, epochs: number): Promise<void> {
  await page.getByTestId('nav-model').click();
  await page.getByTestId('template-mlp').click();
  const confirm = page.getByTestId('confirm-template');
  if (await confirm.isVisible()) await confirm.click();
  await expect(page.getByTestId('graph-issues')).toContainText('The model is valid');
  await page.getByTestId('nav-train').click();
  await page.getByTestId('epochs-input').fill(String(epochs));
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toContainText('completed', { timeout: 120_000 });
}
