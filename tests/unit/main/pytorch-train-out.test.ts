import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../../../main/cli/export-command';
import { UserError } from '../../../app/ipc/errors';

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-pytorch-train-out-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/**
 * A `layerlab train --out` folder keeps the model but not the prepared splits the PyTorch
 * project's data.py and train.py train on: the export says so before starting the engine (it
 * used to fail reading a scratch x_train.f32).
 */
describe('layerlab export --format pytorch of a train --out folder', () => {
  it('is refused, naming the folder and what to export instead', async () => {
    const out = path.join(tmp, 'trained');
    await mkdir(out);
    await writeFile(path.join(out, 'model.json'), '{}');
    const data = path.join(tmp, 'rows.csv');
    await writeFile(data, 'a,b\n1,2\n');
    const error = await exportCommand(
      ['--run', out, '--format', 'pytorch', '--out', path.join(tmp, 'pt'), '--data', data],
      () => undefined,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `Cannot export ${out} to PyTorch: it is a layerlab train --out folder, which keeps no training split for the project's data.py and train.py (--data gives only rows to check on). Export a project's run (runs/<id>) instead.`,
    );
  });
});
