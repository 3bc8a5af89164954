import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../app/ipc/errors';
import { exportCommand } from '../../../main/cli/export-command';
import { torchPython } from '../../../main/export/pytorch';
import { layerlab, ROOT } from './run-layerlab';
import { torchMissing } from './torchrun';

const missing = torchMissing('PyTorch export of a train --out folder');

const IRIS = path.join(ROOT, 'resources', 'iris.csv');
let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-pytorch-train-out-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/**
 * A `layerlab train --out` folder keeps the model but no data: with --data (the rows it trained
 * on) the PyTorch export splits them into training and validation rows as the folder's
 * config.json says, checks model.py's forward pass on the validation rows, train.py trains on
 * them (and, stopped after an epoch, resumes from its checkpoint to the same end), and its result is itself a train --out folder the CLI exports again (here to ONNX, with
 * the usual parity check). Skipped, saying why, where /usr/bin/python3 has no torch.
 */
describe.skipIf(missing !== null)('layerlab export --format pytorch of a train --out folder', () => {
  it('exports with --data, trains with train.py, and the result exports to ONNX', async () => {
    const trained = path.join(tmp, 'trained');
    const train = await layerlab(['train', '--data', IRIS, '--target', 'species', '--out', trained, '--epochs', '2']);
    expect(train.code, train.stderr).toBe(0);

    // Without the rows it trained on there is nothing to train on or check with.
    const error = await exportCommand(
      ['--run', trained, '--format', 'pytorch', '--out', path.join(tmp, 'none')],
      () => undefined,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain(
      `${trained} keeps no rows to train on or check the export with (layerlab train --out writes none): add --data FILE.csv`,
    );

    const project = path.join(tmp, 'pytorch');
    const lines: string[] = [];
    expect(
      await exportCommand(['--run', trained, '--format', 'pytorch', '--out', project, '--data', IRIS], (l) =>
        lines.push(l),
      ),
    ).toBe(0);
    // config.json's validationSplit 0.2 of iris' 150 rows.
    expect(lines.join('\n')).toMatch(/Parity: max difference .* over 30 rows of iris\.csv, checked with PyTorch/);
    const spec = JSON.parse(await readFile(path.join(project, 'training.json'), 'utf8')) as {
      rows: { train: number; val: number };
      source: { label: string; project: string | null };
    };
    expect(spec.rows).toEqual({ train: 120, val: 30 });
    expect(spec.source).toMatchObject({ project: null, label: `layerlab train output ${trained}` });

    const trainPy = (args: string[]) =>
      new Promise<{ error: Error | null; output: string }>((resolve) =>
        execFile(
          torchPython(),
          ['train.py', ...args],
          { cwd: project, timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: '1' } },
          (e, stdout, stderr) => resolve({ error: e, output: `${stdout}\n${stderr}` }),
        ),
      );
    const epochsOf = async (dir: string) =>
      (
        JSON.parse(await readFile(path.join(project, dir, 'metrics.json'), 'utf8')) as {
          epochs: Array<Record<string, number>>;
        }
      ).epochs;
    const run = await trainPy(['--epochs', '3', '--out', 'result']);
    expect(run.error, run.output).toBeNull();
    const metrics = { epochs: await epochsOf('result') };
    expect(metrics.epochs).toHaveLength(3);

    // Stopped after its first epoch and resumed from the checkpoint, it ends where the uninterrupted
    // run did: model, optimizer, schedule and history come back, and each epoch's shuffle is the seed's.
    const part = await trainPy(['--epochs', '1', '--checkpoint', 'part.pt', '--out', 'part']);
    expect(part.error, part.output).toBeNull();
    const resumed = await trainPy(['--epochs', '3', '--checkpoint', 'part.pt', '--resume', '--out', 'resumed']);
    expect(resumed.error, resumed.output).toBeNull();
    expect(resumed.output).toContain('Resumed from part.pt after epoch 1.');
    const again = await epochsOf('resumed');
    expect(again).toHaveLength(3);
    for (const [i, logs] of metrics.epochs.entries())
      for (const [key, value] of Object.entries(logs))
        if (typeof value === 'number') expect(again[i]![key], `epoch ${i + 1} ${key}`).toBeCloseTo(value, 6);

    const back: string[] = [];
    const onnx = path.join(tmp, 'onnx');
    expect(
      await exportCommand(
        ['--run', path.join(project, 'result'), '--format', 'onnx', '--out', onnx, '--data', IRIS],
        (l) => back.push(l),
      ),
    ).toBe(0);
    expect(back.join('\n')).toMatch(/Parity: max difference .* checked with onnxruntime/);
  }, 300_000);
});

describe('layerlab export of a train --out folder with several Inputs or heads', () => {
  it('is refused before the engine starts, saying what can be exported instead', async () => {
    const dir = path.join(tmp, 'two-heads');
    await mkdir(dir);
    await writeFile(path.join(dir, 'model.json'), '{}');
    // What train --graph writes for a graph with two Inputs and two heads (multi-head-cli.test.ts).
    await writeFile(
      path.join(dir, 'metrics.json'),
      JSON.stringify({
        inputs: [{ node: 'in_a' }, { node: 'in_b' }],
        heads: [{ node: 'out_price' }, { node: 'out_kind' }],
      }),
    );
    const error = await exportCommand(
      ['--run', dir, '--format', 'pytorch', '--out', path.join(tmp, 'two-heads-pt'), '--data', IRIS],
      () => undefined,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `${dir} holds a model with 2 inputs and 2 output heads; exporting a layerlab train --out folder supports single-input, single-head models so far (a project's run exports several to PyTorch).`,
    );
  });
});
