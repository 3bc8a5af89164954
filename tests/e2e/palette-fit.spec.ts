import { LAYER_TYPES } from '../../app/graph';
import { expect, test } from './fixtures';

/** Every layer's name stays inside its palette card, in the light and the dark theme (issue 14). */
for (const theme of ['light', 'dark'] as const) {
  test(`palette names fit their cards, ${theme} theme`, async ({ page, host }, info) => {
    // The page's localStorage (this file is type-checked without the DOM library).
    await page.addInitScript(
      (t) =>
        (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem(
          'layerlab.theme',
          t,
        ),
      theme,
    );
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(host.url);
    test.setTimeout(90_000);
    // The iris example opens on the Model step, with the palette.
    await page.getByTestId('sample-iris').click();
    await expect(page.getByTestId(`palette-${LAYER_TYPES[0]}`)).toBeVisible();
    const overflowing: string[] = [];
    for (const type of LAYER_TYPES) {
      const card = page.getByTestId(`palette-${type}`);
      await card.scrollIntoViewIfNeeded();
      const box = (await card.boundingBox())!;
      const name = (await card.locator('.palette-name').boundingBox())!;
      if (name.x + name.width > box.x + box.width - 4) overflowing.push(type);
    }
    expect(overflowing).toEqual([]);
    await page.locator('.palette').screenshot({ path: info.outputPath(`palette-${theme}.png`) });
  });
}
