import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../app/ipc/client';
import type { EventPayload } from '../../../app/ipc/contract';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices } from '../../../main/services/create-services';
import { layerlab, ROOT } from './run-layerlab';
import { chooseWasmThreads } from '../../../main/engine/process/accelerations/wasm-threads';

let tmp: string;
const cli = (...args: string[]) => layerlab(args, { LAYERLAB_BACKEND: 'wasm' });
const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-reproduce-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('layerlab train --out: manifest.json, and layerlab reproduce', () => {
  it('records what the run needs, reproduces it bit for bit, and reports tampered weights and changed data', async () => {
    const data = path.join(tmp, 'iris.csv');
    await copyFile(path.join(ROOT, 'resources', 'iris.csv'), data);
    const out = path.join(tmp, 'run');
    const train = await cli('train', '--data', data, '--target', 'species', '--out', out, '--epochs', '4');
    expect(train.stderr).toBe('');
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/^Wrote .*manifest\.json\.$/m);

    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest.data.source).toMatchObject({ path: data, name: 'iris.csv', sha256: await sha256(data) });
    expect(manifest.data.dataset_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.split).toMatchObject({ validation_split: 0.2, seed: 42, spec: null });
    expect(manifest.split.rows_sha256).toMatch(/^[0-9a-f]{64}$/);
    // Every setting resolved: the LR range test's rate, the batch size chosen for the data.
    expect(typeof manifest.settings.learningRate).toBe('number');
    expect(manifest.settings).toMatchObject({ epochs: 4, batchSize: 32, seed: 42, optimizer: 'adam' });
    expect(manifest.settings_requested).toMatchObject({ learningRate: 'auto', batchSize: 'auto' });
    expect(manifest.environment).toMatchObject({
      layerlab_version: JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')).version,
      lockfile_sha256: await sha256(path.join(ROOT, 'package-lock.json')),
      backend: 'wasm',
      backend_threads: chooseWasmThreads(),
      arch: os.arch(),
      cpus: os.cpus().length,
    });
    expect(Object.keys(manifest.environment.kernels).length).toBeGreaterThan(0);
    expect(manifest.command.args).toEqual(['--data', data, '--target', 'species', '--epochs', '4']);

    const same = await cli('reproduce', out);
    expect(same.stderr).toBe('');
    expect(same.stdout).toMatch(/^Environment: the same backend \(wasm\) and machine/m);
    expect(same.stdout).toMatch(/^Curves: \d+ values over 4 epochs identical\.$/m);
    expect(same.stdout).toMatch(/^Weights: 1 file\(s\), \d+ bytes identical\.$/m);
    expect(same.stdout).not.toMatch(/Inputs differ/);
    expect(same.stdout).toMatch(/^Reproduced bit for bit\.$/m);
    expect(same.code).toBe(0);

    // One weight nudged by one float32 step: bit for bit no longer holds, and reproduce says so.
    const weightsFile = path.join(out, 'weights.bin');
    const weights = await readFile(weightsFile);
    weights.writeUInt32LE(weights.readUInt32LE(8) + 1, 8);
    await writeFile(weightsFile, weights);
    const tampered = await cli('reproduce', out);
    expect(tampered.stdout).toMatch(/^Curves: \d+ values over 4 epochs identical\.$/m);
    expect(tampered.stdout).toMatch(/^Weights: 1 file\(s\), \d+ bytes differ \(max \|Δ\| \d/m);
    expect(tampered.stdout).toMatch(/^Not reproduced: same backend and machine, yet the curves or weights differ\.$/m);
    expect(tampered.code).toBe(1);

    // The data file changed since: reproduce says so and does not train.
    const csv = await readFile(data, 'utf8');
    await writeFile(data, csv.replace(/\n5\.1,/, '\n5.2,'));
    const changed = await cli('reproduce', out);
    expect(changed.stdout).toMatch(
      /^Data: .*iris\.csv changed since the run \(SHA-256 [0-9a-f]{12}… then, [0-9a-f]{12}… now\)\.$/m,
    );
    expect(changed.stdout).toMatch(/^Not reproducible: /m);
    expect(changed.stdout).not.toMatch(/^ {2}epoch/m);
    expect(changed.code).toBe(1);
  }, 180_000);

  it("reproduces an app run from its project's runs/<id> folder, the dataset found by its fingerprint", async () => {
    const workspace = path.join(tmp, 'workspace');
    // The same backend as the CLI below (an engine inherits the environment), so bit for bit is expected.
    const backend = process.env.LAYERLAB_BACKEND;
    process.env.LAYERLAB_BACKEND = 'wasm';
    const services = createServices({ workspace, mode: 'host' });
    const api = createApi(createMemoryTransport(services.dispatch, services.bus));
    let runDir: string;
    try {
      const project = await api.invoke('project.create', { name: 'Reproduce me' });
      const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
      const state = await api.invoke('dataset.importText', { projectId: project.id, fileName: 'iris.csv', text });
      const taskSpec = { target: 'species', task: 'classification' as const };
      const shape = taskShape(state.dataset!, taskSpec);
      const ended = new Promise<EventPayload<'run.ended'>>((resolve) => api.on('run.ended', resolve));
      const started = await api.invoke('run.start', {
        projectId: project.id,
        taskSpec,
        graph: templateGraph('mlp', shape.inputWidth, shape.head),
        trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 3 },
      });
      expect((await ended).run.status).toBe('completed');
      runDir = services.projects.runDir(project.id, started.id);
    } finally {
      await services.dispose();
      if (backend === undefined) delete process.env.LAYERLAB_BACKEND;
      else process.env.LAYERLAB_BACKEND = backend;
    }
    const same = await cli('reproduce', runDir);
    expect(same.stderr).toBe('');
    expect(same.stdout).toMatch(
      /^Data: iris-\w+ in the project, unchanged \(fingerprint [0-9a-f]{12}…\)\. Training run run-/m,
    );
    expect(same.stdout).toMatch(/^Curves: \d+ values over 3 epochs identical\.$/m);
    expect(same.stdout).toMatch(/^Weights: 1 file\(s\), \d+ bytes identical\.$/m);
    expect(same.stdout).not.toMatch(/Inputs differ/);
    expect(same.stdout).toMatch(/^Reproduced bit for bit\.$/m);
    expect(same.code).toBe(0);
  }, 120_000);

  it('refuses a folder without a manifest, naming it', async () => {
    const run = await cli('reproduce', tmp);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^layerlab: Cannot reproduce .*: .*manifest\.json does not exist/);
  });
});
