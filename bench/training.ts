/**
 * Training throughput of the engine on CPU, beside PyTorch's:
 * `node --import tsx bench/training.ts [--workload mlp|cnn|cnn48|cnn32g|all] [--epochs 3] [--rows N] [--batch 128] [--backend wasm]`.
 *
 * Workloads (issue 5; docs/architecture.md, Engine accelerations): an MLP 784-256-128-10 and a CNN
 * conv16-pool-conv32-pool-dense10 on 28×28×1 ('all' runs these two), and cnn48: the cnn template's model for
 * a 48×48 colour image folder (bench:jobs' shapes), batch 128 unless --batch says otherwise, Adam (lr 1e-3), categorical
 * cross-entropy, random data. The engine's figures come from its real training path: the same
 * backend selection (with the wasm kernel fixes), graph → model build and train() loop that the
 * app and the CLI use, reading prepared float32 files, validating and checkpointing every
 * epoch. PyTorch runs the same model, batch and thread count (OPENBLAS/OMP threads = 1) when
 * /usr/bin/python3 has torch (Debian python3-torch), and its epochs do the same work besides the
 * steps (a loss readback per step, scoring the validation rows, a checkpoint written whole and
 * renamed into place, not fsynced on either side: main/engine/process/checkpoint.ts says why);
 * otherwise the engine's figures stand alone.
 * `--kernels` also prints, per workload, the engine's kernel calls per step and the time in each
 * kernel (by name and input shapes), timed around every kernel call (which slows the run a little):
 * the 15 heaviest, or LAYERLAB_BENCH_KERNELS_TOP of them.
 * Each side runs one warm-up epoch, then the measured ones. Figures are the median epoch by the
 * wall clock, and by the process's CPU time: on a machine shared with other work the wall clock
 * swings with the load, CPU time much less (both sides run one compute thread).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { PreparedData } from '../app/engine/protocol';
import { ModelGraph } from '../app/graph';
import { RunTrainConfig } from '../app/training/config';
import { selectBackend } from '../main/engine/process/backend';
import { mulberry32 } from '../app/math/seeded-random';
import { train } from '../main/engine/process/train';
import { engineNativeKernels, wasmNativeKernels } from '../main/engine/process/accelerations/wasm-kernel-fixes';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLASSES = 10;
const VAL_ROWS = 256;

const { values: args } = parseArgs({
  options: {
    workload: { type: 'string', default: 'all' },
    epochs: { type: 'string', default: '3' },
    rows: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    python: { type: 'string', default: '/usr/bin/python3' },
    kernels: { type: 'boolean', default: false },
    batch: { type: 'string', default: '128' },
  },
});
const BATCH = Number(args.batch);

type Workload = 'mlp' | 'cnn' | 'cnn48' | 'cnn32g';
const WORKLOADS: Record<Workload, { title: string; inputShape: number[]; rows: number; layers: unknown[] }> = {
  mlp: {
    title: 'MLP 784-256-128-10',
    inputShape: [784],
    rows: 4096,
    layers: [
      { type: 'Dense', config: { units: 256, activation: 'relu' } },
      { type: 'Dense', config: { units: 128, activation: 'relu' } },
    ],
  },
  cnn: {
    title: 'CNN conv16-pool-conv32-pool-dense10, 28×28×1',
    inputShape: [28, 28, 1],
    rows: 2048,
    layers: [
      { type: 'Conv2D', config: { filters: 16, kernel_size: [3, 3], activation: 'relu' } },
      { type: 'MaxPooling2D', config: { pool_size: [2, 2] } },
      { type: 'Conv2D', config: { filters: 32, kernel_size: [3, 3], activation: 'relu' } },
      { type: 'MaxPooling2D', config: { pool_size: [2, 2] } },
      { type: 'Flatten', config: {} },
    ],
  },
  cnn48: {
    title: "the cnn template's model for 48×48×3 (conv16-32-64 'same', each pooled, dense64)",
    inputShape: [48, 48, 3],
    rows: 1280,
    layers: [
      { type: 'Conv2D', config: { filters: 16, kernel_size: [3, 3], padding: 'same', activation: 'relu' } },
      { type: 'MaxPooling2D', config: { pool_size: [2, 2] } },
      { type: 'Conv2D', config: { filters: 32, kernel_size: [3, 3], padding: 'same', activation: 'relu' } },
      { type: 'MaxPooling2D', config: { pool_size: [2, 2] } },
      { type: 'Conv2D', config: { filters: 64, kernel_size: [3, 3], padding: 'same', activation: 'relu' } },
      { type: 'MaxPooling2D', config: { pool_size: [2, 2] } },
      { type: 'Flatten', config: {} },
      { type: 'Dense', config: { units: 64, activation: 'relu' } },
    ],
  },
  cnn32g: {
    title: "the cnn template's model for 32×32×1 (bench:jobs' digits: conv16-32 'same', each pooled, dense64)",
    inputShape: [32, 32, 1],
    rows: 1440,
    layers: [
      { type: 'Conv2D', config: { filters: 16, kernel_size: [3, 3], padding: 'same', activation: 'relu' } },
      { type: 'MaxPooling2D', config: { pool_size: [2, 2] } },
      { type: 'Conv2D', config: { filters: 32, kernel_size: [3, 3], padding: 'same', activation: 'relu' } },
      { type: 'MaxPooling2D', config: { pool_size: [2, 2] } },
      { type: 'Flatten', config: {} },
      { type: 'Dense', config: { units: 64, activation: 'relu' } },
    ],
  },
};

/** Input → layers → a softmax Output, as the editor would save it (defaults filled by the schema). */
function graphFor(inputShape: number[], layers: unknown[]): ModelGraph {
  const nodes = [
    { id: 'input', type: 'Input', position: { x: 0, y: 0 }, config: { shape: inputShape } },
    ...layers.map((layer, i) => ({ id: `l${i + 1}`, position: { x: 0, y: 100 * (i + 1) }, ...(layer as object) })),
    {
      id: 'output',
      type: 'Output',
      position: { x: 0, y: 100 * (layers.length + 1) },
      config: { units: CLASSES, activation: 'softmax' },
    },
  ];
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id }));
  return ModelGraph.parse({ version: 2, nodes, edges });
}

/** Random standard-normal inputs and one-hot labels, written as the data layer's prepared files. */
async function writeData(dir: string, width: number, rows: number): Promise<PreparedData> {
  const random = mulberry32(1);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const write = (name: string, values: Float32Array) => writeFile(path.join(dir, name), Buffer.from(values.buffer));
  const inputs = (n: number) => Float32Array.from({ length: n * width }, gauss);
  const labels = (n: number) => {
    const y = new Float32Array(n * CLASSES);
    for (let i = 0; i < n; i++) y[i * CLASSES + Math.floor(random() * CLASSES)] = 1;
    return y;
  };
  await mkdir(dir, { recursive: true });
  await write('x_train.f32', inputs(rows));
  await write('y_train.f32', labels(rows));
  await write('x_val.f32', inputs(VAL_ROWS));
  await write('y_val.f32', labels(VAL_ROWS));
  const features = Array.from({ length: width }, (_, i) => `p${i}`);
  return {
    dir,
    inputWidth: width,
    outputWidth: CLASSES,
    trainRows: rows,
    valRows: VAL_ROWS,
    preprocessing: {
      format: 'layerlab-preprocessing',
      version: 1,
      task: 'classification',
      target: 'label',
      features: features.map((name) => ({ name, kind: 'numeric', mean: 0, std: 1, fill: 0 })),
      inputOrder: features,
      labels: Array.from({ length: CLASSES }, (_, i) => String(i)),
    },
  } as PreparedData;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Rates {
  /** samples per wall-clock second, one per measured epoch */
  wall: number[];
  /** samples per second of the process's CPU time */
  cpu: number[];
}

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** Throughput of each measured epoch of one run through train(), after a warm-up epoch. */
async function engineRates(workload: Workload, epochs: number, rows: number): Promise<Rates> {
  const w = WORKLOADS[workload];
  const root = await mkdtemp(path.join(os.tmpdir(), `layerlab-bench-${workload}-`));
  try {
    const data = await writeData(
      path.join(root, 'data'),
      w.inputShape.reduce((a, b) => a * b, 1),
      rows,
    );
    const config = RunTrainConfig.parse({
      epochs: epochs + 1,
      batchSize: BATCH,
      optimizer: 'adam',
      learningRate: 1e-3,
      validationSplit: 0.2,
      seed: 1,
    });
    const ends: Array<{ wall: number; cpu: number }> = [];
    const outcome = await train(
      { runId: 'bench', runDir: path.join(root, 'run'), data, graph: graphFor(w.inputShape, w.layers), config },
      { onEpoch: () => ends.push({ wall: performance.now() / 1000, cpu: cpuSeconds() }) },
    );
    if (outcome.status !== 'completed')
      throw new Error(`the ${workload} run ended ${outcome.status}: ${outcome.error ?? 'no reason given'}`);
    const rate = (key: 'wall' | 'cpu') => ends.slice(1).map((end, i) => rows / (end[key] - ends[i]![key]));
    return { wall: rate('wall'), cpu: rate('cpu') };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * PyTorch's peer figure with glibc's allocator kept from handing every large tensor back to the
 * kernel: left at its defaults, each 800 KB Adam temporary is a fresh mmap whose pages fault in
 * one by one, and PyTorch 1.13 trains the MLP at ~15k samples/s here instead of ~50k (its own
 * CPU tuning guide recommends jemalloc/tcmalloc for this). The engine's wasm heap never returns
 * memory, so it needs no such help; comparing against the handicapped peer would flatter us.
 */
const TUNED_MALLOC = {
  MALLOC_MMAP_THRESHOLD_: '4294967296',
  MALLOC_TRIM_THRESHOLD_: '4294967296',
  MALLOC_TOP_PAD_: '536870912',
};

type TorchResult = ({ ok: true; version: string } & Rates) | { ok: false; reason: string };

function torchRates(workload: Workload, epochs: number, rows: number): TorchResult {
  const run = spawnSync(
    args.python!,
    [
      path.join(HERE, 'torch-reference.py'),
      workload,
      '1',
      String(BATCH),
      String(rows),
      String(epochs),
      String(VAL_ROWS),
    ],
    {
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', ...TUNED_MALLOC },
      encoding: 'utf8',
    },
  );
  if (run.error) return { ok: false, reason: `${args.python} could not be started (${run.error.message})` };
  if (run.status !== 0) {
    const why = (run.stderr.trim().split('\n').at(-1) ?? '').trim();
    return {
      ok: false,
      reason: /No module named 'torch'/.test(why)
        ? `${args.python} has no torch (apt-get install python3-torch)`
        : `the PyTorch run failed: ${why}`,
    };
  }
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
    torch: string;
    samples_per_s: number[];
    samples_per_cpu_s: number[];
  };
  return { ok: true, version: result.torch, wall: result.samples_per_s, cpu: result.samples_per_cpu_s };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Time spent in each kernel (name and input shapes), for --kernels. */
const kernelTimes = new Map<string, { ms: number; calls: number }>();

/** Wraps every kernel registered for the backend with a timer (after the engine's own kernels are in). */
function timeKernels(backend: string): void {
  for (const kernel of tf.getKernelsForBackend(backend)) {
    const run = kernel.kernelFunc;
    const timed: tf.KernelFunc = (call) => {
      const start = performance.now();
      const out = run(call);
      const shapes = Object.values(call.inputs).map((t) => (t ? t.shape.join('×') || 'scalar' : '-'));
      const key = `${kernel.kernelName}(${shapes.join(', ')})`;
      const entry = kernelTimes.get(key) ?? { ms: 0, calls: 0 };
      entry.ms += performance.now() - start;
      entry.calls++;
      kernelTimes.set(key, entry);
      return out;
    };
    tf.unregisterKernel(kernel.kernelName, backend);
    tf.registerKernel({ ...kernel, kernelFunc: timed });
  }
}

function printKernels(steps: number): void {
  const rows = [...kernelTimes].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((n, [, e]) => n + e.ms, 0);
  const calls = rows.reduce((n, [, e]) => n + e.calls, 0);
  console.log(
    `  kernels: ${(calls / steps).toFixed(0)} calls and ${(total / steps).toFixed(2)} ms per step (validation included); the heaviest:`,
  );
  for (const [key, e] of rows.slice(0, Number(process.env['LAYERLAB_BENCH_KERNELS_TOP'] ?? 15)))
    console.log(`  ${(e.ms / steps).toFixed(3).padStart(8)} ms ${(e.calls / steps).toFixed(1).padStart(5)}×  ${key}`);
  kernelTimes.clear();
}

async function main(): Promise<void> {
  const epochs = Number(args.epochs);
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new Error(`--epochs must be a whole number ≥ 1, got "${args.epochs}"`);
  const chosen: Workload[] = args.workload === 'all' ? ['mlp', 'cnn'] : [args.workload as Workload];
  if (!chosen.every((w) => w in WORKLOADS))
    throw new Error(`--workload must be mlp, cnn, cnn48, cnn32g or all, got "${args.workload}"`);
  // As the engine process runs it (engine-main.ts): without tfjs' debug checks.
  tf.enableProdMode();
  if (tf.getBackend() !== args.backend) {
    const report = await selectBackend({ force: args.backend });
    if (report.name !== args.backend)
      throw new Error(
        `the ${args.backend} backend did not start: ${report.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`,
      );
  }
  const cpuGemm = engineNativeKernels()?.cpuGemm ?? null;
  const threads =
    args.backend !== 'wasm'
      ? 1
      : (cpuGemm?.threads ?? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount());
  // Which of the engine's own wasm kernel builds ran (LAYERLAB_WASM_KERNELS=simd128|off compares them).
  const own = wasmNativeKernels();
  const kernels =
    args.backend !== 'wasm'
      ? ''
      : own.variant
        ? `, engine kernels: ${own.variant}${cpuGemm ? `, GEMM on the CPU addon (${cpuGemm.isa})` : ''}`
        : `, engine kernels off (${own.reason ?? 'unknown reason'})`;
  console.log(
    `engine: tfjs ${tf.version.tfjs} on ${args.backend} (${threads} thread${threads === 1 ? '' : 's'}${kernels}), batch ${BATCH}, Adam; median of ${epochs} epoch(s) after 1 warm-up`,
  );
  if (args.kernels) timeKernels(args.backend!);
  console.log('samples/s by the wall clock [per CPU-second in brackets]');
  for (const workload of chosen) {
    const rows = args.rows ? Number(args.rows) : WORKLOADS[workload].rows;
    const ours = await engineRates(workload, epochs, rows);
    if (args.kernels) printKernels((epochs + 1) * Math.ceil(rows / BATCH));
    const torch = torchRates(workload, epochs, rows);
    const figures = (r: Rates) => `${fmt(median(r.wall))} [${fmt(median(r.cpu))}]`;
    const line = `${WORKLOADS[workload].title}, ${rows} rows: engine ${figures(ours)}`;
    if (torch.ok) {
      const ratio = (key: keyof Rates) => (median(ours[key]) / median(torch[key])).toFixed(2);
      console.log(
        `${line}; PyTorch ${torch.version} 1 thread ${figures(torch)}; engine/PyTorch ${ratio('wall')}× [${ratio('cpu')}×]`,
      );
    } else {
      console.log(`${line} (no PyTorch figure: ${torch.reason})`);
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
