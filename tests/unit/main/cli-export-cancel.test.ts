import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './run-layerlab';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-cli-export-cancel-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('layerlab train: Ctrl-C during the export', () => {
  it('shows the export steps on stderr, and Ctrl-C removes the export and the --out folder it made', async () => {
    const out = path.join(tmp, 'out');
    const scratch = path.join(tmp, 'scratch');
    await mkdir(scratch);
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'layerlab.mjs'),
        'train',
        '--data',
        path.join(ROOT, 'resources', 'iris.csv'),
        '--target',
        'species',
        '--epochs',
        '2',
        '--out',
        out,
      ],
      { cwd: ROOT, env: { ...process.env, LAYERLAB_DEBUG: '', LAYERLAB_PROGRESS: 'always', TMPDIR: scratch } },
    );
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // At the first step (predicting the sample): the reload for the parity check, in a fresh
      // process, is still to come, so the interrupt lands mid-export.
      if (!interrupted && stderr.includes('Exporting to out: Step 1 of 4')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(interrupted).toBe(true);
    expect(stderr).toContain('Exporting to out: Step 1 of 4: Predicting the validation sample with the trained model');
    expect({ code, stdout }).toMatchObject({
      code: 130,
      stdout: expect.stringContaining(`Export cancelled; nothing was written to ${out}.`),
    });
    expect(stdout).not.toContain('Wrote ');
    expect(existsSync(out)).toBe(false);
    expect(await readdir(scratch)).toEqual([]);
  }, 180_000);
});

describe('layerlab export: Ctrl-C', () => {
  it('shows the steps on stderr, and Ctrl-C leaves no export folder and the run folder as it was', async () => {
    const trained = path.join(tmp, 'trained');
    const train = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'layerlab.mjs'),
        'train',
        '--data',
        path.join(ROOT, 'resources', 'iris.csv'),
        '--target',
        'species',
        '--epochs',
        '2',
        '--out',
        trained,
      ],
      { cwd: ROOT, env: { ...process.env, LAYERLAB_DEBUG: '' } },
    );
    expect(await new Promise<number | null>((resolve) => train.on('close', resolve))).toBe(0);
    const before = (await readdir(trained)).sort();
    const exported = path.join(tmp, 'onnx');
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'layerlab.mjs'),
        'export',
        '--run',
        trained,
        '--format',
        'onnx',
        '--data',
        path.join(ROOT, 'resources', 'iris.csv'),
        '--out',
        exported,
      ],
      { cwd: ROOT, env: { ...process.env, LAYERLAB_DEBUG: '', LAYERLAB_PROGRESS: 'always' } },
    );
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!interrupted && stderr.includes('Exporting to onnx: Step 1 of ')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(interrupted).toBe(true);
    expect({ code, stdout }).toMatchObject({
      code: 130,
      stdout: expect.stringContaining(`Export cancelled; nothing was written to ${exported}.`),
    });
    expect(existsSync(exported)).toBe(false);
    expect((await readdir(trained)).sort()).toEqual(before);
  }, 180_000);
});
