import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../../app/ipc/client';
import type { EventPayload } from '../../../app/ipc/contract';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { EngineClient } from '../../../main/engine/client';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';
import { layerlab, ROOT } from './run-layerlab';

/**
 * `layerlab export` on a project's run folder (trained here through the app's own services) and
 * on a `layerlab train --out`-style folder; the generated predict.mjs against the app's own
 * predict path (run.predict) on raw rows with a categorical column, a missing value and an
 * unseen category.
 */
let tmp: string;
let services: Services;
let api: Api;
let projectId: string;
let runId: string;
let runDir: string;

/** Raw house-price rows as a user has them: a missing number, an unseen neighborhood. */
const HEADER = 'size_sqm,rooms,age_years,neighborhood';
const RAW = ['68,2,74,riverside', '120,4,5,suburb', '55,NA,30,center', '90,3,,downtown-new'];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-cli-export-'));
  // A generous start timeout: this file is one of many starting engines on a shared machine.
  services = createServices({
    workspace: path.join(tmp, 'ws'),
    mode: 'host',
    engine: new EngineClient({ startTimeoutMs: 180_000 }),
  });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
  const created = await api.invoke('project.create', { name: 'Houses' });
  projectId = created.id;
  const text = await readFile(path.join(ROOT, 'resources', 'house-prices.csv'), 'utf8');
  const imported = await api.invoke('dataset.importText', { projectId, fileName: 'house-prices.csv', text });
  const taskSpec = { target: 'price_keur', task: 'regression' as const };
  const shape = taskShape(imported.dataset!, taskSpec);
  const ended = new Promise<EventPayload<'run.ended'>>((resolve) => {
    const off = api.on('run.ended', (payload) => {
      off();
      resolve(payload);
    });
  });
  await api.invoke('run.start', {
    projectId,
    taskSpec,
    graph: templateGraph('mlp', shape.inputWidth, shape.head),
    trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 5 },
  });
  const { run } = await ended;
  expect(run.status).toBe('completed');
  runId = run.id;
  runDir = services.projects.runDir(projectId, runId);
  // Exports sit under tmp/exports: Node finds predict.mjs's imports in the node_modules beside them.
  await mkdir(path.join(tmp, 'exports'), { recursive: true });
  await symlink(path.join(ROOT, 'node_modules'), path.join(tmp, 'exports', 'node_modules'), 'dir');
  await writeFile(path.join(tmp, 'rows.csv'), `${HEADER}\n${RAW.join('\n')}\n`);
}, 240_000);
afterAll(async () => {
  await services?.dispose();
  await rm(tmp, { recursive: true, force: true });
});

function node(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: path.dirname(script) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** predict.mjs's values against run.predict's, in standardized units (the model's own output scale). */
async function expectSnippetMatchesApp(outDir: string, tolerance: number): Promise<void> {
  const result = await node(path.join(outDir, 'predict.mjs'), [path.join(tmp, 'rows.csv')]);
  expect(
    result.stderr.replace(/=+\nHi, looks like you are running TensorFlow\.js in Node\.js[^\n]*\n=+\n?/, '').trim(),
  ).toBe('');
  expect(result.code).toBe(0);
  const values = result.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { value: number }).value);
  const rows = RAW.map((line) => Object.fromEntries(HEADER.split(',').map((h, j) => [h, line.split(',')[j] ?? ''])));
  const app = await api.invoke('run.predict', { projectId, runId, rows });
  const pre = JSON.parse(await readFile(path.join(outDir, 'preprocessing.json'), 'utf8')) as {
    targetScaling: { mean: number; std: number };
  };
  expect(values).toHaveLength(RAW.length);
  values.forEach((v, r) => {
    const inApp = app.predictions[r]!.value!;
    expect(Math.abs(v - inApp) / pre.targetScaling.std, `row ${r + 1}: ${v} vs ${inApp}`).toBeLessThanOrEqual(
      tolerance,
    );
  });
}

// Each case runs the real CLI (and most an engine process): slow on a loaded machine.
describe('layerlab export', { timeout: 300_000 }, () => {
  it('exports a project run as TF.js, prints the parity figure, and its predict.mjs reproduces run.predict within 1e-5', async () => {
    const out = path.join(tmp, 'exports', 'tfjs');
    const result = await layerlab(['export', '--run', runDir, '--format', 'tfjs', '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `Exported run ${runId} as tfjs to ${out}: MODEL_CARD.md, model.json, predict.mjs, predict.py, preprocessing.json, weights.bin.`,
    );
    expect(result.stdout).toMatch(
      /Parity: max difference \S+ over 80 validation rows, checked with tf\.loadLayersModel in a fresh process \(plain tfjs [\d.]+\) \(allowed 1e-5\)\./,
    );
    const card = await readFile(path.join(out, 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain('- Dataset: house-prices (400 rows)');
    expect(card).toContain(`- Source: run ${runId} of project "Houses"`);
    expect(card).toMatch(/\| neighborhood \| categorical \| one-hot over \d+: /);
    expect(card).toMatch(/\| dense_1 \| Dense \| \(None, \d+\) \| \d+ \|/);
    expect(card).toMatch(/\| MAE \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
    expect(card).toContain('| optimizer | adam |');
    await expectSnippetMatchesApp(out, 1e-5);
  });

  it('exports ONNX whose predict.mjs (onnxruntime-node) reproduces run.predict within 1e-5', async () => {
    const out = path.join(tmp, 'exports', 'onnx');
    const result = await layerlab(['export', '--run', runDir, '--format', 'onnx', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/checked with onnxruntime-node [\d.]+ \(allowed 1e-4\)/);
    expect(existsSync(path.join(out, 'model.onnx'))).toBe(true);
    await expectSnippetMatchesApp(out, 1e-5);
  });

  it('quantizes TF.js weights to uint8 and reports the size and the MAE change', async () => {
    const out = path.join(tmp, 'exports', 'uint8');
    const result = await layerlab(['export', '--run', runDir, '--quantize', 'uint8', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('(reduced precision: judged by the accuracy change)');
    expect(result.stdout).toMatch(/MAE on the validation rows: in-app [\d.]+, exported [\d.]+ \([+-][\d.e-]+\)\./);
    expect(result.stdout).toMatch(/Size: \d+ bytes of weights \(float32 TF\.js weights: \d+ bytes, 75% smaller\)\./);
  });

  it('exports a layerlab train --out folder when given --data rows, and asks for them otherwise', async () => {
    const trained = path.join(tmp, 'train-out');
    await mkdir(trained);
    for (const f of ['model.json', 'weights.bin', 'preprocessing.json'])
      await copyFile(path.join(runDir, 'model', f), path.join(trained, f));
    const out = path.join(tmp, 'exports', 'from-train-out');
    const missing = await layerlab(['export', '--run', trained, '--format', 'h5', '--out', out]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `layerlab: ${trained} keeps no validation rows to check the export on (layerlab train --out writes none): add --data FILE.csv, raw rows with the model's columns and its target.\n`,
    );
    const ok = await layerlab([
      'export',
      '--run',
      trained,
      '--format',
      'tfjs',
      '--data',
      path.join(ROOT, 'resources', 'house-prices.csv'),
      '--out',
      out,
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/over 400 rows of house-prices\.csv, checked with tf\.loadLayersModel/);
    expect(await readFile(path.join(out, 'MODEL_CARD.md'), 'utf8')).toContain('- Dataset: house-prices.csv (400 rows)');
  });

  it('exits 2 with one line for usage mistakes and 1 for a folder that is not a run', async () => {
    const out = path.join(tmp, 'exports', 'never');
    const cases: [string[], number, string][] = [
      [
        ['export', '--format', 'tfjs', '--out', out],
        2,
        "export needs --run RUN_DIR (a project's runs/<id> folder or a layerlab train --out folder).",
      ],
      [
        ['export', '--run', runDir, '--format', 'onnx', '--quantize', 'uint8', '--out', out],
        2,
        'Cannot export: --quantize uint8 applies to the tfjs format only, not onnx.',
      ],
      [
        ['export', '--run', tmp, '--out', out],
        1,
        `${tmp} is not a run folder: it has neither run.json (a project's runs/<id>) nor model.json (a layerlab train --out folder).`,
      ],
    ];
    for (const [args, code, line] of cases) {
      const result = await layerlab(args);
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr).toBe(`layerlab: ${line}${code === 2 ? ' Run "layerlab --help".' : ''}\n`);
    }
    expect(existsSync(out)).toBe(false);
  });
});
