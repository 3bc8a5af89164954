import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import type { Page } from '@playwright/test';
import { expect, startHostProcess, test as base, type HostFixture } from './fixtures';
import { IRIS, projectWithIris, trainMlp } from './helpers';

/**
 * Recent projects and files on the start page (issue 19), against a real `layerlab host
 * --data-root` in Chromium: what was opened and imported is listed with its dataset and kept
 * score; a recent CSV starts a new project in one click; a CSV deleted since is shown as missing
 * and can be removed; the host's file browser opens where the last CSV was chosen. And a model
 * dropped on the window from the file manager, on any step, goes to the Model step's import.
 */

const test = base.extend<{ files: { host: HostFixture; tables: string } }>({
  // eslint-disable-next-line no-empty-pattern
  files: async ({}, use) => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-e2e-recent-'));
    const workspace = path.join(tmp, 'workspace');
    const tables = path.join(tmp, 'data', 'tables');
    await mkdir(tables, { recursive: true });
    await mkdir(workspace);
    await copyFile(IRIS, path.join(tables, 'iris.csv'));
    await copyFile(IRIS, path.join(tables, 'old-flowers.csv'));
    const { child, fixture } = await startHostProcess(workspace, ['--data-root', path.join(tmp, 'data')]);
    await use({ host: fixture, tables });
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    await rm(tmp, { recursive: true, force: true });
  },
});

/** A new project whose CSV is chosen in the host's file browser (imported where it lies, so main records it). */
async function projectFromHostFile(page: Page, name: string, file: string, tables: string) {
  await page.getByTestId('project-name-input').fill(name);
  await page.getByTestId('create-project-button').click();
  await page.getByTestId('browse-host-files').click();
  const dialog = page.getByTestId('file-browser');
  // The first time from the roots; after that the dialog opens where the last CSV was chosen.
  const path = dialog.getByTestId('file-browser-path');
  await expect(path).not.toHaveText('');
  if ((await path.textContent()) !== tables) {
    await dialog.getByTestId('file-browser-entry').filter({ hasText: /^data/ }).dblclick();
    await dialog.getByTestId('file-browser-entry').filter({ hasText: 'tables' }).dblclick();
  }
  await expect(path).toHaveText(tables);
  await dialog.getByTestId('file-browser-entry').filter({ hasText: file }).click();
  await dialog.getByTestId('file-browser-choose').click();
  await expect(page.getByTestId('dataset-summary')).toContainText(file);
}

const setTheme = (page: Page, theme: 'light' | 'dark') =>
  page.evaluate((t) => {
    (
      globalThis as unknown as { document: { documentElement: { dataset: Record<string, string> } } }
    ).document.documentElement.dataset.theme = t;
  }, theme);

test('the start page lists recent projects and files; one reopens in a click, a missing one can be removed', async ({
  page,
  files,
}) => {
  const { host, tables } = files;
  await page.goto(host.url);
  // Nothing opened yet: no Recent card.
  await expect(page.getByTestId('project-name-input')).toBeVisible();
  await expect(page.getByTestId('recent-list')).toHaveCount(0);

  await projectFromHostFile(page, 'Old flowers', 'old-flowers.csv', tables);
  await page.getByRole('button', { name: 'All projects' }).click();
  await projectFromHostFile(page, 'Flowers', 'iris.csv', tables);
  // The file browser remembered the folder: the second project's dialog opened in tables/ (checked above).
  expect(
    (JSON.parse(await readFile(path.join(host.workspace, 'recent.json'), 'utf8')) as { folders: object }).folders,
  ).toEqual({ csv: tables });
  await page.getByTestId('target-select').selectOption('species');
  await trainMlp(page, 2);

  // The CSV of the older project is deleted behind the app's back.
  await rm(path.join(tables, 'old-flowers.csv'));
  await page.getByRole('button', { name: 'All projects' }).click();

  const recent = page.getByTestId('recent-list');
  const projects = recent.getByTestId('recent-projects').getByTestId('recent-item');
  const recentFiles = recent.getByTestId('recent-files-list').getByTestId('recent-item');
  await expect(projects).toHaveCount(2);
  await expect(projects.nth(0)).toContainText('Flowers');
  await expect(projects.nth(0)).toContainText('iris.csv · 150 rows × 5 columns');
  await expect(projects.nth(0)).toContainText(/val accuracy \d+\.\d%/);
  await expect(projects.nth(1)).toContainText('Old flowers');
  await expect(projects.nth(1)).toContainText('old-flowers.csv · 150 rows × 5 columns'); // kept in the project
  await expect(recentFiles).toHaveCount(2);
  await expect(recentFiles.nth(0)).toContainText('iris.csv');
  await expect(recentFiles.nth(0).getByTestId('recent-missing')).toHaveCount(0);
  const gone = recentFiles.filter({ hasText: 'old-flowers.csv' });
  await expect(gone.getByTestId('recent-missing')).toHaveText('Missing');
  await expect(gone).toContainText(/Not found in .*tables/);
  await expect(gone.locator('.recent-detail')).toHaveAttribute('title', path.join(tables, 'old-flowers.csv'));
  await expect(gone.getByTestId('recent-open')).toBeDisabled();

  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await gone.hover();
    await recent.screenshot({ path: test.info().outputPath(`recent-${theme}.png`) });
    await page.screenshot({ path: test.info().outputPath(`start-page-${theme}.png`) });
  }
  await setTheme(page, 'light');

  // Remove takes the missing file off the list, for good (the list is main's, read again on reload).
  await gone.getByTestId('recent-remove').click();
  await expect(recentFiles).toHaveCount(1);
  await page.reload();
  await expect(page.getByTestId('recent-files-list').getByTestId('recent-item')).toHaveCount(1);

  // A recent CSV in one click: a new project named after it, the file imported where it lies.
  await page.getByTestId('recent-files-list').getByTestId('recent-open').click();
  await expect(page.getByTestId('current-project')).toHaveText('iris');
  await expect(page.getByTestId('dataset-summary')).toContainText('150 rows');
  await expect(page.getByTestId('dataset-summary')).toContainText('iris.csv');

  // A recent project in one click, with its trained run.
  await page.getByRole('button', { name: 'All projects' }).click();
  await page
    .getByTestId('recent-projects')
    .getByTestId('recent-open')
    .filter({ hasText: /^ProjectFlowers/ })
    .click();
  await expect(page.getByTestId('current-project')).toHaveText('Flowers');
  await expect(page.getByTestId('run-status')).toContainText('completed'); // back on the step it was left on
});

/** What a file manager's drop gives the page: the files, in a DataTransfer, dropped on the window. */
async function dropFiles(page: Page, files: { name: string; bytes: number[] }[]) {
  await page.evaluate((list) => {
    const g = globalThis as unknown as {
      DataTransfer: new () => { items: { add(file: unknown): void } };
      File: new (parts: unknown[], name: string) => unknown;
      DragEvent: new (type: string, init: object) => unknown;
      Uint8Array: typeof Uint8Array;
      window: { dispatchEvent(event: unknown): boolean };
    };
    const data = new g.DataTransfer();
    for (const f of list) data.items.add(new g.File([new g.Uint8Array(f.bytes)], f.name));
    for (const type of ['dragenter', 'dragover', 'drop'])
      g.window.dispatchEvent(new g.DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
  }, files);
}

test('a model dropped on the Data step from the file manager is imported on the Model step', async ({
  page,
  files,
}) => {
  const dir = path.join(files.tables, '..', 'model');
  await mkdir(dir);
  await tf.setBackend('cpu');
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ name: 'backbone', units: 8, activation: 'relu', inputShape: [4] }),
      tf.layers.dense({ name: 'head', units: 3, activation: 'softmax' }),
    ],
  });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightsManifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }];
      await writeFile(
        path.join(dir, 'model.json'),
        JSON.stringify({ modelTopology: artifacts.modelTopology, format: 'layers-model', weightsManifest }),
      );
      await writeFile(path.join(dir, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();

  await projectWithIris(page, files.host.url, 'Dropped model');
  await dropFiles(
    page,
    await Promise.all(
      ['model.json', 'weights.bin'].map(async (name) => ({
        name,
        bytes: [...(await readFile(path.join(dir, name)))],
      })),
    ),
  );
  await expect(page.getByTestId('import-model-result')).toContainText(
    'Imported model.json: 3 layers, 67 parameters, weights of 2 layers',
  );
  await expect(page.locator('[data-testid="graph-node"][data-node-id="backbone"]')).toBeVisible();
});

test('a recent image folder starts a new project in one click, with its import options', async ({ page, files }) => {
  // Two classes of four 8×8 pictures each, beside tables/ in the --data-root folder.
  const shapes = path.join(files.tables, '..', 'shapes');
  for (const [kind, value] of [
    ['dark', 20],
    ['light', 230],
  ] as const) {
    await mkdir(path.join(shapes, kind), { recursive: true });
    for (let n = 0; n < 4; n += 1) {
      const pixels = Buffer.alloc(8 * 8 * 3, value + n);
      await sharp(pixels, { raw: { width: 8, height: 8, channels: 3 } })
        .png()
        .toFile(path.join(shapes, kind, `${kind}-${n}.png`));
    }
  }
  await page.goto(files.host.url);
  await page.getByTestId('project-name-input').fill('Shapes');
  await page.getByTestId('create-project-button').click();
  await page.getByTestId('browse-host-files').click();
  const dialog = page.getByTestId('file-browser');
  await dialog.getByTestId('file-browser-entry').filter({ hasText: /^data/ }).dblclick();
  await dialog.getByTestId('file-browser-entry').filter({ hasText: 'shapes' }).click();
  await dialog.getByTestId('file-browser-choose').click();
  await page.getByTestId('image-import-panel').getByTestId('import-images').click();
  await expect(page.getByTestId('image-dataset-summary')).toContainText('8 images');

  await page.getByRole('button', { name: 'All projects' }).click();
  const folder = page.getByTestId('recent-files-list').getByTestId('recent-item').filter({ hasText: 'shapes' });
  await expect(folder).toContainText('Image folder');
  await folder.getByTestId('recent-open').click();
  await expect(page.getByTestId('current-project')).toHaveText('shapes');
  // The folder waits for its size and colour, as when it was chosen; imported where it lies.
  await page.getByTestId('image-import-panel').getByTestId('import-images').click();
  await expect(page.getByTestId('image-dataset-summary')).toContainText('8 images');
  await expect(page.getByTestId('image-dataset-summary')).toContainText('2 classes');
});
