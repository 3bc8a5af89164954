import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PreparedData } from '../../../app/engine/protocol';
import { AVAILABLE_EXPORT_FORMATS, EXPORT_FORMATS } from '../../../app/engine/export-options';
import { selectBackend } from '../../../main/engine/process/backend';
import { exportModel, ExportError } from '../../../main/engine/process/export';
import { encodeRawRows } from '../../../main/data/encode';
import { renderModelCard } from '../../../main/engine/process/formats/model-card';
import { predictAll } from '../../../main/engine/process/formats/predictions';
import { predictRows } from '../../../main/engine/process/predict';
import { train } from '../../../main/engine/process/train';
import { chainGraph, config, irisGraph, ROOT, tempDir, writeIris, writeRegression } from './fixtures';

function run(
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

/** Lets one test make the writer's reload disagree with the in-app model (the judgement under test). */
const sabotage = vi.hoisted(() => ({ offset: 0 }));
vi.mock('../../../main/engine/process/formats/registry', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../main/engine/process/formats/registry')>();
  return {
    writerFor: async (...args: Parameters<typeof real.writerFor>) => {
      const writer = await real.writerFor(...args);
      return async (job: Parameters<Awaited<ReturnType<typeof real.writerFor>>>[0]) => {
        const outcome = await writer(job);
        if (sabotage.offset === 0) return outcome;
        const predictions = outcome.predictions.map((v) => v + sabotage.offset);
        return { ...outcome, predictions, maxAbsDiff: sabotage.offset };
      };
    },
  };
});

let tmp: Awaited<ReturnType<typeof tempDir>>;
let iris: PreparedData;
let irisModel: string;
let regression: PreparedData;
let regressionModel: string;

beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  tmp = await tempDir('export-tfjs');
  iris = await writeIris(path.join(tmp.dir, 'iris'));
  const irisRun = path.join(tmp.dir, 'iris-run');
  expect(
    (await train({ runId: 'iris', runDir: irisRun, data: iris, graph: irisGraph(), config: config({ epochs: 30 }) }))
      .status,
  ).toBe('completed');
  irisModel = path.join(irisRun, 'model');
  regression = await writeRegression(path.join(tmp.dir, 'reg'));
  const regRun = path.join(tmp.dir, 'reg-run');
  const regGraph = chainGraph([2], [{ type: 'Dense', units: 16, activation: 'relu' }], {
    units: 1,
    activation: 'linear',
  });
  expect(
    (await train({ runId: 'reg', runDir: regRun, data: regression, graph: regGraph, config: config({ epochs: 30 }) }))
      .status,
  ).toBe('completed');
  regressionModel = path.join(regRun, 'model');
}, 60_000);
afterAll(async () => {
  await tmp?.cleanup();
});

/** What a user's code does: stock tf.loadLayersModel on model.json + weights.bin from memory. */
async function stockLoad(dir: string): Promise<{ model: tf.LayersModel; manifest: tf.io.WeightsManifestEntry[] }> {
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const group = json.weightsManifest[0]!;
  const weights = await readFile(path.join(dir, group.paths[0]!));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: group.weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
  return { model, manifest: group.weights };
}

async function stockAccuracy(dir: string, data: PreparedData): Promise<number> {
  const { model } = await stockLoad(dir);
  const xs = new Float32Array((await readFile(path.join(data.dir, 'x_val.f32'))).buffer.slice(0));
  const ys = new Float32Array((await readFile(path.join(data.dir, 'y_val.f32'))).buffer.slice(0));
  const x = tf.tensor(xs, [data.valRows, data.inputWidth]);
  const p = await predictAll(model, x);
  x.dispose();
  model.dispose();
  let right = 0;
  for (let r = 0; r < data.valRows; r++) {
    const row = Array.from(p.slice(r * 3, r * 3 + 3));
    const truth = Array.from(ys.slice(r * 3, r * 3 + 3));
    if (row.indexOf(Math.max(...row)) === truth.indexOf(1)) right++;
  }
  return right / data.valRows;
}

describe('exportModel: TF.js float32', () => {
  it('writes the model, preprocessing, snippets and model card, reloaded to within 1e-5', async () => {
    const outDir = path.join(tmp.dir, 'out', 'float32');
    const result = await exportModel({
      modelDir: irisModel,
      data: iris,
      outDir,
      now: new Date('2026-01-02T03:04:05Z'),
    });
    expect(result.files.map((f) => path.basename(f)).sort()).toEqual([
      'MODEL_CARD.md',
      'model.json',
      'predict.mjs',
      'predict.py',
      'preprocessing.json',
      'weights.bin',
    ]);
    for (const f of result.files) expect(existsSync(f), f).toBe(true);
    expect(result).toMatchObject({
      format: 'tfjs',
      quantize: null,
      float16Weights: false,
      tolerance: 1e-5,
      rowsCompared: 30,
      accuracy: null,
    });
    expect(result.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(result.checkedWith).toBe(`tf.loadLayersModel in a fresh process (plain tfjs ${tf.version.tfjs})`);
    // Iris MLP 4→16→3: (4·16+16) + (16·3+3) = 131 float32 weights.
    expect(result.sizes).toEqual({ weights: 131 * 4, float32Tfjs: 131 * 4 });
    expect((await stat(path.join(outDir, 'weights.bin'))).size).toBe(131 * 4);
    expect((await readdir(path.dirname(outDir))).filter((n) => n.includes('.tmp-'))).toEqual([]);

    const card = await readFile(path.join(outDir, 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain('# Model card: classification of `species`');
    expect(card).toContain('Exported by Layerlab on 2026-01-02T03:04:05.000Z.');
    expect(card).toMatch(/\| sepal_length \| numeric \| \(x − [\d.]+\) \/ [\d.]+; missing → [\d.]+ \|/);
    expect(card).toContain('Total parameters: 131.');
    expect(card).toContain(`Checked with: tf.loadLayersModel in a fresh process (plain tfjs ${tf.version.tfjs})`);
    expect(card).toMatch(/Parity: max \|exported − in-app\| = \S+ over 30 validation rows \(allowed 1e-5\)/);
  });

  it('puts the held-out test score in the model card once the run was evaluated on its test split', async () => {
    const result = await exportModel({
      modelDir: irisModel,
      data: iris,
      outDir: path.join(tmp.dir, 'out', 'card-test'),
      now: new Date('2026-01-02T03:04:05Z'),
    });
    const { outDir: _outDir, ...exported } = result;
    const context = {
      source: 'run r1 of project "Iris"',
      dataset: { name: 'iris.csv', rows: 150 },
      graph: null,
      hyperparameters: null,
      epochs: [{ epoch: 0, loss: 0.5, val_loss: 0.6, accuracy: 0.8, val_accuracy: 0.7 }],
      baseline: null,
      verdicts: [],
      backend: 'wasm',
      trainedAt: '2026-01-01T00:00:00Z',
    };
    const facts = {
      preprocessing: iris.preprocessing,
      builtLayers: [],
      exported,
      exportBackend: 'wasm',
      date: new Date('2026-01-02T03:04:05Z'),
    };
    expect(renderModelCard({ ...facts, context })).toContain('Test split: not evaluated');
    const card = renderModelCard({
      ...facts,
      context: {
        ...context,
        testScore: { evaluatedAt: '2026-01-03T00:00:00Z', rows: 23, loss: 0.1234, accuracy: 0.913 },
      },
    });
    expect(card).toContain(
      'Test split (held out, evaluated once on 2026-01-03T00:00:00Z, 23 rows): loss 0.1234, accuracy 91.3%.',
    );
  });

  it('refuses formats that are not available and options that do not fit the format, writing nothing', async () => {
    const outDir = path.join(tmp.dir, 'out', 'refused');
    for (const format of EXPORT_FORMATS.filter((f) => !(AVAILABLE_EXPORT_FORMATS as readonly string[]).includes(f))) {
      await expect(exportModel({ modelDir: irisModel, data: iris, outDir, format })).rejects.toThrow(
        `format ${format} is not available`,
      );
    }
    await expect(
      exportModel({ modelDir: irisModel, data: iris, outDir, format: 'tfjs', float16Weights: true }),
    ).rejects.toThrow(
      'float16 weights apply to the onnx format only, not tfjs (TF.js takes quantize float16 instead).',
    );
    expect(existsSync(outDir)).toBe(false);
  });

  it('fails the export, naming the figure, when the reloaded files differ by more than the tolerance', async () => {
    const outDir = path.join(tmp.dir, 'out', 'mismatch');
    sabotage.offset = 2e-5;
    try {
      const error = await exportModel({ modelDir: irisModel, data: iris, outDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExportError);
      expect((error as Error).message).toBe(
        `The tfjs export does not reproduce the trained model: checked with tf.loadLayersModel in a fresh process (plain tfjs ${tf.version.tfjs}), predictions on 30 validation rows differ by up to 2.00e-5 (allowed 1e-5). Nothing was written to ${outDir}.`,
      );
      expect(existsSync(outDir)).toBe(false);
      expect((await readdir(path.dirname(outDir))).filter((n) => n.includes('.tmp-'))).toEqual([]);
    } finally {
      sabotage.offset = 0;
    }
  });
});

describe('exportModel: TF.js quantized', () => {
  it.each([
    ['float16', 2],
    ['uint8', 1],
  ] as const)(
    '%s: a quantized manifest stock tf.loadLayersModel reads, smaller, validation accuracy within 1 point',
    async (mode, bytesPerValue) => {
      const float32Dir = path.join(tmp.dir, 'out', `ref-${mode}`);
      await exportModel({ modelDir: irisModel, data: iris, outDir: float32Dir });
      const outDir = path.join(tmp.dir, 'out', mode);
      const result = await exportModel({ modelDir: irisModel, data: iris, outDir, quantize: mode });
      expect(result).toMatchObject({ format: 'tfjs', quantize: mode, tolerance: null });
      expect(result.sizes).toEqual({ weights: 131 * bytesPerValue, float32Tfjs: 131 * 4 });
      expect((await stat(path.join(outDir, 'weights.bin'))).size).toBe(131 * bytesPerValue);

      const { model, manifest } = await stockLoad(outDir);
      model.dispose();
      for (const entry of manifest) {
        expect(entry.dtype).toBe('float32');
        expect(entry.quantization?.dtype).toBe(mode);
        if (mode === 'uint8')
          expect(entry.quantization).toEqual({ dtype: 'uint8', scale: expect.any(Number), min: expect.any(Number) });
      }
      // The figures reported are what stock tfjs gives on the files.
      const stockFloat32 = await stockAccuracy(float32Dir, iris);
      const stockQuantized = await stockAccuracy(outDir, iris);
      expect(result.accuracy).toEqual({
        metric: 'accuracy',
        inApp: stockFloat32,
        exported: stockQuantized,
        change: stockQuantized - stockFloat32,
      });
      expect(stockFloat32).toBeGreaterThanOrEqual(0.9);
      expect(Math.abs(stockQuantized - stockFloat32)).toBeLessThanOrEqual(0.01);
      expect(result.maxAbsDiff).toBeGreaterThan(0);
      expect(result.maxAbsDiff).toBeLessThan(mode === 'float16' ? 0.01 : 0.1);

      const card = await readFile(path.join(outDir, 'MODEL_CARD.md'), 'utf8');
      expect(card).toContain(`weights quantized to ${mode}`);
      expect(card).toContain(`(float32 TF.js: 524 B, ${mode === 'float16' ? '50.0' : '75.0'}% smaller)`);
      expect(card).toMatch(
        /Accuracy on the validation rows: in-app [\d.]+%, exported [\d.]+% \(change [+-][\d.]+ points\)/,
      );
    },
  );

  it("reports the MAE change in the target's units for a quantized regression", async () => {
    const outDir = path.join(tmp.dir, 'out', 'reg-uint8');
    const result = await exportModel({ modelDir: regressionModel, data: regression, outDir, quantize: 'uint8' });
    expect(result.accuracy?.metric).toBe('mae');
    const { inApp, exported, change } = result.accuracy!;
    // The model's MAE in the target's units, computed here from the in-app predictions and raw targets.
    const x = tf.tensor(new Float32Array((await readFile(path.join(regression.dir, 'x_val.f32'))).buffer.slice(0)), [
      regression.valRows,
      2,
    ]);
    const model = await tf.loadLayersModel(
      tf.io.fromMemory(
        await (await import('../../../main/engine/process/model-io')).dirHandler(regressionModel).load!(),
      ),
    );
    const p = await predictAll(model, x);
    x.dispose();
    model.dispose();
    const scaling = regression.preprocessing.targetScaling!;
    const raw = (regression as PreparedData & { rawYVal: number[] }).rawYVal;
    const mae = raw.reduce((s, y, r) => s + Math.abs(p[r]! * scaling.std + scaling.mean - y), 0) / raw.length;
    expect(inApp).toBeCloseTo(mae, 2);
    expect(exported).toBeGreaterThan(0);
    expect(change).toBeCloseTo(exported - inApp, 10);
    // uint8 on a 16-unit MLP moves the MAE by a small fraction of the target's spread (σ ≈ 47 here).
    expect(Math.abs(change)).toBeLessThan(0.05 * scaling.std);
    expect(await readFile(path.join(outDir, 'MODEL_CARD.md'), 'utf8')).toMatch(
      /MAE on the validation rows: in-app [\d.]+, exported [\d.]+ \(change [+-]?[\d.e-]+\)/,
    );
  });
});

describe('the snippets written beside an export', () => {
  /** Raw CSV rows as a user has them: the file's first lines, one with a missing value, one with a typo'd number. */
  const RAW = [
    'sepal_length,sepal_width,petal_length,petal_width,species',
    '5.1,3.5,1.4,0.2,setosa',
    '7.0,3.2,4.7,1.4,versicolor',
    '6.3,NA,6.0,2.5,virginica',
    '"5.9",3.0,5.1,1.8,virginica',
  ];

  async function exported(): Promise<string> {
    const outDir = path.join(tmp.dir, 'snippets', 'iris');
    if (!existsSync(outDir)) {
      await exportModel({ modelDir: irisModel, data: iris, outDir });
      // Node resolves the snippet's imports from the folders above it: let it find this project's node_modules.
      await symlink(path.join(ROOT, 'node_modules'), path.join(tmp.dir, 'snippets', 'node_modules'), 'dir');
      await writeFile(path.join(outDir, 'rows.csv'), `${RAW.join('\n')}\n`);
    }
    return outDir;
  }

  it("predict.mjs runs under Node on raw CSV rows and gives the in-app model's labels and probabilities", async () => {
    const outDir = await exported();
    const { stdout } = await run(
      process.execPath,
      [path.join(outDir, 'predict.mjs'), path.join(outDir, 'rows.csv')],
      outDir,
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { label: string; probabilities: Record<string, number> });

    // In-app: the same raw rows through the app's encoder and the trained model, as run.predict does.
    const rows = RAW.slice(1).map((line) =>
      Object.fromEntries(RAW[0]!.split(',').map((h, j) => [h, line.split(',')[j]!.replace(/"/g, '')])),
    );
    const x = encodeRawRows(iris.preprocessing, rows);
    const outputs = await predictRows({ modelDir: irisModel, inputWidth: 4, x: Array.from(x) });
    expect(lines).toHaveLength(4);
    lines.forEach((line, r) => {
      const labels = iris.preprocessing.labels!;
      const p = outputs[r]!;
      expect(line.label).toBe(labels[p.indexOf(Math.max(...p))]);
      labels.forEach((label, k) => expect(Math.abs(line.probabilities[label]! - p[k]!)).toBeLessThanOrEqual(1e-5));
    });
    expect(lines[0]!.label).toBe('setosa');
  });

  it('predict.mjs names the row and column of a cell it cannot read, and exits 1', async () => {
    const outDir = await exported();
    await writeFile(
      path.join(outDir, 'bad.csv'),
      'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n5.1,abc,1.4,0.2\n',
    );
    const result = await run(
      process.execPath,
      [path.join(outDir, 'predict.mjs'), path.join(outDir, 'bad.csv')],
      outDir,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('predict.mjs: Row 2, column "sepal_width": "abc" is not a number.');
  });

  // Skipped, with this line printed, where python3 has no numpy (Debian: apt-get install python3-numpy).
  if (!hasNumpy()) console.info('[skip] predict.py check: python3 has no numpy here (apt-get install python3-numpy)');
  it.skipIf(!hasNumpy())(
    'predict.py encodes raw rows exactly as the app does (numpy), and says to use Keras or ONNX for a TF.js export',
    async () => {
      const outDir = await exported();
      const script = `import json, sys\nsys.path.insert(0, ${JSON.stringify(outDir)})\nimport predict\nprint(json.dumps(predict.encode_rows(predict.read_csv(${JSON.stringify(path.join(outDir, 'rows.csv'))})).tolist()))`;
      const { stdout } = await run('python3', ['-c', script], outDir);
      const rows = RAW.slice(1).map((line) =>
        Object.fromEntries(RAW[0]!.split(',').map((h, j) => [h, line.split(',')[j]!.replace(/"/g, '')])),
      );
      expect((JSON.parse(stdout) as number[][]).flat()).toEqual(Array.from(encodeRawRows(iris.preprocessing, rows)));
      const refused = await run('python3', [path.join(outDir, 'predict.py'), path.join(outDir, 'rows.csv')], outDir);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        'This is a TF.js export: run predict.mjs with Node, or export Keras or ONNX from Layerlab for Python.',
      );
    },
  );
});
