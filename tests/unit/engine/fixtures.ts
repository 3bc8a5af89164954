import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Preprocessing } from '../../../app/dataset/schema';
import type { PreparedData } from '../../../app/engine/protocol';
import type { GraphNode, ModelGraph } from '../../../app/graph/schema';
import type { RunTrainConfig } from '../../../app/training/config';
import { mulberry32 } from '../../../app/math/seeded-random';

// Test data written here, by hand: the data layer (main/data) is built separately, and the
// engine's contract is only the PreparedData files and their description.

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `layerlab-engine-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  const random = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function writeF32(file: string, values: number[]): Promise<void> {
  await writeFile(file, Buffer.from(new Float32Array(values).buffer));
}

interface Table {
  features: string[];
  rows: Array<{ x: number[]; label: string }>;
}

async function readIris(): Promise<Table> {
  const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const columns = header!.split(',');
  const rows = lines.map((line) => {
    const cells = line.split(',');
    return { x: cells.slice(0, -1).map(Number), label: cells.at(-1)! };
  });
  return { features: columns.slice(0, -1), rows };
}

/** Standardize with the training split's statistics only (as the data layer does). */
function standardizer(rows: number[][]): { mean: number[]; std: number[] } {
  const width = rows[0]!.length;
  const mean = Array.from({ length: width }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
  const std = mean.map((m, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j]! - m) ** 2, 0) / rows.length) || 1);
  return { mean, std };
}

/** Iris: 4 standardized features, one-hot 3 classes, seeded 80/20 split (120 train, 30 validation rows). */
export async function writeIris(dir: string, seed = 1): Promise<PreparedData> {
  const table = await readIris();
  const labels = [...new Set(table.rows.map((r) => r.label))].sort();
  const rows = shuffle(table.rows, seed);
  const valCount = Math.round(rows.length * 0.2);
  const train = rows.slice(valCount);
  const val = rows.slice(0, valCount);
  const { mean, std } = standardizer(train.map((r) => r.x));
  const encodeX = (r: { x: number[] }) => r.x.map((v, j) => (v - mean[j]!) / std[j]!);
  const encodeY = (r: { label: string }) => labels.map((l) => (l === r.label ? 1 : 0));
  const dataDir = path.join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  await writeF32(path.join(dataDir, 'x_train.f32'), train.flatMap(encodeX));
  await writeF32(path.join(dataDir, 'y_train.f32'), train.flatMap(encodeY));
  await writeF32(path.join(dataDir, 'x_val.f32'), val.flatMap(encodeX));
  await writeF32(path.join(dataDir, 'y_val.f32'), val.flatMap(encodeY));
  const preprocessing: Preprocessing = {
    format: 'layerlab-preprocessing',
    version: 1,
    task: 'classification',
    target: 'species',
    features: table.features.map((name, j) => ({
      name,
      kind: 'numeric',
      mean: mean[j]!,
      std: std[j]!,
      fill: mean[j]!,
    })),
    inputOrder: table.features,
    labels,
  };
  return { dir: dataDir, inputWidth: 4, outputWidth: 3, trainRows: train.length, valRows: val.length, preprocessing };
}

/**
 * A regression in "big" units: y = 300 + 40·x1 − 25·x2 + noise (σ = 5), target standardized
 * (so the model sees unit variance) with targetScaling recording the way back.
 */
export async function writeRegression(
  dir: string,
  rows = 200,
  seed = 3,
): Promise<PreparedData & { rawYVal: number[] }> {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const xs = Array.from({ length: rows }, () => [gauss(), gauss()]);
  const ys = xs.map(([a, b]) => 300 + 40 * a! - 25 * b! + 5 * gauss());
  const valCount = Math.round(rows * 0.2);
  const trainY = ys.slice(valCount);
  const yMean = trainY.reduce((s, v) => s + v, 0) / trainY.length;
  const yStd = Math.sqrt(trainY.reduce((s, v) => s + (v - yMean) ** 2, 0) / trainY.length);
  const dataDir = path.join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const scaled = ys.map((y) => (y - yMean) / yStd);
  await writeF32(path.join(dataDir, 'x_train.f32'), xs.slice(valCount).flat());
  await writeF32(path.join(dataDir, 'y_train.f32'), scaled.slice(valCount));
  await writeF32(path.join(dataDir, 'x_val.f32'), xs.slice(0, valCount).flat());
  await writeF32(path.join(dataDir, 'y_val.f32'), scaled.slice(0, valCount));
  return {
    dir: dataDir,
    inputWidth: 2,
    outputWidth: 1,
    trainRows: rows - valCount,
    valRows: valCount,
    preprocessing: {
      format: 'layerlab-preprocessing',
      version: 1,
      task: 'regression',
      target: 'y',
      features: [
        { name: 'a', kind: 'numeric', mean: 0, std: 1, fill: 0 },
        { name: 'b', kind: 'numeric', mean: 0, std: 1, fill: 0 },
      ],
      inputOrder: ['a', 'b'],
      targetScaling: { mean: yMean, std: yStd },
    },
    rawYVal: ys.slice(0, valCount),
  };
}

type Layer =
  { type: 'Dense'; units: number; activation?: 'relu' | 'tanh' | 'linear' } | { type: 'Dropout'; rate: number };

/** Input → layers… → Output, chained, with node ids input, l1, l2, …, output. */
export function chainGraph(
  inputShape: number[],
  layers: Layer[],
  output: { units: number; activation: 'softmax' | 'sigmoid' | 'linear' },
): ModelGraph {
  const nodes: GraphNode[] = [{ id: 'input', type: 'Input', position: { x: 0, y: 0 }, config: { shape: inputShape } }];
  layers.forEach((layer, i) => {
    const position = { x: 0, y: 100 * (i + 1) };
    const id = `l${i + 1}`;
    if (layer.type === 'Dense')
      nodes.push({
        id,
        type: 'Dense',
        position,
        config: { units: layer.units, activation: layer.activation ?? 'relu', use_bias: true },
      });
    else nodes.push({ id, type: 'Dropout', position, config: { rate: layer.rate } });
  });
  nodes.push({ id: 'output', type: 'Output', position: { x: 0, y: 100 * (layers.length + 1) }, config: output });
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id }));
  return { version: 2, nodes, edges };
}

export const irisGraph = () =>
  chainGraph([4], [{ type: 'Dense', units: 16, activation: 'relu' }], { units: 3, activation: 'softmax' });

export function config(overrides: Partial<RunTrainConfig> = {}): RunTrainConfig {
  return {
    epochs: 5,
    batchSize: 16,
    optimizer: 'adam',
    learningRate: 0.01,
    validationSplit: 0.2,
    seed: 7,
    ...overrides,
  };
}
