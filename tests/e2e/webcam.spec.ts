import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { expect, test } from './fixtures';

/**
 * The image playground's webcam in Chromium: the browser's fake camera (a moving test pattern,
 * granted without a prompt) feeds Capture, and the frame is predicted like a dropped picture.
 */

const executablePath =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
test.use({
  launchOptions: {
    ...(executablePath ? { executablePath } : {}),
    args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  },
});

const SIDE = 16;
async function writeTwoClasses(root: string): Promise<void> {
  for (const [kind, rgb] of [
    ['red', [220, 40, 40]],
    ['blue', [40, 80, 230]],
  ] as const) {
    await mkdir(path.join(root, kind), { recursive: true });
    for (let n = 0; n < 10; n++) {
      const pixels = Buffer.alloc(SIDE * SIDE * 3);
      for (let p = 0; p < SIDE * SIDE; p++) {
        const on = (p + n) % 3 !== 0;
        pixels[p * 3] = on ? rgb[0] : 10;
        pixels[p * 3 + 1] = on ? rgb[1] : 10;
        pixels[p * 3 + 2] = on ? rgb[2] : 10;
      }
      const png = await sharp(pixels, { raw: { width: SIDE, height: SIDE, channels: 3 } })
        .png()
        .toBuffer();
      await writeFile(path.join(root, kind, `${kind}-${n}.png`), png);
    }
  }
}

test('a webcam frame is captured and classified in the image playground', async ({ page, host }) => {
  test.setTimeout(180_000);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-webcam-'));
  try {
    const colours = path.join(tmp, 'colours');
    await writeTwoClasses(colours);
    await page.goto(host.url);
    await page.getByTestId('project-name-input').fill('Webcam');
    await page.getByTestId('create-project-button').click();
    await page.getByTestId('image-folder-input').setInputFiles(colours);
    await page.getByTestId('image-width').fill(String(SIDE));
    await page.getByTestId('image-height').fill(String(SIDE));
    await page.getByTestId('image-import-panel').getByTestId('import-images').click();
    await expect(page.getByTestId('image-dataset-summary')).toContainText('20 images');

    await page.getByTestId('nav-model').click();
    await page.getByTestId('template-cnn').click();
    const confirm = page.getByTestId('confirm-template');
    if (await confirm.isVisible()) await confirm.click();
    await expect(page.getByTestId('graph-issues')).toContainText('The model is valid');
    await page.getByTestId('nav-train').click();
    await page.getByTestId('epochs-input').fill('2');
    await page.getByTestId('train-button').click();
    await expect(page.getByTestId('run-status')).toContainText('completed', { timeout: 120_000 });

    await page.getByTestId('nav-export').click();
    const playground = page.getByTestId('playground');
    await playground.getByTestId('webcam-start').click();
    const video = playground.getByTestId('webcam-video');
    await expect
      .poll(() => video.evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth))
      .toBeGreaterThan(0);
    await playground.getByTestId('webcam-capture').click();
    const prediction = playground.getByTestId('image-prediction');
    await expect(prediction).toHaveCount(1);
    await expect(prediction).toContainText('webcam-1.png');
    await expect(prediction.getByTestId('image-prediction-label')).toHaveText(/^(red|blue)$/);
    await expect(prediction.getByTestId('image-prediction-thumbnail')).toBeVisible();
    await playground.getByTestId('image-predictions').screenshot({ path: test.info().outputPath('webcam.png') });
    await playground.getByTestId('webcam-stop').click();
    await expect(playground.getByTestId('webcam-start')).toBeVisible();
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
