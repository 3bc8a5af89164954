import { createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { unzipSync, zipSync } from 'fflate';
import sharp from 'sharp';
import { expect, startHostProcess, test as base, type HostFixture } from './fixtures';
import { IRIS, projectWithIris, trainMlp } from './helpers';

/**
 * Files the browser way (issue 19.1), against a real `layerlab host --data-root` in Chromium:
 * a CSV larger than the old 64 MiB cap streams to the host with progress and is imported by
 * path; a cancelled upload leaves nothing; the host's file browser imports from --data-root and
 * refuses anything outside; an export comes back as a zip equal to its folder.
 */

const ROWS = 1_300_000;

interface FilesFixture {
  host: HostFixture;
  dataRoot: string;
  bigCsv: string;
}

const test = base.extend<{ files: FilesFixture }>({
  // eslint-disable-next-line no-empty-pattern
  files: async ({}, use) => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-e2e-files-'));
    const workspace = path.join(tmp, 'workspace');
    const dataRoot = path.join(tmp, 'data');
    await mkdir(path.join(dataRoot, 'tables'), { recursive: true });
    await mkdir(workspace);
    await copyFile(IRIS, path.join(dataRoot, 'tables', 'iris.csv'));
    const bigCsv = path.join(tmp, 'big.csv');
    await writeBigCsv(bigCsv);
    const { child, fixture } = await startHostProcess(workspace, ['--data-root', dataRoot]);
    await use({ host: fixture, dataRoot, bigCsv });
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    await rm(tmp, { recursive: true, force: true });
  },
});

/** ~70 MB of numbers: 1,300,000 rows × 8 columns, written in blocks (a few hundred ms). */
async function writeBigCsv(file: string): Promise<void> {
  const out = createWriteStream(file);
  out.write('a,b,c,d,e,f,g,label\n');
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let start = 0; start < ROWS; start += 10_000) {
    let block = '';
    for (let r = start; r < Math.min(ROWS, start + 10_000); r++) {
      const a = next();
      block += `${a.toFixed(5)},${next().toFixed(5)},${next().toFixed(5)},${next().toFixed(5)},${next().toFixed(5)},${next().toFixed(5)},${r % 97},${a > 0.5 ? 'yes' : 'no'}\n`;
    }
    if (!out.write(block)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve(null))));
}

/** The browser's uplink held to `bytesPerSecond` (DevTools' network throttling), so progress and Cancel can be seen. */
async function throttleUploads(page: Page, bytesPerSecond: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond,
  });
}

/** Every text the upload progress showed, recorded in the page as it changed. */
async function recordUploadProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    // Runs in the page (this file is type-checked without the DOM's types).
    const g = globalThis as unknown as {
      uploadTexts: string[];
      document: { body: unknown; querySelector(selector: string): { textContent: string | null } | null };
      MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void };
    };
    const seen: string[] = [];
    g.uploadTexts = seen;
    new g.MutationObserver(() => {
      const text = g.document.querySelector('[data-testid="upload-progress"] [role="status"]')?.textContent;
      if (text && seen.at(-1) !== text) seen.push(text);
    }).observe(g.document.body, { subtree: true, childList: true, characterData: true });
  });
}

async function newProject(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('project-name-input').fill(name);
  await page.getByTestId('create-project-button').click();
  await expect(page.getByTestId('csv-drop-zone')).toBeVisible();
}

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

test('a CSV over the old 64 MiB cap streams to the host with progress and is imported', async ({ page, files }) => {
  const size = (await stat(files.bigCsv)).size;
  expect(size).toBeGreaterThan(64 * 1024 * 1024);
  await newProject(page, files.host.url, 'Big upload');
  await recordUploadProgress(page);
  await throttleUploads(page, 40 * 1024 * 1024);
  await page.getByTestId('csv-file-input').setInputFiles(files.bigCsv);
  await expect(page.getByTestId('upload-progress')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('upload-progress.png') });
  await expect(page.getByTestId('dataset-summary')).toContainText('1,300,000 rows', { timeout: 120_000 });
  await expect(page.getByTestId('dataset-summary')).toContainText('big.csv');

  const texts = await page.evaluate(() => (globalThis as unknown as { uploadTexts: string[] }).uploadTexts);
  const percents = texts.map((t) => Number(/(\d+)%/.exec(t)?.[1] ?? NaN)).filter(Number.isFinite);
  // Several distinct steps on the way, not a jump from nothing to done.
  expect(percents.filter((p) => p > 0 && p < 100).length, texts.join('\n')).toBeGreaterThanOrEqual(3);
  expect(
    texts.some((t) => /MiB of 6\d\.\d\d MiB/.test(t)),
    texts.join('\n'),
  ).toBe(true);
  // The file sits in the workspace's uploads, whole; no partial file is left.
  const uploaded = await filesUnder(path.join(files.host.workspace, 'uploads'));
  expect(uploaded.filter((f) => f.endsWith('.part'))).toEqual([]);
  expect(uploaded.filter((f) => f.endsWith('big.csv'))).toHaveLength(1);
});

test('cancelling an upload leaves no partial file on the host and the project as it was', async ({ page, files }) => {
  await newProject(page, files.host.url, 'Cancelled upload');
  await throttleUploads(page, 8 * 1024 * 1024);
  await page.getByTestId('csv-file-input').setInputFiles(files.bigCsv);
  const progress = page.getByTestId('upload-progress');
  await expect(progress).toContainText(/Uploading big\.csv to the host… [1-9]\d?%/);
  // Part of the file has reached the host's disk by now.
  expect((await filesUnder(path.join(files.host.workspace, 'uploads'))).some((f) => f.endsWith('.part'))).toBe(true);
  await page.getByTestId('cancel-upload').click();
  await expect(page.getByTestId('import-error')).toContainText('The upload of big.csv was cancelled');
  await expect(progress).toHaveCount(0);
  await expect.poll(() => filesUnder(path.join(files.host.workspace, 'uploads'))).toEqual([]);
  await expect(page.getByTestId('dataset-summary')).toHaveCount(0);
});

test('the host file browser imports a CSV from --data-root and refuses a path outside', async ({ page, files }) => {
  await newProject(page, files.host.url, 'From data root');
  await page.getByTestId('browse-host-files').click();
  const dialog = page.getByTestId('file-browser');
  await expect(dialog).toBeVisible();
  // The roots: the workspace and the --data-root folder, nothing else.
  await expect(dialog.getByTestId('file-browser-entry')).toHaveText([/Workspace/, /data/]);
  await dialog.getByTestId('file-browser-entry').filter({ hasText: /^data/ }).dblclick();
  await dialog.getByTestId('file-browser-entry').filter({ hasText: 'tables' }).dblclick();
  await expect(dialog.getByTestId('file-browser-path')).toHaveText(path.join(files.dataRoot, 'tables'));
  await dialog.getByTestId('file-browser-entry').filter({ hasText: 'iris.csv' }).click();
  await page.screenshot({ path: test.info().outputPath('file-browser.png') });
  await dialog.getByTestId('file-browser-choose').click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('dataset-summary')).toContainText('150 rows');
  await expect(page.getByTestId('dataset-summary')).toContainText('iris.csv');
  // Nothing was uploaded: it was imported where it lies.
  expect(await filesUnder(path.join(files.host.workspace, 'uploads'))).toEqual([]);

  // Outside the roots, the host refuses, naming the path and the way to allow it, from the page itself.
  const outside = path.dirname(files.dataRoot);
  const refused = await page.evaluate(async (dir) => {
    // Relative to the page, as the app's own requests are.
    const res = await fetch(`api/browse?path=${encodeURIComponent(dir)}`);
    return { status: res.status, body: (await res.json()) as { error: string } };
  }, outside);
  expect(refused.status).toBe(403);
  expect(refused.body.error).toContain(`"${outside}" is outside the folders this host may use`);
  expect(refused.body.error).toContain('--data-root');
  // The dialog opens again where the CSV was chosen (issue 19: remembered per kind), and Up stops at the root.
  await page.getByTestId('browse-host-files').click();
  await expect(dialog.getByTestId('file-browser-path')).toHaveText(path.join(files.dataRoot, 'tables'));
  await dialog.getByTestId('file-browser-up').click();
  await expect(dialog.getByTestId('file-browser-path')).toHaveText(files.dataRoot);
  await dialog.getByTestId('file-browser-up').click();
  await expect(dialog.getByTestId('file-browser-path')).toContainText('The workspace and the data folders');
});

test('an export downloads as a zip whose files equal the export folder', async ({ page, files }) => {
  await projectWithIris(page, files.host.url, 'Export download');
  await trainMlp(page, 2);
  await page.getByTestId('nav-export').click();
  await page.getByTestId('export-button').click();
  await expect(page.getByTestId('export-parity')).toBeVisible({ timeout: 120_000 });
  const outDir = (await page.getByTestId('export-result').locator('dd .mono').first().textContent())!.trim();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
  expect(download.suggestedFilename()).toBe(`${path.basename(outDir)}.zip`);
  await page.getByTestId('export-result').scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('export-download.png') });
  await page.getByTestId('export-dir-choose').click();
  await expect(page.getByTestId('file-browser')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('export-folder-dialog.png') });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('file-browser')).toHaveCount(0);
  const zipped = unzipSync(new Uint8Array(await readFile((await download.path())!)));
  const onDisk = (await filesUnder(outDir)).map((f) => f.split(path.sep).join('/')).sort();
  expect(Object.keys(zipped).sort()).toEqual(onDisk);
  expect(onDisk).toContain('model.json');
  for (const name of onDisk)
    expect(Buffer.compare(Buffer.from(zipped[name]!), await readFile(path.join(outDir, name))), name).toBe(0);
});

test('a .zip and a folder of images stream to the host and are imported from there', async ({ page, files }) => {
  // Two classes of small solid pictures, zipped in the test.
  const entries: Record<string, Uint8Array> = {};
  for (const [name, colour] of [
    ['red', [220, 30, 30]],
    ['blue', [30, 30, 220]],
  ] as const) {
    for (let i = 0; i < 6; i++) {
      const pixels = Buffer.alloc(16 * 16 * 3);
      for (let p = 0; p < 16 * 16; p++) pixels.set([colour[0], colour[1] + i * 5, colour[2]], p * 3);
      entries[`colours/${name}/${i}.png`] = await sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } })
        .png()
        .toBuffer();
    }
  }
  const zipFile = path.join(path.dirname(files.bigCsv), 'colours.zip');
  await writeFile(zipFile, zipSync(entries));
  const folder = path.join(path.dirname(files.bigCsv), 'folder');
  for (const [name, bytes] of Object.entries(entries)) {
    await mkdir(path.dirname(path.join(folder, name)), { recursive: true });
    await writeFile(path.join(folder, name), bytes);
  }
  await newProject(page, files.host.url, 'Zip upload');
  await page.getByTestId('csv-file-input').setInputFiles(zipFile);
  const panel = page.getByTestId('image-import-panel');
  await expect(panel).toContainText('colours');
  await panel.getByTestId('import-images').click();
  await expect(page.getByTestId('image-dataset-summary')).toContainText('12 images');
  await expect(page.getByTestId('image-dataset-summary')).toContainText('2 classes');
  // It went through the file API (to uploads/ on disk), not through the contract's pieces.
  expect(
    (await filesUnder(path.join(files.host.workspace, 'uploads'))).filter((f) => f.endsWith('colours.zip')),
  ).toHaveLength(1);

  // A folder chosen in the browser goes the same way, file by file with its subfolders.
  await page.getByTestId('image-folder-input').setInputFiles(path.join(folder, 'colours'));
  await expect(panel).toContainText('12 files');
  await panel.getByTestId('import-images').click();
  // The zip's dataset already reads "12 images": wait until the folder's has replaced it (its
  // files are uploaded by then), or the listing below races the upload.
  await expect(page.getByTestId('image-dataset-summary')).not.toContainText('colours.zip', { timeout: 60_000 });
  await expect(page.getByTestId('image-dataset-summary')).toContainText('12 images');
  const uploaded = await filesUnder(path.join(files.host.workspace, 'uploads'));
  expect(uploaded.filter((f) => f.split(path.sep).slice(1).join('/').startsWith('colours/red/'))).toHaveLength(6);
});
