import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerlab } from './run-layerlab';

let tmp: string;
const cli = (...args: string[]) => layerlab(args, { LAYERLAB_BACKEND: 'wasm' });

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-lr-find-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('layerlab lr-find and --learning-rate auto', () => {
  it('lr-find prints the curve and a suggested rate', async () => {
    const run = await cli(
      'lr-find',
      '--data',
      'resources/iris.csv',
      '--target',
      'species',
      '--epochs',
      '5',
      '--batch-size',
      '16',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^LR range test \(adam, batch size 16, seed 42\): \d+ of \d+ steps, rate 1\.0e-7 → /m);
    const rows = run.stdout.split('\n').filter((l) => /^[ →] +\d\.\de-?\d+ +\d/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(rows.filter((l) => l.includes('← suggested'))).toHaveLength(1);
    const suggested = /^Suggested learning rate: (\d\.\de-?\d+) \(.+\)\.$/m.exec(run.stdout);
    expect(suggested, run.stdout).not.toBeNull();
    const rate = Number(suggested![1]);
    expect(rate).toBeGreaterThanOrEqual(1e-4);
    expect(rate).toBeLessThanOrEqual(1e-2);
  });

  it('train uses auto by default: it prints the rate found, and metrics.json and config.json record it', async () => {
    const out = path.join(tmp, 'auto');
    const run = await cli(
      'train',
      '--data',
      'resources/iris.csv',
      '--target',
      'species',
      '--out',
      out,
      '--epochs',
      '3',
      '--batch-size',
      '16',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const line = /^Learning rate: auto → (\d\.\de-?\d+) \(LR range test, (\d+) steps, [\d.]+ s\)$/m.exec(run.stdout);
    expect(line, run.stdout).not.toBeNull();
    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.lr_finder).toMatchObject({ steps: Number(line![2]) });
    expect(metrics.lr_finder.suggestion).toBeCloseTo(Number(line![1]), 3);
    // The rate the run trained with, as a number, in both files.
    expect(metrics.config.learningRate).toBe(metrics.lr_finder.suggestion);
    expect(JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8')).learningRate).toBe(
      metrics.lr_finder.suggestion,
    );
  });

  it('a number still works (no test run), and anything else is a usage mistake', async () => {
    const out = path.join(tmp, 'fixed');
    const fixed = await cli(
      'train',
      '--data',
      'resources/iris.csv',
      '--target',
      'species',
      '--out',
      out,
      '--epochs',
      '2',
      '--batch-size',
      '16',
      '--learning-rate',
      '0.003',
    );
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).not.toMatch(/Learning rate: auto/);
    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.config.learningRate).toBe(0.003);
    expect(metrics.lr_finder).toBeUndefined();
    const bad = await cli(
      'train',
      '--data',
      'resources/iris.csv',
      '--target',
      'species',
      '--out',
      path.join(tmp, 'bad'),
      '--learning-rate',
      'fast',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--learning-rate/);
  });
});
