/**
 * Memory of the engine process while it trains on a large image dataset (issue 3: 50,000 images
 * of 64×64×3 must train with the engine's RSS under 1.5 GB). Not a test: it prints.
 *
 *   node --import tsx bench/images-rss.ts [--count 50000] [--side 64] [--epochs 1]
 *       [--batch-size 32] [--model small|cnn] [--augment flip,rotation=0.1,brightness=0.2]
 *
 * It writes a synthetic dataset the way an import stores one (uint8 shards + meta.json +
 * index.json; the pixels are a class-coloured tint plus noise, decoding is not what is measured),
 * prepares it exactly as a run does (prepareImageData: a stratified split, labels as y files,
 * no float32 copy of the pixels), then trains it in a real engine process through EngineClient,
 * sampling that process's RSS from /proc every 200 ms and reading its peak (VmHWM) at the end.
 * The pixels as float32 would be count × side² × 3 × 4 bytes (2.5 GB at the defaults): a
 * process that loaded them could not stay under the bound.
 *
 * --model small (default) is Conv2D 8 (3×3, stride 2) → GlobalAveragePooling2D → softmax, so a
 * whole epoch of 40,000 images finishes in minutes on one core; --model cnn is the cnn template
 * (Conv2D 16 → pool → Conv2D 32 → pool → Dense 64), heavier per image by ~30×, for which --count
 * 5000 is the practical size here. Memory depends on the batch, not on the dataset's size.
 */
import { randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { imageTaskShape } from '../app/dataset/image-task';
import { ImageDatasetMeta } from '../app/dataset/images';
import type { ModelGraph } from '../app/graph/schema';
import { templateGraph } from '../app/graph/templates';
import { RunTrainConfig } from '../app/training/config';
import { imageOptionsFrom } from '../main/cli/image-data';
import { prepareImageData } from '../main/data/images/prepare-images';
import { imagesPerShardFor, shardFileName } from '../main/data/images/shard-writer';
import { EngineClient } from '../main/engine/client/engine-client';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '50000' },
    side: { type: 'string', default: '64' },
    epochs: { type: 'string', default: '1' },
    'batch-size': { type: 'string', default: '32' },
    model: { type: 'string', default: 'small' },
    augment: { type: 'string', default: 'flip,rotation=0.1,brightness=0.2' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const COUNT = Number(args.count);
const SIDE = Number(args.side);
const CLASSES = 10;
const BYTES = SIDE * SIDE * 3;
const BOUND_MB = 1536;
const mb = (bytes: number) => bytes / 2 ** 20;

/** Shards of a per-class tint plus noise (learnable, cheap to write), meta.json and index.json. */
async function writeDataset(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const perShard = imagesPerShardFor(BYTES);
  const labels = Array.from({ length: COUNT }, (_, i) => i % CLASSES);
  const shards: { file: string; count: number }[] = [];
  const chunkImages = 256;
  const chunk = new Uint8Array(BYTES * chunkImages);
  for (let first = 0; first < COUNT; first += perShard) {
    const count = Math.min(perShard, COUNT - first);
    const file = shardFileName(shards.length);
    const handle = await open(path.join(dir, file), 'w');
    for (let written = 0; written < count;) {
      const n = Math.min(chunkImages, count - written);
      randomFillSync(chunk);
      for (let k = 0; k < n; k++) {
        const label = labels[first + written + k]!;
        // Noise in 0..127 plus the class's tint on one channel: a model can tell classes apart.
        for (let p = k * BYTES; p < (k + 1) * BYTES; p++)
          chunk[p] = (chunk[p]! >> 1) + (p % 3 === label % 3 ? 12 * label : 0);
      }
      await handle.write(chunk, 0, n * BYTES);
      written += n;
    }
    await handle.close();
    shards.push({ file, count });
  }
  const meta = ImageDatasetMeta.parse({
    kind: 'images', version: 1, id: 'bench', name: 'bench', sourceFile: 'bench', width: SIDE, height: SIDE, color: 'rgb', channels: 3, fit: 'pad', count: COUNT,
    classes: Array.from({ length: CLASSES }, (_, k) => ({ name: `class_${k}`, count: labels.filter((l) => l === k).length, thumbnails: [] })),
    emptyClasses: [], skipped: [], skippedCount: 0, warnings: [], imagesPerShard: perShard, shards, importedAt: new Date().toISOString(),
  }); // prettier-ignore
  await writeFile(path.join(dir, 'meta.json'), JSON.stringify(meta));
  await writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      labels,
      widths: labels.map(() => SIDE),
      heights: labels.map(() => SIDE),
      sources: labels.map((l, i) => `class_${l}/${i}.png`),
    }),
  );
}

function smallGraph(classes: number): ModelGraph {
  const node = (id: string, type: string, config: object, y: number) => ({ id, type, position: { x: 0, y }, config });
  return {
    version: 2,
    nodes: [
      node('input', 'Input', { shape: [SIDE, SIDE, 3] }, 0),
      node(
        'conv',
        'Conv2D',
        { filters: 8, kernel_size: [3, 3], strides: [2, 2], padding: 'same', activation: 'relu' },
        100,
      ),
      node('gap', 'GlobalAveragePooling2D', {}, 200),
      node('output', 'Output', { units: classes, activation: 'softmax' }, 300),
    ],
    edges: [
      { id: 'e1', source: 'input', target: 'conv' },
      { id: 'e2', source: 'conv', target: 'gap' },
      { id: 'e3', source: 'gap', target: 'output' },
    ],
  } as ModelGraph;
}

/** VmRSS / VmHWM of a process, in bytes (Linux). */
function procMemory(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return null;
  }
}

const work = await mkdtemp(path.join(os.tmpdir(), 'layerlab-images-rss-'));
const engine = new EngineClient({ backend: args.backend, startTimeoutMs: 300_000 });
try {
  const datasetDir = path.join(work, 'dataset');
  let started = performance.now();
  await writeDataset(datasetDir);
  console.log(
    `Dataset: ${COUNT.toLocaleString('en')} images of ${SIDE}×${SIDE}×3 in ${CLASSES} classes, ${mb(COUNT * BYTES).toFixed(0)} MB of uint8 shards (as float32: ${mb(COUNT * BYTES * 4).toFixed(0)} MB), written in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
  );

  const augmentation = imageOptionsFrom({ augment: args.augment }, 'bench', true)!.augmentation;
  const runDir = path.join(work, 'run');
  const data = await prepareImageData({
    datasetDir,
    validationSplit: 0.2,
    seed: 1,
    augmentation,
    outDir: path.join(runDir, 'data'),
  });
  const shape = imageTaskShape({
    width: SIDE,
    height: SIDE,
    channels: 3,
    classes: data.images!.labels.map((name) => ({ name, count: 1, thumbnails: [] })),
  });
  const graph = args.model === 'cnn' ? templateGraph('cnn', shape.inputShape, shape.head) : smallGraph(CLASSES);
  const config = RunTrainConfig.parse({
    epochs: Number(args.epochs),
    batchSize: Number(args['batch-size']),
    optimizer: 'adam',
    learningRate: 0.001,
    validationSplit: 0.2,
    seed: 1,
  });

  const backend = await engine.start();
  const pid = engine.pid!;
  const idle = procMemory(pid);
  if (idle) console.log(`Engine peak RSS before training (start-up, backend probe): ${mb(idle.peak).toFixed(0)} MB.`);
  console.log(
    `Engine: pid ${pid}, backend ${backend.name}, RSS ${idle ? mb(idle.rss).toFixed(0) : '?'} MB before training. Model: ${args.model}; ${data.trainRows} training and ${data.valRows} validation images; batch ${config.batchSize}; augmentation ${JSON.stringify(data.images!.augmentation)}.`,
  );
  let peakSampled = 0;
  const sampler = setInterval(() => {
    const m = procMemory(pid);
    if (m) peakSampled = Math.max(peakSampled, m.rss);
  }, 200);
  started = performance.now();
  let lastReport = started;
  const done = await engine.train({ runId: 'bench', runDir, data, graph, config }, (event) => {
    const now = performance.now();
    if (event.type === 'epoch') {
      const m = procMemory(pid);
      console.log(
        `epoch ${event.logs.epoch + 1}: loss ${event.logs.loss?.toFixed(4)} val_loss ${event.logs.val_loss?.toFixed(4)} val_accuracy ${String(event.logs['val_accuracy'])}; RSS ${m ? mb(m.rss).toFixed(0) : '?'} MB`,
      );
    } else if (now - lastReport > 15_000) {
      lastReport = now;
      const m = procMemory(pid);
      console.log(
        `  epoch ${event.logs.epoch + 1}, batch ${event.logs.batch + 1}/${event.logs.batches}: RSS ${m ? mb(m.rss).toFixed(0) : '?'} MB, ${(((event.logs.batch + 1) * config.batchSize) / ((now - started) / 1000)).toFixed(0)} images/s`,
      );
    }
  });
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  const end = procMemory(pid);
  const peak = Math.max(peakSampled, end?.peak ?? 0);
  console.log(
    `Training ${done.status}${done.error ? `: ${done.error}` : ''} in ${seconds.toFixed(1)} s (${((data.trainRows * config.epochs) / seconds).toFixed(0)} training images/s including validation).`,
  );
  console.log(
    `Engine peak RSS (VmHWM, the whole process life): ${mb(peak).toFixed(0)} MB — bound ${BOUND_MB} MB: ${peak <= BOUND_MB * 2 ** 20 ? 'within' : 'EXCEEDED'}. Highest sampled while training: ${mb(peakSampled).toFixed(0)} MB.`,
  );
  console.log(
    JSON.stringify({
      images: COUNT,
      side: SIDE,
      model: args.model,
      epochs: config.epochs,
      status: done.status,
      seconds: Number(seconds.toFixed(1)),
      engineIdleMB: idle ? Math.round(mb(idle.rss)) : null,
      enginePeakMB: Math.round(mb(peak)),
      trainingSampledPeakMB: Math.round(mb(peakSampled)),
      boundMB: BOUND_MB,
      float32WouldBeMB: Math.round(mb(COUNT * BYTES * 4)),
    }),
  );
} finally {
  engine.dispose();
  await rm(work, { recursive: true, force: true });
}
