import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineEvent, type PreparedData } from '../../../app/engine/protocol';
import type { BackendReport, EpochLogs } from '../../../app/project/schema';
import { EngineClient, forkSpawner, type ProgressEvent } from '../../../main/engine/client';
import { discardPrestartedEngine, prestartEngine } from '../../../main/engine/client/engine-channel';
import { config, irisGraph, ROOT, tempDir, writeIris } from './fixtures';
import { defaultThreads } from '../../../main/engine/process/accelerations/wasm-threads';
import { cpuAddonCandidates } from '../../../main/engine/process/accelerations/cpu/cpu-gemm';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let client: EngineClient;
let backend: BackendReport;
let iris: PreparedData;

beforeAll(async () => {
  tf.enableProdMode(); // this process's own cpu backend: no "install tfjs-node" notice
  tmp = await tempDir('process');
  iris = await writeIris(tmp.dir);
  // Whatever the developer's shell says, these tests check the automatic choice.
  client = new EngineClient({ env: { LAYERLAB_BACKEND: '', LAYERLAB_WASM_THREADS: '' } });
  backend = await client.start();
});
afterAll(async () => {
  client?.dispose();
  await tmp.cleanup();
});

let runCounter = 0;
function runDir(): { runId: string; runDir: string } {
  const runId = `run-${++runCounter}`;
  return { runId, runDir: path.join(tmp.dir, 'runs', runId) };
}

const isInstalled = (name: string) => {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
};

/** Reads a model folder with stock tfjs only (fromMemory), independent of the engine's handler. */
async function loadIndependently(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
  const weights = await readFile(path.join(dir, json.weightsManifest[0].paths[0]));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
}

async function predictVal(model: tf.LayersModel, data: PreparedData): Promise<Float32Array> {
  const bytes = await readFile(path.join(data.dir, 'x_val.f32'));
  const x = tf.tensor2d(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), [
    data.valRows,
    data.inputWidth,
  ]);
  const y = model.predict(x) as tf.Tensor;
  const values = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return values;
}

describe('the engine process, through EngineClient', () => {
  it('reports the backend it chose and why it skipped the better ones', () => {
    expect(client.status).toEqual({ state: 'ready', backend, message: null });
    const order = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
    expect(order).toContain(backend.name);
    expect(backend.skipped.map((s) => s.name)).toEqual(order.slice(0, order.indexOf(backend.name)));
    for (const s of backend.skipped) expect(s.reason.length).toBeGreaterThan(5);
    // On this build machine the native packages cannot be installed: wasm, with that reason.
    if (!isInstalled('@tensorflow/tfjs-node-gpu') && !isInstalled('@tensorflow/tfjs-node')) {
      expect(backend).toEqual({
        name: 'wasm',
        skipped: [
          { name: 'tfjs-node-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' },
          { name: 'tfjs-node', reason: '@tensorflow/tfjs-node is not installed' },
        ],
        // LAYERLAB_WASM_THREADS unset: the default for this machine's cores (wasm-threads.ts).
        threads: defaultThreads(os.availableParallelism()),
        accelerations: { on: true },
        // With the CPU addon (built into dist/node where a C compiler is) it runs the products.
        ...(cpuAddonCandidates().some((file) => existsSync(file))
          ? { cpuGemm: expect.stringMatching(/^(avx512|avx2|portable)$/) }
          : {}),
      });
    }
  });

  it('trains iris to ≥ 0.9 validation accuracy, streaming throttled batch events and every epoch', async () => {
    const epochs: EpochLogs[] = [];
    const batches: Array<Extract<ProgressEvent, { type: 'batch' }>['logs']> = [];
    const epochTimes: number[] = [];
    let last = performance.now();
    const done = await client.train(
      {
        ...runDir(),
        data: iris,
        graph: irisGraph(),
        config: config({ epochs: 50, batchSize: 16, learningRate: 0.01, seed: 7 }),
      },
      (event) => {
        if (event.type === 'epoch') {
          epochs.push(event.logs);
          const now = performance.now();
          epochTimes.push(now - last);
          last = now;
        } else batches.push(event.logs);
      },
    );
    expect(done).toEqual({ type: 'done', runId: expect.any(String), status: 'completed', error: null, hasModel: true });
    expect(epochs.map((e) => e.epoch)).toEqual([...Array(50).keys()]);
    for (const e of epochs)
      expect(Object.keys(e).sort()).toEqual(['accuracy', 'epoch', 'loss', 'val_accuracy', 'val_loss']);
    const final = epochs.at(-1)!;
    expect(final.val_accuracy).toBeGreaterThanOrEqual(0.9);
    expect(final.loss).toBeLessThan(epochs[0]!.loss!);
    // 120 rows / 16 = 8 batches an epoch; batch events are throttled (≤ 20/s), epochs never are.
    expect(new Set(batches.map((b) => b.batches))).toEqual(new Set([8]));
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.length).toBeLessThanOrEqual(400);
    const sorted = [...epochTimes].sort((a, b) => a - b);
    console.info(
      `[engine] backend ${backend.name}; iris val_accuracy ${final.val_accuracy}; median epoch ${sorted[25]!.toFixed(1)} ms; ${batches.length} batch events for 400 batches`,
    );
  });

  it('gives the identical loss curve for the same seed on the same backend', async () => {
    const curve = async () => {
      const epochs: EpochLogs[] = [];
      await client.train(
        { ...runDir(), data: iris, graph: irisGraph(), config: config({ epochs: 8, seed: 123 }) },
        (e) => e.type === 'epoch' && epochs.push(e.logs),
      );
      return epochs;
    };
    const first = await curve();
    expect(first).toHaveLength(8);
    expect(await curve()).toEqual(first);
  });

  it('cancels within a batch or so, keeping the history and the model trained so far', async () => {
    const run = runDir();
    const epochs: EpochLogs[] = [];
    const after: Array<{ epoch: number; batch: number }> = [];
    let cancelled = false;
    // batch size 1: 120 batches an epoch, so "before the next epoch completes" is a real bound.
    // Cancelled on the first epoch's event (epoch events are never throttled; a fast epoch's
    // batch events may all be): the cancel then lands early in epoch 1.
    const done = await client.train(
      { ...run, data: iris, graph: irisGraph(), config: config({ epochs: 100, batchSize: 1 }) },
      (event) => {
        if (event.type === 'epoch') {
          epochs.push(event.logs);
          if (!cancelled) {
            cancelled = true;
            client.cancel(run.runId);
          }
        } else if (cancelled) after.push(event.logs);
      },
    );
    expect(done.status).toBe('cancelled');
    expect(done.error).toBeNull();
    expect(done.hasModel).toBe(true);
    // History kept. The cancel travels through the client and back while the engine trains on
    // (an epoch of 120 one-row batches can take ~10 ms), so the epoch in progress may finish
    // first; the next never does. (In process, training-pause.test.ts holds a pause to one batch;
    // a cancel is checked at the same point between batches.)
    expect([[0], [0, 1]]).toContainEqual(epochs.map((e) => e.epoch));
    expect(
      after.every((b) => b.epoch <= epochs.length),
      JSON.stringify(after),
    ).toBe(true);
    const modelDir = path.join(run.runDir, 'model');
    expect((await readdir(modelDir)).sort()).toEqual(['model.json', 'preprocessing.json', 'weights.bin']);
    expect(JSON.parse(await readFile(path.join(modelDir, 'preprocessing.json'), 'utf8'))).toEqual(iris.preprocessing);
  });

  it('refuses a second run while one trains', async () => {
    const first = runDir();
    const second = runDir();
    let secondDone: Promise<unknown> | null = null;
    const firstDone = client.train(
      { ...first, data: iris, graph: irisGraph(), config: config({ epochs: 1000 }) },
      () => {
        if (secondDone) return;
        secondDone = client.train({ ...second, data: iris, graph: irisGraph(), config: config() }, () => undefined);
        void secondDone.then(() => client.cancel(first.runId));
      },
    );
    expect((await firstDone).status).toBe('cancelled');
    expect(await secondDone).toMatchObject({
      status: 'failed',
      error: expect.stringContaining(`busy with run ${first.runId}`),
      hasModel: false,
    });
  });

  describe('export', () => {
    let trained: { runId: string; runDir: string };
    beforeAll(async () => {
      trained = runDir();
      const done = await client.train(
        { ...trained, data: iris, graph: irisGraph(), config: config({ epochs: 5 }) },
        () => undefined,
      );
      expect(done.status).toBe('completed');
    });

    it('writes model.json, weights.bin and preprocessing.json, verified by reloading', async () => {
      const outDir = path.join(tmp.dir, 'exports', 'iris-model');
      const modelDir = path.join(trained.runDir, 'model');
      const result = await client.exportModel({ modelDir, data: iris, outDir });
      expect(result.outDir).toBe(outDir);
      expect(result.files.map((f) => path.basename(f)).sort()).toEqual([
        'MODEL_CARD.md',
        'model.json',
        'predict.mjs',
        'predict.py',
        'preprocessing.json',
        'weights.bin',
      ]);
      for (const f of result.files) expect(existsSync(f), f).toBe(true);
      expect(result.rowsCompared).toBe(30);
      expect(result.maxAbsDiff).toBeLessThanOrEqual(1e-5);
      expect((await readdir(path.dirname(outDir))).filter((n) => n.includes('.tmp-'))).toEqual([]);
      expect(JSON.parse(await readFile(path.join(outDir, 'preprocessing.json'), 'utf8'))).toEqual(iris.preprocessing);

      // Independently, in this process, with stock tfjs: the export predicts what the run's model does.
      const exported = await loadIndependently(outDir);
      const original = await loadIndependently(modelDir);
      const a = await predictVal(exported, iris);
      const b = await predictVal(original, iris);
      expect(a.length).toBe(90);
      let diff = 0;
      a.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - b[i]!))));
      expect(diff).toBeLessThanOrEqual(1e-5);
      exported.dispose();
      original.dispose();
    });

    it('re-exports into an existing folder, replacing its model and keeping other files', async () => {
      const outDir = path.join(tmp.dir, 'exports', 'existing');
      await mkdir(outDir, { recursive: true });
      await writeFile(path.join(outDir, 'notes.txt'), 'mine');
      await writeFile(path.join(outDir, 'model.json'), 'old');
      await client.exportModel({ modelDir: path.join(trained.runDir, 'model'), data: iris, outDir });
      expect((await readdir(outDir)).sort()).toEqual([
        'MODEL_CARD.md',
        'model.json',
        'notes.txt',
        'predict.mjs',
        'predict.py',
        'preprocessing.json',
        'weights.bin',
      ]);
      expect(JSON.parse(await readFile(path.join(outDir, 'model.json'), 'utf8')).format).toBe('layers-model');
    });

    it('fails with a message naming a folder it cannot write, leaving nothing behind', async () => {
      const outDir = '/etc/hostname/x';
      await expect(
        client.exportModel({ modelDir: path.join(trained.runDir, 'model'), data: iris, outDir }),
      ).rejects.toThrow(
        'Cannot write to the folder /etc/hostname/x: part of that path is a file, not a folder. Choose another folder.',
      );
      const file = path.join(tmp.dir, 'a-file');
      await writeFile(file, 'x');
      await expect(
        client.exportModel({ modelDir: path.join(trained.runDir, 'model'), data: iris, outDir: file }),
      ).rejects.toThrow(`${file}: it is a file, not a folder`);
    });

    it('says so when there is no trained model to export', async () => {
      const modelDir = path.join(tmp.dir, 'never-trained', 'model');
      await expect(
        client.exportModel({ modelDir, data: iris, outDir: path.join(tmp.dir, 'exports', 'none') }),
      ).rejects.toThrow(
        `There is no model in ${modelDir}: model.json is missing. Train the model before exporting it.`,
      );
      expect(existsSync(path.join(tmp.dir, 'exports', 'none'))).toBe(false);
    });
  });

  it('adopts a prestarted engine: its "ready", sent before anyone listened, still starts the client', async () => {
    const pid = prestartEngine({ LAYERLAB_BACKEND: 'cpu' });
    expect(pid).toBeGreaterThan(0);
    // Long enough for the engine to have sent "ready" (under tsx it takes about 2 s) with no listener yet.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    // Another environment does not adopt it; the same one does, once.
    const other = new EngineClient({ backend: 'wasm' });
    const adopting = new EngineClient({ backend: 'cpu' });
    try {
      expect((await other.start()).name).toBe('wasm');
      expect(other.pid).not.toBe(pid);
      expect((await adopting.start()).name).toBe('cpu');
      expect(adopting.pid).toBe(pid);
    } finally {
      other.dispose();
      adopting.dispose();
    }
  }, 60_000);

  it('stops a prestarted engine that nobody adopted', async () => {
    const pid = prestartEngine({ LAYERLAB_BACKEND: 'cpu' })!;
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    discardPrestartedEngine();
    for (let i = 0; i < 100 && alive(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive()).toBe(false);
    // Nothing left to adopt: a client now starts a process of its own.
    const fresh = new EngineClient({ backend: 'cpu' });
    try {
      await fresh.start();
      expect(fresh.pid).not.toBe(pid);
    } finally {
      fresh.dispose();
    }
  }, 60_000);

  it('answers a malformed request with an error naming the field, and keeps working', async () => {
    // Raw messages, past EngineClient's own validation, straight to a fresh engine process.
    const channel = forkSpawner()({ LAYERLAB_BACKEND: 'wasm' });
    const events: EngineEvent[] = [];
    const waiters: Array<() => void> = [];
    channel.onMessage((m) => {
      events.push(EngineEvent.parse(m));
      waiters.splice(0).forEach((w) => w());
    });
    const next = async (type: EngineEvent['type']) => {
      for (;;) {
        const found = events.findIndex((e) => e.type === type);
        if (found >= 0) return events.splice(found, 1)[0]!;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    try {
      await next('ready');
      channel.send({ type: 'train', runId: 42, runDir: tmp.dir });
      expect((await next('error')) as { error: string }).toMatchObject({
        error: expect.stringMatching(/malformed request: runId: .*string/),
      });
      channel.send({ type: 'export', requestId: 'e1', modelDir: '/x', outDir: '/y', data: { ...iris, trainRows: -3 } });
      expect(((await next('error')) as { error: string }).error).toMatch(/data\.trainRows/);
      channel.send({ type: 'launch' });
      expect(((await next('error')) as { error: string }).error).toMatch(/type/);
      channel.send('not even an object');
      await next('error');
      const { runId, runDir: dir } = runDir();
      channel.send({
        type: 'train',
        runId,
        runDir: dir,
        data: iris,
        graph: irisGraph(),
        config: config({ epochs: 1 }),
      });
      expect(await next('done')).toMatchObject({ runId, status: 'completed', hasModel: true });
    } finally {
      channel.kill();
    }
  });

  it('validates requests on the client side too, naming the field', async () => {
    const done = await client.train(
      { ...runDir(), data: iris, graph: irisGraph(), config: config({ epochs: 0 }) },
      () => undefined,
    );
    expect(done).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/config\.epochs: epochs must be at least 1/),
    });
  });

  it('survives the engine being killed mid-run: the run fails with the reason, the next run gets a fresh engine', async () => {
    const pid = client.pid!;
    const statuses: string[] = [];
    const unsubscribe = client.onStatus((s) => statuses.push(s.state));
    let killed = false;
    const done = await client.train(
      { ...runDir(), data: iris, graph: irisGraph(), config: config({ epochs: 1000 }) },
      () => {
        if (!killed) {
          killed = true;
          process.kill(pid, 'SIGKILL');
        }
      },
    );
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/^The training engine stopped unexpectedly \(signal SIGKILL\); the run was stopped\./);
    expect(client.status.state).toBe('crashed');
    expect(client.status.message).toMatch(/stopped unexpectedly/);

    const again = await client.train(
      { ...runDir(), data: iris, graph: irisGraph(), config: config({ epochs: 2 }) },
      () => undefined,
    );
    expect(again.status).toBe('completed');
    expect(client.pid).not.toBe(pid);
    expect(statuses).toEqual(['crashed', 'starting', 'ready']);
    unsubscribe();
  });
});

it('importing main/engine (the client) does not load TensorFlow.js', async () => {
  const script = "await import('./main/engine/client/index.ts'); console.log(typeof globalThis._tfengine);";
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.on('exit', resolve));
  expect(out.trim()).toBe('undefined');
});
