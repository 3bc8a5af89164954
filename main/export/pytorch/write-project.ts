import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { imageBytes } from '../../../app/dataset/images';
import type { PreparedData } from '../../../app/engine/protocol';
import { loadRunImages } from '../../data/images/batch-source';
import { locateImage } from '../../data/images/image-store';
import { npyBytes, npyHeader } from './npz';
import { pytorchProject, type PytorchProjectInput, type TrainingSpec } from './project';

/**
 * The Python that checks the export and runs the tests: Debian's python3 with python3-torch by
 * default (the `python3` on a PATH is often a virtual environment without it); LAYERLAB_PYTHON
 * names another.
 */
export function torchPython(): string {
  return process.env['LAYERLAB_PYTHON'] ?? '/usr/bin/python3';
}

/**
 * A Python process to its end; `signal` (a cancelled export) kills it at once with SIGKILL, and
 * the promise then rejects with an AbortError.
 */
function run(file: string, args: string[], options: { cwd?: string; timeoutMs: number; signal?: AbortSignal }) {
  return new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        timeout: options.timeoutMs,
        maxBuffer: 16 << 20,
        env: { ...process.env, OMP_NUM_THREADS: '1' },
        ...(options.signal ? { signal: options.signal } : {}),
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        if (error) reject(Object.assign(error, { stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/** "PyTorch 1.13.0 (/usr/bin/python3)", or why there is no PyTorch to check with. */
export async function torchVersion(
  signal?: AbortSignal,
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  const python = torchPython();
  try {
    const { stdout } = await run(python, ['-c', 'import numpy, torch; print(torch.__version__)'], {
      timeoutMs: 60_000,
      ...(signal ? { signal } : {}),
    });
    return { ok: true, version: `PyTorch ${stdout.trim()} (${python})` };
  } catch (error) {
    signal?.throwIfAborted();
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') return { ok: false, reason: `${python} does not exist (LAYERLAB_PYTHON names another)` };
    const last = (e.stderr ?? '').trim().split('\n').at(-1) ?? e.message;
    return { ok: false, reason: `${python} cannot import torch and numpy (${last})` };
  }
}

const FORWARD_PY = String.raw`
import json
import sys
import numpy as np
import torch
sys.path.insert(0, sys.argv[1])
from model import load_model
torch.set_num_threads(1)
model = load_model(sys.argv[1] + "/weights.npz")
with open(sys.argv[1] + "/training.json") as f:
    inputs = json.load(f)["inputs"]
x = torch.from_numpy(np.load(sys.argv[2]))
# Several inputs: each takes its columns of the prepared rows, as data.py splits them.
xs = [x if i.get("columns") is None else x[:, i["columns"]].reshape(-1, *i["shape"]) for i in inputs]
with torch.no_grad():
    out = model(*xs)
outs = out if isinstance(out, tuple) else (out,)
np.concatenate([o.numpy().astype("<f4").ravel() for o in outs]).tofile(sys.argv[3])
`;

/**
 * model.py's forward pass on `x` (rows × the input's per-sample shape; several inputs: the
 * prepared rows, split into each input's columns as training.json lists them), every output
 * row-major one after another. `signal` kills the Python process and rejects with its reason.
 */
export async function torchForward(
  dir: string,
  x: Float32Array,
  shape: number[],
  signal?: AbortSignal,
): Promise<Float32Array> {
  const temp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-torch-'));
  try {
    const xFile = path.join(temp, 'x.npy');
    const outFile = path.join(temp, 'out.f32');
    await writeFile(xFile, npyBytes({ shape, values: x }));
    try {
      signal?.throwIfAborted();
      await run(torchPython(), ['-c', FORWARD_PY, dir, xFile, outFile], {
        timeoutMs: 300_000,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      signal?.throwIfAborted();
      const stderr = ((error as { stderr?: string }).stderr ?? '').trim();
      throw new Error(
        `model.py failed on the validation rows: ${stderr.split('\n').slice(-3).join(' ') || (error as Error).message}`,
        { cause: error },
      );
    }
    const bytes = await readFile(outFile);
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** A prepared float32 matrix (x_train.f32 …) as .npy: the header, then its bytes as they are. */
async function matrixToNpy(
  from: string,
  to: string,
  rows: number,
  shape: number[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const out = createWriteStream(to);
  out.write(npyHeader('<f4', [rows, ...shape]));
  await pipeline(createReadStream(from), out, signal ? { signal } : {});
}

/** An image split's pixels from the dataset's shards: uint8 (rows, height, width, channels). */
async function imagesToNpy(
  data: PreparedData,
  which: readonly number[],
  to: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const images = data.images!;
  const stored = await loadRunImages(images);
  const bytes = imageBytes(stored.meta);
  const out = await open(to, 'w');
  const handles = new Map<string, Awaited<ReturnType<typeof open>>>();
  try {
    const head = npyHeader('|u1', [which.length, images.height, images.width, images.channels]);
    await out.write(head);
    const buffer = Buffer.alloc(bytes);
    for (const [n, i] of which.entries()) {
      if (n % 1024 === 0) signal?.throwIfAborted();
      const { file, offset } = locateImage(stored.meta, i);
      let handle = handles.get(file);
      if (!handle) {
        handle = await open(path.join(stored.dir, file), 'r');
        handles.set(file, handle);
      }
      await handle.read(buffer, 0, bytes, offset);
      await out.write(buffer);
    }
  } finally {
    await out.close();
    await Promise.all([...handles.values()].map((h) => h.close()));
  }
}

/** data/: the run's prepared splits as .npy files data.py reads. */
async function writeData(
  dir: string,
  data: PreparedData,
  spec: TrainingSpec,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const target = path.join(dir, 'data');
  await mkdir(target, { recursive: true });
  const files: string[] = [];
  for (const split of ['train', 'val'] as const) {
    const rows = split === 'train' ? data.trainRows : data.valRows;
    if (data.images) {
      await imagesToNpy(
        data,
        split === 'train' ? data.images.train : data.images.validation,
        path.join(target, `x_${split}.npy`),
        signal,
      );
    } else {
      const shape =
        spec.inputs.length === 1 && spec.inputs[0]!.columns === null ? spec.inputs[0]!.shape : [data.inputWidth];
      await matrixToNpy(
        path.join(data.dir, `x_${split}.f32`),
        path.join(target, `x_${split}.npy`),
        rows,
        shape,
        signal,
      );
    }
    await matrixToNpy(
      path.join(data.dir, `y_${split}.f32`),
      path.join(target, `y_${split}.npy`),
      rows,
      [data.outputWidth],
      signal,
    );
    files.push(`data/x_${split}.npy`, `data/y_${split}.npy`);
  }
  return files;
}

export interface PytorchCheck {
  /** Largest |PyTorch − in-app| over the validation rows; null when the check was skipped. */
  maxAbsDiff: number | null;
  checkedWith: string;
  /** Why the forward pass was not checked (no Python with torch here). */
  skipped: string | null;
  predictions: Float32Array | null;
}

/**
 * Writes the whole project into `dir` (a staged export folder): model.py, weights.npz, train.py,
 * data.py, training.json, keras_model.json, README.md, requirements.txt and data/*.npy; then runs
 * model.py on the validation rows with PyTorch where it is installed. `signal` (a cancelled
 * export) stops the copying of the data and kills the Python processes at once; the promise then
 * rejects with the signal's reason, and the caller removes `dir`.
 */
export async function writePytorchProject(
  dir: string,
  input: PytorchProjectInput,
  check: { x: Float32Array; shape: number[]; expected: Float32Array },
  signal?: AbortSignal,
): Promise<{ files: string[]; check: PytorchCheck; spec: TrainingSpec }> {
  const { files, spec } = pytorchProject(input);
  for (const [name, content] of files) await writeFile(path.join(dir, name), content);
  const dataFiles = await writeData(dir, input.data, spec, signal);
  const torch = await torchVersion(signal);
  let outcome: PytorchCheck;
  if (!torch.ok) {
    outcome = { maxAbsDiff: null, checkedWith: 'nothing', skipped: torch.reason, predictions: null };
  } else {
    const predictions = await torchForward(dir, check.x, check.shape, signal);
    let diff = predictions.length === check.expected.length ? 0 : Infinity;
    for (let i = 0; i < predictions.length && diff !== Infinity; i++) {
      const d = Math.abs(predictions[i]! - check.expected[i]!);
      if (!(d <= diff)) diff = Number.isNaN(d) ? Infinity : d;
    }
    outcome = { maxAbsDiff: diff, checkedWith: torch.version, skipped: null, predictions };
  }
  return { files: [...files.keys(), ...dataFiles], check: outcome, spec };
}
