import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { expect, test } from './fixtures';

/**
 * An image dataset end to end in Chromium: a folder with one subfolder per class (plus a corrupt
 * PNG and a text file) chosen with the folder input, sent to the host, imported; the thumbnails
 * and the skipped files are shown; the CNN template trains to well above chance; a picture dropped
 * on the playground is classified with its probabilities, and a text file beside it is named.
 */

/** The browser classes a dropped file is built from (this file is type-checked without the DOM library). */
interface BrowserGlobals {
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
  atob(data: string): string;
}

const CLASSES = { circle: [220, 40, 40], square: [40, 200, 60], stripes: [40, 80, 230] } as const;
const PER_CLASS = 24;
const SIDE = 16;

/** A 16×16 picture of the class's shape in its colour, on a noisy dark background (seeded, so every run is the same). */
function picture(kind: keyof typeof CLASSES, n: number): Buffer {
  const [r, g, b] = CLASSES[kind];
  const pixels = Buffer.alloc(SIDE * SIDE * 3);
  let state = (n + 1) * 2654435761;
  const noise = () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return (state >>> 24) % 40;
  };
  const cx = 6 + (n % 5);
  const cy = 6 + ((n >> 2) % 5);
  for (let y = 0; y < SIDE; y += 1) {
    for (let x = 0; x < SIDE; x += 1) {
      const inside =
        kind === 'circle'
          ? (x - cx) ** 2 + (y - cy) ** 2 <= 16
          : kind === 'square'
            ? Math.abs(x - cx) <= 3 && Math.abs(y - cy) <= 3
            : x % 4 < 2;
      const p = (y * SIDE + x) * 3;
      pixels[p] = inside ? r : noise();
      pixels[p + 1] = inside ? g : noise();
      pixels[p + 2] = inside ? b : noise();
    }
  }
  return pixels;
}

async function writeShapes(root: string): Promise<void> {
  for (const kind of Object.keys(CLASSES) as Array<keyof typeof CLASSES>) {
    await mkdir(path.join(root, kind), { recursive: true });
    for (let n = 0; n < PER_CLASS; n += 1) {
      const png = await sharp(picture(kind, n), { raw: { width: SIDE, height: SIDE, channels: 3 } })
        .png()
        .toBuffer();
      await writeFile(path.join(root, kind, `${kind}-${String(n).padStart(2, '0')}.png`), png);
    }
  }
  // A PNG cut short and a note: listed as skipped with their reasons, never fatal.
  const whole = await sharp(picture('circle', 99), { raw: { width: SIDE, height: SIDE, channels: 3 } })
    .png()
    .toBuffer();
  await writeFile(path.join(root, 'circle', 'broken.png'), whole.subarray(0, 60));
  await writeFile(path.join(root, 'square', 'notes.txt'), 'these are squares\n');
}

test('an image folder: thumbnails, skipped files, augmentation preview, and a CNN trained above chance', async ({
  page,
  host,
}) => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-shapes-'));
  const shapes = path.join(tmp, 'shapes');
  await writeShapes(shapes);
  const t0 = Date.now();
  const mark = (what: string) => console.log(`[images.spec] ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  try {
    await page.goto(host.url);
    mark('page loaded');
    await page.getByTestId('project-name-input').fill('Shapes');
    await page.getByTestId('create-project-button').click();

    // The folder input hands the browser every file with its path; nothing is imported until the options are chosen.
    await page.getByTestId('image-folder-input').setInputFiles(shapes);
    mark('folder chosen');
    const panel = page.getByTestId('image-import-panel');
    await expect(panel).toContainText('shapes');
    await expect(panel).toContainText('74 files');
    await page.getByTestId('image-width').fill(String(SIDE));
    await page.getByTestId('image-height').fill(String(SIDE));
    await page.getByTestId('image-import-panel').getByTestId('import-images').click();

    await expect(page.getByTestId('image-dataset-summary')).toContainText('72 images');
    mark('imported');
    await expect(page.getByTestId('image-dataset-summary')).toContainText('3 classes');
    for (const kind of Object.keys(CLASSES)) {
      const row = page.getByTestId(`class-${kind}`);
      await expect(row.getByTestId('class-count')).toHaveText(`${PER_CLASS} images`);
      await expect(row.getByTestId('class-thumbnail')).toHaveCount(8);
    }
    // A thumbnail is a real picture, decoded by the browser.
    await expect
      .poll(() =>
        page
          .getByTestId('class-thumbnail')
          .first()
          .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      )
      .toBeGreaterThan(0);
    const skipped = page.getByTestId('skipped-list');
    await expect(skipped).toContainText('circle/broken.png');
    await expect(skipped).toContainText('square/notes.txt');
    await expect(skipped.locator('tbody tr')).toHaveCount(2);
    await expect(page.getByTestId('image-task')).toContainText('Classification into 3 classes');

    // Augmentation: a strength moves the preview's draws away from the stored image.
    await page.getByTestId('augment-flip').fill('1');
    await expect(page.getByTestId('augmented-sample')).toHaveCount(12);
    await page.screenshot({ path: test.info().outputPath('image-data-step.png') });
    await page.getByTestId('image-dataset-summary').scrollIntoViewIfNeeded();
    await page.screenshot({ path: test.info().outputPath('image-data-step-top.png') });
    await page.getByTestId('augment-flip').fill('0');

    // The model step offers the image templates; the CNN trains on the streamed shards.
    await page.getByTestId('nav-model').click();
    await expect(page.getByTestId('template-cnn')).toBeEnabled();
    await expect(page.getByTestId('template-residual_cnn')).toBeEnabled();
    await page.getByTestId('template-cnn').click();
    const confirm = page.getByTestId('confirm-template');
    if (await confirm.isVisible()) await confirm.click();
    await expect(page.getByTestId('graph-issues')).toContainText('The model is valid');
    await page.screenshot({ path: test.info().outputPath('image-model-step.png') });

    await page.getByTestId('nav-train').click();
    await page.getByTestId('epochs-input').fill('12');
    await page.getByTestId('batch-size-input').fill('8');
    await page.getByTestId('learning-rate-input').fill('0.003');
    mark('training starts');
    await page.getByTestId('train-button').click();
    await expect(page.getByTestId('run-status')).toContainText('completed', { timeout: 150_000 });

    mark('trained');
    // Above chance (1/3) by a clear margin, read from the run as the host stored it.
    const runsDir = path.join(host.workspace, 'projects', 'shapes', 'runs');
    const [runId] = await readdir(runsDir);
    const run = JSON.parse(await readFile(path.join(runsDir, runId!, 'run.json'), 'utf8')) as {
      epochs: Array<{ val_accuracy?: number | null }>;
    };
    expect(run.epochs).toHaveLength(12);
    expect(run.epochs.at(-1)!.val_accuracy).toBeGreaterThan(0.6);

    // Evaluation: a confusion cell lists its examples as pictures from the dataset's cache.
    const evaluation = page.getByTestId('evaluation-panel');
    await evaluation.getByTestId('evaluate-button').click();
    const cells = evaluation.getByTestId('confusion-matrix').getByTestId('confusion-cell');
    await expect(cells).toHaveCount(9);
    const counts: number[] = [];
    for (let i = 0; i < 9; i += 1) counts.push(Number(await cells.nth(i).getAttribute('data-count')));
    const fullest = counts.indexOf(Math.max(...counts));
    await cells.nth(fullest).click();
    const pictures = evaluation.getByTestId('cell-example-images').getByTestId('example-image');
    await expect(pictures).toHaveCount(counts[fullest]!);
    await expect(pictures.first().locator('img')).toBeVisible();
    // The fullest cell is on the diagonal for a model above chance: its files are of that class.
    const kind = Object.keys(CLASSES)[Math.floor(fullest / 3)]!;
    await expect(pictures.first()).toHaveAttribute('title', new RegExp(`^${kind}/`));
    await evaluation.screenshot({ path: test.info().outputPath('image-evaluation.png') });

    mark('evaluated');
    // The playground: files dropped on its zone are predicted (never imported as a dataset).
    await page.getByTestId('nav-export').click();
    const playground = page.getByTestId('playground');
    const zone = playground.getByTestId('playground-image-drop');
    const circle = await sharp(picture('circle', 3), { raw: { width: SIDE, height: SIDE, channels: 3 } })
      .png()
      .toBuffer();
    const dataTransfer = await page.evaluateHandle(
      ([png]) => {
        const browser = globalThis as unknown as BrowserGlobals;
        const dt = new browser.DataTransfer();
        dt.items.add(
          new browser.File([Uint8Array.from(browser.atob(png), (c) => c.charCodeAt(0))], 'red-circle.png', {
            type: 'image/png',
          }),
        );
        dt.items.add(new browser.File(['not a picture'], 'notes.txt', { type: 'text/plain' }));
        return dt;
      },
      [circle.toString('base64')] as const,
    );
    for (const type of ['dragenter', 'dragover', 'drop']) await zone.dispatchEvent(type, { dataTransfer });
    const predictions = playground.getByTestId('image-prediction');
    await expect(predictions).toHaveCount(2);
    const [picked, note] = [predictions.nth(0), predictions.nth(1)];
    await expect(picked.getByTestId('image-prediction-label')).toHaveText('circle');
    for (const kind of Object.keys(CLASSES)) await expect(picked).toContainText(kind);
    await expect(picked).toContainText('%');
    await expect
      .poll(() =>
        picked
          .getByTestId('image-prediction-thumbnail')
          .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      )
      .toBeGreaterThan(0);
    await expect(note.getByTestId('image-prediction-error')).toHaveText(
      'notes.txt: not an image (PNG, JPEG, WebP, GIF, BMP or TIFF)',
    );
    await expect(page.getByTestId('import-error')).toHaveCount(0);
    mark('playground predicted');
    await playground.screenshot({ path: test.info().outputPath('image-playground.png') });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
