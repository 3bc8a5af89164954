import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerlab, ROOT } from './run-layerlab';

const IRIS = path.join(ROOT, 'resources', 'iris.csv');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-cli-export-cancel-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('layerlab train: Ctrl-C during the export', () => {
  it('shows the export steps on stderr, and Ctrl-C removes the export and the --out folder it made', async () => {
    const out = path.join(tmp, 'out');
    const scratch = path.join(tmp, 'scratch');
    await mkdir(scratch);
    // At the first step (predicting the sample): the reload for the parity check, in a fresh
    // process, is still to come, so the interrupt lands mid-export.
    const run = await layerlab(
      ['train', '--data', IRIS, '--target', 'species', '--epochs', '2', '--out', out],
      { LAYERLAB_PROGRESS: 'always', TMPDIR: scratch },
      'Exporting to out: Step 1 of 4',
    );
    expect(run.interrupted).toBe(true);
    expect(run.stderr).toContain(
      'Exporting to out: Step 1 of 4: Predicting the validation sample with the trained model',
    );
    expect(run).toMatchObject({
      code: 130,
      stdout: expect.stringContaining(`Export cancelled; nothing was written to ${out}.`),
    });
    expect(run.stdout).not.toContain('Wrote ');
    expect(existsSync(out)).toBe(false);
    expect(await readdir(scratch)).toEqual([]);
  }, 180_000);
});

describe('layerlab export: Ctrl-C', () => {
  it('shows the steps on stderr, and Ctrl-C leaves no export folder and the run folder as it was', async () => {
    const trained = path.join(tmp, 'trained');
    const train = await layerlab(['train', '--data', IRIS, '--target', 'species', '--epochs', '2', '--out', trained]);
    expect(train.code, train.stderr).toBe(0);
    const before = (await readdir(trained)).sort();
    const exported = path.join(tmp, 'onnx');
    const run = await layerlab(
      ['export', '--run', trained, '--format', 'onnx', '--data', IRIS, '--out', exported],
      { LAYERLAB_PROGRESS: 'always' },
      'Exporting to onnx: Step 1 of ',
    );
    expect(run.interrupted).toBe(true);
    expect(run).toMatchObject({
      code: 130,
      stdout: expect.stringContaining(`Export cancelled; nothing was written to ${exported}.`),
    });
    expect(existsSync(exported)).toBe(false);
    expect((await readdir(trained)).sort()).toEqual(before);
  }, 180_000);
});
