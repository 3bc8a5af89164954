import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures';
import { IRIS, projectWithIris, trainMlp } from './helpers';

/**
 * What a new user meets (issue 14): the examples on the first screen, the data step at 1440 px,
 * the graph editor with many layers and many problems, and the evaluation and playground views
 * after a short run, in both themes.
 */

const node = (page: Page, id: string) => page.locator(`[data-testid="graph-node"][data-node-id="${id}"]`);
const pick = (page: Page, id: string) => node(page, id).locator('.layer-node-head').click();

/**
 * What the page code here uses of the browser: this file is type-checked without the DOM library
 * (as the other specs), so the callbacks run in the page name these types themselves.
 */
interface Box {
  scrollWidth: number;
  clientWidth: number;
  textContent: string | null;
  getBoundingClientRect(): { height: number };
}
interface Style {
  fontSize: string;
  lineHeight: string;
  overflowY: string;
  transform: string;
  height: string;
  borderRadius: string;
  borderTopColor: string;
  backgroundColor: string;
  color: string;
}
interface PathLike {
  getTotalLength(): number;
  getPointAtLength(at: number): { x: number; y: number };
  getScreenCTM(): { a: number; b: number; c: number; d: number; e: number; f: number } | null;
}
interface Win {
  getComputedStyle(el: unknown): Style;
  DOMMatrixReadOnly: new (transform: string) => { a: number };
  document: { body: unknown; querySelector(selector: string): unknown };
}

/** Every element of `selector` shows its whole text (nothing cut off with an ellipsis). */
async function expectNothingCut(page: Page, selector: string) {
  const cut = await page
    .locator(selector)
    .evaluateAll((els) =>
      (els as unknown as Box[]).filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent),
    );
  expect(cut).toEqual([]);
}

test('an example project in one click; the data step shows whole steps, all column statistics and decimal commas as read', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  await page.goto(host.url);
  await expect(page.getByTestId('sample-list')).toBeVisible();
  await page.getByTestId('sample-iris').click();
  // The project is made, iris imported, species the target, and the model step open with a valid model.
  await expect(page.getByTestId('graph-issues')).toContainText('The model is valid');
  await expect(page.getByTestId('nav-data')).toContainText('150 rows · species');
  await expectNothingCut(page, '.step-detail');
  await expect(page.getByTestId('nav-export')).toContainText('Needs a trained model');

  await page.getByTestId('nav-data').click();
  await expect(page.getByTestId('task-select')).toHaveValue('classification');
  // The drop zone's sentence reads on one or two lines, not a word per line beside the pickers.
  expect((await page.locator('.dropzone.is-compact .dropzone-text').boundingBox())!.height).toBeLessThan(60);
  // Min, Mean, Max and Std fit in a 1440 px window: no sideways scrolling needed.
  const scroller = page.getByTestId('column-table').locator('xpath=..');
  const { scrollWidth, clientWidth } = await scroller.evaluate((el) => ({
    scrollWidth: (el as unknown as Box).scrollWidth,
    clientWidth: (el as unknown as Box).clientWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth + 1);
  await expect(page.getByTestId('column-table').locator('tr[data-column="sepal_length"] td').last()).toHaveText(
    /^0\.8\d+$/,
  );

  // A decimal-comma file (";" between cells): the preview shows the numbers the import reads.
  const lines = readFileSync(IRIS, 'utf8').trim().split('\n');
  const european = lines.map((l, i) =>
    i === 0 ? l.replaceAll(',', ';') : l.replaceAll(',', ';').replaceAll('.', ','),
  );
  await page.getByTestId('csv-file-input').setInputFiles({
    name: 'iris-eu.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(european.join('\n') + '\n'),
  });
  await expect(page.getByTestId('dataset-summary')).toContainText('iris-eu.csv');
  // The CSV options are styled like the app's other fields (34 px, rounded, themed), not bare browser controls.
  await page.getByTestId('import-options').locator('summary').click();
  const look = (testId: string) =>
    page.getByTestId(testId).evaluate((el) => {
      const s = (globalThis as unknown as Win).getComputedStyle(el);
      return { height: s.height, radius: s.borderRadius, border: s.borderTopColor, bg: s.backgroundColor };
    });
  expect(await look('option-delimiter')).toEqual(await look('target-select'));
  const first = page.getByTestId('preview-table').locator('tbody tr').first();
  await expect(first.locator('td').nth(1)).toHaveText('5.1');
  await expect(first.locator('td').nth(1)).toHaveAttribute('title', '5,1 in the file');

  // The time-series example sets up its windows: Close from the last 5 days, sorted by Date, as percent changes.
  await page.getByRole('button', { name: 'All projects' }).click();
  await page.getByTestId('sample-stock-prices').click();
  await expect(page.getByTestId('graph-issues')).toContainText('The model is valid');
  await page.getByTestId('nav-data').click();
  await expect(page.getByTestId('time-series-toggle')).toBeChecked();
  await expect(page.getByTestId('time-column-select')).toHaveValue('Date');
  await expect(page.getByTestId('differencing-select')).toHaveValue('pct');
  await expect(page.getByTestId('time-series-summary')).toContainText('the last 5 rows of Close');
});

test('the graph editor: problems listed once with a count, Fit keeps text readable, edges easy to pick', async ({
  page,
  host,
}) => {
  test.setTimeout(150_000);
  await projectWithIris(page, host.url, 'Crowded');
  await page.getByTestId('nav-model').click();
  await page.getByTestId('template-linear').click();
  const confirm = page.getByTestId('confirm-template');
  if (await confirm.isVisible()) await confirm.click();
  await expect(page.getByTestId('graph-node')).toHaveCount(2);

  // An edge is picked by a click 15 px (at zoom 1) beside its line.
  const zoom = async () =>
    page.locator('.react-flow__viewport').evaluate((el) => {
      const win = globalThis as unknown as Win;
      return new win.DOMMatrixReadOnly(win.getComputedStyle(el).transform).a;
    });
  const z = await zoom();
  const line = page.locator('.react-flow__edge path.react-flow__edge-path').first();
  const mid = await line.evaluate((el) => {
    const path = el as unknown as PathLike;
    const p = path.getPointAtLength(path.getTotalLength() / 2);
    const m = path.getScreenCTM()!;
    return { x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f };
  });
  await page.mouse.click(mid.x + 15 * z, mid.y + 20 * z);
  await expect(page.locator('[data-testid="edge-shape"].is-selected')).toHaveCount(1);

  // Ten layers in a column: Fit frames them at a zoom where node text stays >= 10 px.
  await pick(page, 'input');
  for (let i = 1; i <= 10; i++) {
    await page.getByTestId('palette-Dense').click();
    await expect(node(page, `dense_${i}`)).toBeVisible();
  }
  await page.getByTestId('graph-fit-view').click();
  await page.waitForTimeout(400);
  const fontPx = await node(page, 'dense_5')
    .locator('.layer-config')
    .evaluate((el) => parseFloat((globalThis as unknown as Win).getComputedStyle(el).fontSize));
  expect(fontPx * (await zoom())).toBeGreaterThanOrEqual(10);
  await expect(node(page, 'input')).toBeInViewport();

  // Three stray layers with one problem: one line, "×3", and the list scrolls rather than clipping.
  const canvas = page.getByTestId('graph-canvas');
  const box = (await canvas.boundingBox())!;
  for (const y of [0.2, 0.45, 0.7]) {
    await page
      .getByTestId('palette-Dropout')
      .dragTo(canvas, { targetPosition: { x: box.width * 0.85, y: box.height * y } });
  }
  const issues = page.getByTestId('graph-issue');
  await expect(issues.filter({ hasText: 'Dropout: it has no input' })).toHaveCount(1);
  await expect(issues.filter({ hasText: 'Dropout: it has no input' })).toContainText('×3');
  const texts = await issues.allTextContents();
  expect(new Set(texts).size).toBe(texts.length);
  const list = page.getByTestId('graph-issues');
  expect(await list.evaluate((el) => (globalThis as unknown as Win).getComputedStyle(el).overflowY)).toBe('auto');

  // Type names in the summary never break ("MaxPooling2 D").
  await pick(page, 'dense_10');
  await page.getByTestId('palette-MaxPooling2D').click();
  const typeName = page.getByTestId('model-summary').locator('.layer-type-name', { hasText: 'MaxPooling2D' });
  const lines = await typeName.evaluate(
    (el) =>
      (el as unknown as Box).getBoundingClientRect().height /
      parseFloat((globalThis as unknown as Win).getComputedStyle(el).lineHeight),
  );
  expect(lines).toBeLessThan(1.5);
});

test('after a short run: the actual class beside confident mistakes, readable ROC/PR legends, playground sliders', async ({
  page,
  host,
}) => {
  test.setTimeout(200_000);
  await projectWithIris(page, host.url, 'First run');
  await trainMlp(page, 2);

  const panel = page.getByTestId('evaluation-panel');
  await panel.getByTestId('evaluate-button').click();
  const wrong = panel.getByTestId('wrong-table');
  await expect(wrong.locator('th').nth(1)).toHaveText('actual');
  await expect(wrong.locator('th').nth(2)).toHaveText('predicted');
  const first = wrong.getByTestId('example-row').first();
  const actual = await first.locator('td').nth(1).textContent();
  expect(['setosa', 'versicolor', 'virginica']).toContain(actual);
  // The species column of the raw row is the actual class; the predicted one differs.
  await expect(first.locator('td').last()).toHaveText(actual!);
  await expect(first.locator('td').nth(2)).not.toHaveText(actual!);

  for (const chart of ['roc-chart', 'pr-chart']) {
    const legend = panel.getByTestId(`${chart}-legend`).locator('li');
    await expect(legend).toHaveCount(3);
    const label = panel
      .getByTestId(chart)
      .locator('text.recharts-label', { hasText: chart === 'roc-chart' ? 'false positive rate' : 'recall' });
    const a = (await label.boundingBox())!;
    const b = (await panel.getByTestId(`${chart}-legend`).boundingBox())!;
    expect(a.y + a.height).toBeLessThanOrEqual(b.y);
    const ticks = await panel.getByTestId(chart).locator('.recharts-xAxis .recharts-cartesian-axis-tick').all();
    for (const tick of ticks) {
      const t = (await tick.boundingBox())!;
      expect(t.y + t.height).toBeLessThanOrEqual(a.y + 1);
    }
  }

  await page.getByTestId('nav-export').click();
  const playground = page.getByTestId('playground');
  const slider = playground.getByTestId('playground-slider-petal_length');
  await expect(slider).toHaveAttribute('min', '1');
  await expect(slider).toHaveAttribute('max', '6.9');
  await playground.getByTestId('predict-button').click();
  await expect(playground.getByTestId('predict-result')).toBeVisible();
  // Dragging the slider writes the field and the prediction follows it.
  await slider.fill('6.5');
  await expect(playground.getByTestId('playground-field-petal_length')).toHaveValue('6.50');
  await slider.fill('1');
  await expect(playground.getByTestId('playground-field-petal_length')).toHaveValue('1.00');
});

test('light and dark themes: the system preference by default, a toggle that is remembered', async ({ page, host }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(host.url);
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  const colours = () =>
    page.evaluate(() => {
      const win = globalThis as unknown as Win;
      const body = win.getComputedStyle(win.document.body);
      const card = win.getComputedStyle(win.document.querySelector('.card'));
      return { bg: body.backgroundColor, text: body.color, card: card.backgroundColor };
    });
  // Light text on dark surfaces.
  const luminance = (rgb: string) => {
    const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  let c = await colours();
  expect(luminance(c.bg)).toBeLessThan(40);
  expect(luminance(c.card)).toBeLessThan(50);
  expect(luminance(c.text)).toBeGreaterThan(200);

  // Auto → Light → Dark → Auto, kept across a reload.
  const toggle = page.getByTestId('theme-toggle');
  await expect(toggle).toHaveAttribute('data-theme-choice', 'system');
  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  c = await colours();
  expect(luminance(c.bg)).toBeGreaterThan(230);
  expect(luminance(c.text)).toBeLessThan(60);
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('theme-toggle').click();
  await expect(page.getByTestId('theme-toggle')).toHaveAttribute('data-theme-choice', 'system');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'light');
});
