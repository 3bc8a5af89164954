import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedData } from '../../../app/engine/protocol';
import type { ExportProgress } from '../../../app/progress/work-progress';
import { exportProgressText } from '../../../app/progress/work-progress';
import { EngineClient } from '../../../main/engine/client';
import { selectBackend } from '../../../main/engine/process/backend';
import { exportModel } from '../../../main/engine/process/export';
import { train } from '../../../main/engine/process/train';
import { config, irisGraph, tempDir, writeIris } from './fixtures';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let iris: PreparedData;
let modelDir: string;

beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  tmp = await tempDir('export-progress');
  iris = await writeIris(path.join(tmp.dir, 'iris'));
  const runDir = path.join(tmp.dir, 'run');
  const done = await train({ runId: 'iris', runDir, data: iris, graph: irisGraph(), config: config({ epochs: 3 }) });
  expect(done.status).toBe('completed');
  modelDir = path.join(runDir, 'model');
});
afterAll(async () => {
  await tmp.cleanup();
});

/** Hidden staging folders an export may leave beside or inside its target. */
const staging = async (dir: string) =>
  existsSync(dir) ? (await readdir(dir)).filter((name) => name.includes('.tmp-')) : [];

describe('export progress', () => {
  it('says each step as it starts, in order, and ends at total', async () => {
    const seen: ExportProgress[] = [];
    await exportModel({ modelDir, data: iris, outDir: path.join(tmp.dir, 'plain'), onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => p.done)).toEqual([0, 1, 2, 3, 4]);
    expect(seen.every((p) => p.total === 4 && p.unit === 'steps')).toBe(true);
    expect(seen.map(exportProgressText)).toEqual([
      'Step 1 of 4: Predicting the validation sample with the trained model',
      'Step 2 of 4: Writing the TensorFlow.js files and reloading them for the parity check',
      'Step 3 of 4: Writing the model card, preprocessing.json and code',
      'Step 4 of 4: Moving the files into place',
      'Done: 4 of 4 steps',
    ]);

    // Quantized weights add the step that measures what they cost.
    const lossy: ExportProgress[] = [];
    await exportModel({
      modelDir,
      data: iris,
      outDir: path.join(tmp.dir, 'uint8'),
      quantize: 'uint8',
      onProgress: (p) => lossy.push(p),
    });
    expect(lossy.map((p) => [p.done, p.total])).toEqual([
      [0, 5],
      [1, 5],
      [2, 5],
      [3, 5],
      [4, 5],
      [5, 5],
    ]);
    expect(lossy[2]!.step).toBe('Measuring the accuracy change on the validation sample');
  });

  it('a cancel at any step leaves no folder, no staging and no file behind', async () => {
    for (const at of [0, 1, 2, 3]) {
      const outDir = path.join(tmp.dir, 'cancelled', `at-${at}`);
      const controller = new AbortController();
      const outcome = await exportModel({
        modelDir,
        data: iris,
        outDir,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.done === at) controller.abort();
        },
      }).then(
        () => 'exported',
        (error: Error) => error.message,
      );
      expect(outcome, `cancelled at step ${at + 1}`).toBe(
        `The export was cancelled; nothing was written to ${outDir}.`,
      );
      expect(existsSync(outDir), `cancelled at step ${at + 1}`).toBe(false);
      expect(await staging(path.dirname(outDir))).toEqual([]);
    }
  });

  it('a cancelled re-export leaves the existing folder exactly as it was', async () => {
    const outDir = path.join(tmp.dir, 'existing');
    await mkdir(outDir, { recursive: true });
    await writeFile(path.join(outDir, 'model.json'), 'the old one');
    await writeFile(path.join(outDir, 'notes.txt'), 'mine');
    const controller = new AbortController();
    await expect(
      exportModel({
        modelDir,
        data: iris,
        outDir,
        signal: controller.signal,
        // Cancelled just before the files would move into place.
        onProgress: (p) => p.done === p.total - 1 && controller.abort(),
      }),
    ).rejects.toThrow('The export was cancelled');
    expect((await readdir(outDir)).sort()).toEqual(['model.json', 'notes.txt']);
    expect(await readFile(path.join(outDir, 'model.json'), 'utf8')).toBe('the old one');
  });
});

describe('export progress through the engine process', () => {
  let client: EngineClient;
  beforeAll(async () => {
    client = new EngineClient({ env: { LAYERLAB_BACKEND: '', LAYERLAB_WASM_THREADS: '' } });
    await client.start();
  });
  afterAll(() => client?.dispose());

  it('reports the steps to the main side, and its cancel reaches the engine and removes the export', async () => {
    const seen: ExportProgress[] = [];
    const done = await client.exportModel(
      { modelDir, data: iris, outDir: path.join(tmp.dir, 'via-engine') },
      { onProgress: (p) => seen.push(p) },
    );
    expect(done.files.length).toBeGreaterThan(0);
    expect(seen.map((p) => p.done)).toEqual([0, 1, 2, 3, 4]);

    const outDir = path.join(tmp.dir, 'via-engine-cancelled');
    const controller = new AbortController();
    await expect(
      client.exportModel(
        { modelDir, data: iris, outDir },
        { signal: controller.signal, onProgress: (p) => p.done === 0 && controller.abort() },
      ),
    ).rejects.toThrow(`The export was cancelled; nothing was written to ${outDir}.`);
    expect(existsSync(outDir)).toBe(false);
    expect(await staging(tmp.dir)).toEqual([]);
    // The engine is free again: the next export goes through.
    await expect(
      client.exportModel({ modelDir, data: iris, outDir: path.join(tmp.dir, 'after') }),
    ).resolves.toMatchObject({ outDir: path.join(tmp.dir, 'after') });
  }, 60_000);
});
