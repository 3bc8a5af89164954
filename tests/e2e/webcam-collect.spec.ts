import { existsSync } from 'node:fs';
import { expect, test } from './fixtures';

/**
 * Collecting image classes from the webcam (Teachable Machine's core flow) in Chromium, fed by
 * the browser's fake camera: two named classes, a few frames each, then the usual image import
 * makes them a dataset with those classes and counts.
 */

const executablePath =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
test.use({
  launchOptions: {
    ...(executablePath ? { executablePath } : {}),
    args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  },
});

test('two classes collected from the webcam are imported as an image dataset', async ({ page, host }, info) => {
  test.setTimeout(120_000);
  await page.goto(host.url);
  await page.getByTestId('project-name-input').fill('Collected');
  await page.getByTestId('create-project-button').click();

  await page.getByTestId('webcam-collect-open').click();
  const collector = page.getByTestId('webcam-collector');
  await expect(collector.getByTestId('webcam-use')).toBeDisabled();
  await collector.getByTestId('webcam-start').click();
  await expect
    .poll(() =>
      collector.getByTestId('webcam-video').evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth),
    )
    .toBeGreaterThan(0);

  const frames = { thumbs: 3, fist: 2 };
  for (const [i, [name, count]] of Object.entries(frames).entries()) {
    const row = collector.getByTestId(`webcam-class-${i}`);
    await row.getByTestId('webcam-class-name').fill(name);
    // A click (press and release at once) takes one frame.
    for (let n = 0; n < count; n++) {
      await row.getByTestId('webcam-hold').click();
      await expect(row.getByTestId('webcam-class-count')).toHaveText(`${n + 1} frame${n === 0 ? '' : 's'}`);
    }
    await expect(row.getByTestId('webcam-thumb')).toHaveCount(count);
  }

  // Holding the button keeps recording until it is let go.
  const fistRow = collector.getByTestId('webcam-class-1');
  await fistRow.getByTestId('webcam-hold').hover();
  await page.mouse.down();
  await expect(fistRow.getByTestId('webcam-hold')).toHaveText('Recording…');
  await expect
    .poll(async () => parseInt(await fistRow.getByTestId('webcam-class-count').innerText()))
    .toBeGreaterThan(3);
  await page.mouse.up();
  await expect(fistRow.getByTestId('webcam-hold')).toHaveText('Hold to record');
  // A frame already being encoded when the button was let go may still land; none after that.
  await page.waitForTimeout(300);
  const fist = parseInt(await fistRow.getByTestId('webcam-class-count').innerText());
  await page.waitForTimeout(600);
  expect(parseInt(await fistRow.getByTestId('webcam-class-count').innerText())).toBe(fist);

  // What the user sees, in both themes (looked at by hand; kept with the test's output).
  for (const theme of ['light', 'dark']) {
    await page
      .locator('html')
      .evaluate(
        (el, t) => (el as unknown as { setAttribute(k: string, v: string): void }).setAttribute('data-theme', t),
        theme,
      );
    await collector.screenshot({ path: info.outputPath(`webcam-collector-${theme}.png`) });
  }
  await collector.getByTestId('webcam-use').click();
  await expect(collector).toHaveCount(0);
  const panel = page.getByTestId('image-import-panel');
  await expect(panel).toContainText('webcam');
  await page.getByTestId('image-width').fill('16');
  await page.getByTestId('image-height').fill('16');
  await panel.getByTestId('import-images').click();

  await expect(page.getByTestId('image-dataset-summary')).toContainText(`${3 + fist} images`, { timeout: 60_000 });
  await expect(page.getByTestId('image-task')).toContainText('2 classes');
  await expect(page.getByTestId('class-thumbs').getByTestId('class-count')).toHaveText('3 images');
  await expect(page.getByTestId('class-fist').getByTestId('class-count')).toHaveText(`${fist} images`);
});
