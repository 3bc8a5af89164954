import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { projectWithIris } from './helpers';

/**
 * Transfer learning in the browser: a TF.js model made here with tfjs (a "pretrained" backbone
 * and a head) is imported from the Model step, its backbone frozen with the mouse, the head
 * trained on iris; the backbone's weights in the run's model are exactly the imported ones.
 */

const node = (page: Page, id: string) => page.locator(`[data-testid="graph-node"][data-node-id="${id}"]`);

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

/** model.json + weights.bin as tfjs writes them, without a file-system IO handler (plain tfjs has none in Node). */
async function saveTfjsModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const manifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }];
      await writeFile(
        path.join(dir, 'model.json'),
        JSON.stringify({ modelTopology: artifacts.modelTopology, format: 'layers-model', weightsManifest: manifest }),
      );
      await writeFile(path.join(dir, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Each weight's float32 values by name ("backbone/kernel"), read from a model.json's single shard. */
async function weightsIn(dir: string): Promise<Map<string, number[]>> {
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as {
    weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  };
  const out = new Map<string, number[]>();
  for (const group of json.weightsManifest) {
    const bytes = Buffer.concat(await Promise.all(group.paths.map((p) => readFile(path.join(dir, p)))));
    let offset = 0;
    for (const spec of group.weights) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      out.set(
        spec.name,
        Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + n * 4))),
      );
      offset += n * 4;
    }
  }
  return out;
}

test('import a TF.js model, freeze its backbone, train the head on iris: the frozen weights are unchanged', async ({
  page,
  host,
}) => {
  test.setTimeout(180_000);
  const source = await mkdtemp(path.join(os.tmpdir(), 'layerlab-e2e-model-'));
  try {
    await tf.setBackend('cpu');
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          name: 'backbone',
          units: 8,
          activation: 'relu',
          inputShape: [4],
          biasInitializer: 'randomNormal',
        }),
        tf.layers.dense({ name: 'head', units: 3, activation: 'softmax' }),
      ],
    });
    await saveTfjsModel(model, source);
    model.dispose();
    const original = await weightsIn(source);

    await projectWithIris(page, host.url, 'Transfer');
    await page.getByTestId('nav-model').click();
    await page
      .getByTestId('import-model-input')
      .setInputFiles([path.join(source, 'model.json'), path.join(source, 'weights.bin')]);
    await expect(page.getByTestId('import-model-result')).toContainText(
      'Imported model.json: 3 layers, 67 parameters, weights of 2 layers',
    );
    await expect(node(page, 'backbone')).toBeVisible();
    await expect(page.getByTestId('graph-issues')).toContainText('67 trainable parameters');

    // Freeze the backbone with the mouse: the summary moves its 40 parameters to non-trainable.
    await node(page, 'backbone').locator('.layer-node-head').click();
    await page.getByTestId('trainable-toggle').uncheck();
    await expect(node(page, 'backbone').getByTestId('frozen-badge')).toBeVisible();
    await expect(page.getByTestId('graph-issues')).toContainText('27 trainable parameters and 40 non-trainable');
    await expect(page.getByTestId('non-trainable-params')).toHaveText('40');

    await page.getByTestId('nav-train').click();
    await page.getByTestId('epochs-input').fill('3');
    await page.getByTestId('train-button').click();
    await expect(page.getByTestId('run-status')).toContainText('completed', { timeout: 120_000 });

    const runsDir = path.join(host.workspace, 'projects', 'transfer', 'runs');
    const [runId] = await readdir(runsDir);
    const trained = await weightsIn(path.join(runsDir, runId!, 'model'));
    expect(trained.get('backbone/kernel')).toEqual(original.get('backbone/kernel'));
    expect(trained.get('backbone/bias')).toEqual(original.get('backbone/bias'));
    // The head trained: it started from the imported values and moved.
    expect(trained.get('head/kernel')).toHaveLength(24);
    expect(trained.get('head/kernel')).not.toEqual(original.get('head/kernel'));

    // The import survives a reload: the graph still names its weights and the backbone stays frozen.
    await page.reload();
    await page.getByTestId('nav-model').click();
    await expect(node(page, 'backbone').getByTestId('frozen-badge')).toBeVisible();
  } finally {
    await rm(source, { recursive: true, force: true });
  }
});
