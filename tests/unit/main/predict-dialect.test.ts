import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Preprocessing } from '../../../app/dataset/schema';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { createApi, type Api } from '../../../app/ipc/client';
import type { EventPayload } from '../../../app/ipc/contract';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { encodeRawRows } from '../../../main/data/encode';
import { EngineClient } from '../../../main/engine/client';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';
import { rowsInDialect } from '../../../main/services/predict-run';
import { layerlab, ROOT } from './run-layerlab';

/**
 * Issue 14.1: a European spreadsheet's CSV (";" between cells, "14,23" for 14.23) trains, and the
 * dialect its import detected travels with the model: preprocessing.json records it, the exported
 * predict.mjs (TF.js and ONNX) and predict.py read the very file the model was trained on, and
 * the playground takes a row typed as that file spells it ("13,2;…").
 */
let tmp: string;
let services: Services;
let api: Api;
let projectId: string;
let runId: string;
let runDir: string;
let dataFile: string;

const HEADER = ['size_m2', 'rooms', 'age_years', 'region', 'floor', 'price_keur'];
const comma = (v: number, digits: number) => v.toFixed(digits).replace('.', ',');

/** 120 rows of decimal-comma numbers, ";"-delimited, with a region, a missing value and a text column holding "1,5" (the category "1.5"). */
function rowsText(): string[] {
  const regions = ['nord', 'sud', 'zentrum'];
  const lines: string[] = [];
  for (let i = 0; i < 120; i++) {
    const size = 30 + ((i * 37) % 97) + ((i * 13) % 100) / 100;
    const rooms = 1 + (i % 5);
    const age = ((i * 29) % 80) / 4;
    const region = regions[i % 3]!;
    const price = 2.5 * size + 10 * rooms - 0.8 * age + (region === 'zentrum' ? 40 : 0) + ((i * 7) % 11) / 10;
    const floor = i % 4 === 0 ? 'EG' : comma((i % 3) + 0.5, 1);
    lines.push(
      [
        comma(size, 2),
        String(rooms),
        i === 5 ? 'NA' : comma(age, 2),
        region,
        floor,
        comma(price + (floor === '1,5' ? 15 : 0), 3),
      ].join(';'),
    );
  }
  return lines;
}
const LINES = rowsText();
/** Rows as the app's run.predict takes them: each cell's text exactly as the file holds it. */
const ROWS = LINES.map((line) => Object.fromEntries(HEADER.map((h, j) => [h, line.split(';')[j] ?? ''])));

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-predict-dialect-'));
  services = createServices({
    workspace: path.join(tmp, 'ws'),
    mode: 'host',
    engine: new EngineClient({ startTimeoutMs: 180_000 }),
  });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
  projectId = (await api.invoke('project.create', { name: 'Kommas' })).id;
  const text = `${HEADER.join(';')}\r\n${LINES.join('\r\n')}\r\n`;
  dataFile = path.join(tmp, 'exports', 'preise.csv');
  await mkdir(path.dirname(dataFile), { recursive: true });
  await writeFile(dataFile, text);
  const imported = await api.invoke('dataset.importText', { projectId, fileName: 'preise.csv', text });
  expect(imported.dataset!.csv).toMatchObject({ delimiter: ';', decimalComma: true });
  // "1,5" in a text column is the number it means: the category "1.5".
  expect(imported.dataset!.columns.find((c) => c.name === 'floor')).toMatchObject({
    kind: 'categorical',
    categories: ['0.5', '1.5', '2.5', 'EG'],
  });
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
  // Node finds predict.mjs's imports in the node_modules beside the exports.
  await symlink(path.join(ROOT, 'node_modules'), path.join(tmp, 'exports', 'node_modules'), 'dir');
}, 240_000);
afterAll(async () => {
  await services?.dispose();
  await rm(tmp, { recursive: true, force: true });
});

function spawnRun(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function hasNumpy(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const TFJS_NOTICE = /=+\nHi, looks like you are running TensorFlow\.js in Node\.js[^\n]*\n=+\n?/;

async function exportAs(format: 'tfjs' | 'onnx'): Promise<string> {
  const out = path.join(tmp, 'exports', format);
  if (existsSync(path.join(out, 'predict.mjs'))) return out;
  const result = await layerlab(['export', '--run', runDir, '--format', format, '--out', out]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return out;
}

/** predict.mjs on the training file itself against run.predict on the same cells, in the model's standardized units. */
async function expectSnippetReadsTrainingFile(out: string): Promise<void> {
  const result = await spawnRun(process.execPath, [path.join(out, 'predict.mjs'), dataFile], out);
  expect(result.stderr.replace(TFJS_NOTICE, '').trim()).toBe('');
  expect(result.code).toBe(0);
  const values = result.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { value: number }).value);
  const app = await api.invoke('run.predict', { projectId, runId, rows: ROWS });
  const pre = Preprocessing.parse(JSON.parse(await readFile(path.join(out, 'preprocessing.json'), 'utf8')));
  expect(values).toHaveLength(ROWS.length);
  values.forEach((v, r) => {
    const inApp = app.predictions[r]!.value!;
    expect(Math.abs(v - inApp) / pre.targetScaling!.std, `row ${r + 1}: ${v} vs ${inApp}`).toBeLessThanOrEqual(1e-5);
  });
}

describe('a decimal-comma, ";"-delimited CSV: the import dialect travels with the model', { timeout: 300_000 }, () => {
  it("preprocessing.json records the import's delimiter, decimal mark and encoding", async () => {
    const out = await exportAs('tfjs');
    const pre = Preprocessing.parse(JSON.parse(await readFile(path.join(out, 'preprocessing.json'), 'utf8')));
    expect(pre.csv).toEqual({ delimiter: ';', decimal: ',', encoding: 'utf-8', quoteChar: '"', header: true });
    const saved = Preprocessing.parse(
      JSON.parse(await readFile(path.join(runDir, 'model', 'preprocessing.json'), 'utf8')),
    );
    expect(saved.csv).toEqual(pre.csv);
  });

  it('the TF.js predict.mjs predicts the very file the model was trained on, as run.predict does (1e-5)', async () => {
    await expectSnippetReadsTrainingFile(await exportAs('tfjs'));
  });

  it('the ONNX predict.mjs (onnxruntime-node) predicts the training file as run.predict does (1e-5)', async () => {
    await expectSnippetReadsTrainingFile(await exportAs('onnx'));
  });

  it('predict.mjs still names the row and column of a cell that is not a number in that spelling', async () => {
    const out = await exportAs('tfjs');
    const bad = path.join(tmp, 'exports', 'bad.csv');
    await writeFile(bad, `${HEADER.join(';')}\n${LINES[0]}\n1.234,5;2;4,5;nord;EG;1\n`);
    const result = await spawnRun(process.execPath, [path.join(out, 'predict.mjs'), bad], out);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('predict.mjs: Row 2, column "size_m2": "1.234,5" is not a number.');
  });

  // Skipped, with this line printed, where python3 has no numpy (Debian: apt-get install python3-numpy).
  if (!hasNumpy())
    console.info('[skip] predict.py dialect check: python3 has no numpy here (apt-get install python3-numpy)');
  it.skipIf(!hasNumpy())(
    'predict.py reads the training file in its dialect and encodes it as the app does',
    async () => {
      const out = await exportAs('tfjs');
      const script = `import json, sys\nsys.path.insert(0, ${JSON.stringify(out)})\nimport predict\nprint(json.dumps(predict.encode_rows(predict.read_csv(${JSON.stringify(dataFile)})).tolist()))`;
      const { stdout, stderr } = await spawnRun('python3', ['-c', script], out);
      expect(stderr).toBe('');
      const pre = Preprocessing.parse(JSON.parse(await readFile(path.join(out, 'preprocessing.json'), 'utf8')));
      expect((JSON.parse(stdout) as number[][]).flat()).toEqual(
        Array.from(encodeRawRows(pre, rowsInDialect(pre, ROWS))),
      );
    },
  );

  it('the playground spells its fields and hint as the file does, and predicts a typed "13,2;…" row', async () => {
    const inputs = await api.invoke('run.predictInputs', { projectId, runId });
    expect(inputs.csv).toEqual({ delimiter: ';', decimal: ',' });
    const size = inputs.fields.find((f) => f.name === 'size_m2')!;
    expect(size.value).toMatch(/^\d+(,\d+)?$/);
    // A row typed as it appears in the CSV: 13,2;2;4,5;nord;1,5
    const typed = { size_m2: '13,2', rooms: '2', age_years: '4,5', region: 'nord', floor: '1,5' };
    const result = await api.invoke('run.predict', { projectId, runId, rows: [typed] });
    expect(Number.isFinite(result.predictions[0]!.value)).toBe(true);
    // As the import read the file: a cell's first "," is the point; a thousands separator is never guessed.
    const [pointed] = (await api.invoke('run.predict', { projectId, runId, rows: [{ ...typed, size_m2: '13.2' }] }))
      .predictions;
    expect(pointed!.value).toBe(result.predictions[0]!.value);
    await expect(
      api.invoke('run.predict', { projectId, runId, rows: [{ ...typed, size_m2: '1.234,5' }] }),
    ).rejects.toThrow('Row 1, column "size_m2": "1.234,5" is not a number.');
  });

  it('layerlab train --out, then export --data with the same decimal-comma file: the check reads it in its dialect', async () => {
    const out = path.join(tmp, 'exports', 'train-out');
    const trained = await layerlab([
      'train',
      '--data',
      dataFile,
      '--target',
      'price_keur',
      '--out',
      out,
      '--epochs',
      '3',
      '--learning-rate',
      '0.01',
    ]);
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);
    const again = path.join(tmp, 'exports', 'from-train-out');
    const exported = await layerlab(['export', '--run', out, '--data', dataFile, '--format', 'tfjs', '--out', again]);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/max difference/);
  }, 120_000);
});
