import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProjectService } from '../../../main/data';
import { importRunFolder } from '../../../main/services/run-import';

/**
 * `layerlab runs import` on folders that are not (yet) a train.py result: each refusal names the
 * file and what is wrong with it, and no run is written. (The whole round trip, with torchrun, is
 * pytorch-scale-out.test.ts.)
 */
let tmp = '';
let projects: ProjectService;
let projectId = '';
let dir = '';

const MODEL = {
  modelTopology: { class_name: 'Model', config: { layers: [] } },
  weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'dense/kernel', shape: [2, 3], dtype: 'float32' }] }],
};
const METRICS = {
  backend: 'pytorch 2.4 (cuda, amp, 8 processes)',
  config: {},
  epochs: [{ epoch: 0, loss: 1, val_loss: 1 }],
};

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-run-import-'));
  projects = new ProjectService(path.join(tmp, 'ws'));
  projectId = (await projects.create('Somewhere')).id;
});
afterAll(() => rm(tmp, { recursive: true, force: true }));
beforeEach(async () => {
  dir = path.join(tmp, `result-${Math.random().toString(36).slice(2)}`);
  await mkdir(dir);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(MODEL));
  await writeFile(path.join(dir, 'weights.bin'), Buffer.alloc(24));
  await writeFile(path.join(dir, 'metrics.json'), JSON.stringify(METRICS));
  await writeFile(
    path.join(dir, 'training.json'),
    JSON.stringify({ source: { workspace: null, project: projectId, run: 'run-gone', label: 'run run-gone' } }),
  );
});

async function refusal(): Promise<string> {
  const error = await importRunFolder(projects, dir).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  // Nothing written: the project has no run folder.
  const runs = projects.runsDir(projectId);
  expect(existsSync(runs) ? await readdir(runs) : []).toEqual([]);
  return (error as Error).message;
}

describe('runs import refuses what is not a run trained elsewhere', () => {
  it('a folder without model.json', async () => {
    await rm(path.join(dir, 'model.json'));
    expect(await refusal()).toBe(
      `${path.join(dir, 'model.json')} is missing: a TensorFlow.js Layers model (train.py writes one).`,
    );
  });

  it('weights that do not fill the manifest', async () => {
    await writeFile(path.join(dir, 'weights.bin'), Buffer.alloc(20));
    expect(await refusal()).toBe(`${path.join(dir, 'weights.bin')} hold 20 bytes, but model.json's weights need 24.`);
  });

  it('metrics.json without a trained epoch', async () => {
    await writeFile(path.join(dir, 'metrics.json'), JSON.stringify({ ...METRICS, epochs: [] }));
    expect(await refusal()).toContain(`${path.join(dir, 'metrics.json')} does not hold the run's epochs`);
    expect(await refusal()).toContain('no epoch was trained');
  });

  it('a training.json naming a run outside the project', async () => {
    await writeFile(
      path.join(dir, 'training.json'),
      JSON.stringify({ source: { workspace: null, project: projectId, run: '../../x', label: 'x' } }),
    );
    expect(await refusal()).toContain(`${path.join(dir, 'training.json')} does not hold where the run came from`);
  });

  it('a source run the project no longer has', async () => {
    expect(await refusal()).toBe(`Project "${projectId}" has no run "run-gone".`);
  });
});
