import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerlab, ROOT } from './run-layerlab';

let tmp: string;
const env = { LAYERLAB_BACKEND: 'wasm' };
const cli = (...args: string[]) => layerlab(args, env);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-tune-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface StudyTrial {
  number: number;
  status: string;
  started_at: string;
  params: Record<string, number | string>;
  rungs: Record<string, number | null>;
  pruned_at: number | null;
  final: Record<string, number | null> | null;
}
const readStudy = async (dir: string) =>
  JSON.parse(await readFile(path.join(dir, 'study.json'), 'utf8')) as {
    trials: StudyTrial[];
    best_trial: number | null;
    status: string;
  };

describe('layerlab tune', () => {
  it('runs an ASHA study on iris, resumes it after a kill without redoing finished trials, and keeps only the best', async () => {
    const out = path.join(tmp, 'study');
    const args = [
      'tune', '--data', 'resources/iris.csv', '--target', 'species', '--out', out,
      '--trials', '4', '--epochs', '3', '--strategy', 'asha', '--seed', '42',
    ]; // prettier-ignore
    // First run: killed (SIGKILL, as a crash) while its second trial trains.
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'layerlab.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    let before: Awaited<ReturnType<typeof readStudy>> | null = null;
    for (let i = 0; i < 1200 && child.exitCode === null; i++) {
      await sleep(100);
      const study = await readStudy(out).catch(() => null);
      if (study && study.trials.length === 2 && study.trials[1]!.status === 'running') {
        before = study;
        break;
      }
    }
    child.kill('SIGKILL');
    expect(before, 'the study reached its second trial before the kill').not.toBeNull();
    expect(before!.trials[0]!.status).toBe('completed');
    expect(existsSync(path.join(out, 'best', 'model.json'))).toBe(true);

    const resumed = await cli(...args);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^Resuming .*study\.json: 1 trial\(s\) done, trial 2 \(unfinished\) runs again\.$/m);
    // The finished trial is not trained again: only trials 2 to 4 report.
    expect(resumed.stdout).not.toMatch(/^Trial 1\/4/m);
    expect(resumed.stdout.match(/^Trial [234]\/4 /gm)).toHaveLength(3);

    const study = await readStudy(out);
    expect(study.status).toBe('completed');
    expect(study.trials.map((t) => t.number)).toEqual([0, 1, 2, 3]);
    expect(study.trials[0]).toEqual(before!.trials[0]);
    for (const t of study.trials) {
      expect(['completed', 'pruned']).toContain(t.status);
      expect(Object.keys(t.params).sort()).toEqual(['batchSize', 'dropout', 'learningRate', 'units']);
      // Every trial reached the first rung (1 epoch) and recorded its val_loss there.
      expect(typeof t.rungs['1']).toBe('number');
      if (t.status === 'pruned') expect(t.pruned_at).toBe(1);
      else expect(t.final?.['val_loss']).toEqual(expect.any(Number));
    }
    // ASHA stops the trials outside the top third at a rung; the first one always goes on.
    expect(study.trials[0]!.status).toBe('completed');
    // best/ is a train --out folder of the best completed trial; no other trial's files are kept.
    const best = study.trials
      .filter((t) => t.status === 'completed')
      .sort((a, b) => a.final!['val_loss']! - b.final!['val_loss']!)[0]!;
    expect(study.best_trial).toBe(best.number);
    const metrics = JSON.parse(await readFile(path.join(out, 'best', 'metrics.json'), 'utf8'));
    expect(metrics.final.val_loss).toBe(best.final!['val_loss']);
    expect(metrics.config.batchSize).toBe(best.params['batchSize']);
    expect(metrics.config.learningRate).toBe(best.params['learningRate']);
    expect((await readdir(out)).sort()).toEqual(['best', 'study.json']);
    for (const f of ['model.json', 'weights.bin', 'preprocessing.json', 'config.json', 'manifest.json'])
      expect(existsSync(path.join(out, 'best', f)), f).toBe(true);
    expect(resumed.stdout).toMatch(new RegExp(`^Best: trial ${best.number + 1} \\(learningRate .*\\): val_loss `, 'm'));

    // Run again when it is complete: nothing is trained.
    const again = await cli(...args);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/^Trial /m);
    // Other settings on the same folder are refused, naming what differs.
    const other = await cli(...args.slice(0, -2), '--seed', '7');
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/study\.json is a study with other settings \(--seed 42\)/);
  }, 300_000);

  it('starts no trial once its time budget is spent, and says so', async () => {
    const out = path.join(tmp, 'budget');
    const run = await cli(
      'tune', '--data', 'resources/iris.csv', '--target', 'species', '--out', out, '--trials', '5',
      '--epochs', '2', '--time-budget', '0.5', '--template', 'linear',
    ); // prettier-ignore
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Time budget spent \(\d+ s of 0\.5 s\): no further trial starts\.$/m);
    expect(run.stdout).toMatch(/^Study stopped by its time budget: 1 trial\(s\)/m);
    const study = await readStudy(out);
    expect(study.status).toBe('budget_spent');
    expect(study.trials).toHaveLength(1);
    // The linear template has no hidden layers: the default space is the rate and the batch size.
    expect(Object.keys(study.trials[0]!.params).sort()).toEqual(['batchSize', 'learningRate']);
  }, 120_000);

  it('runs the whole grid of a space file, and refuses a bad space naming the setting', async () => {
    const space = path.join(tmp, 'space.json');
    await writeFile(space, JSON.stringify({ learningRate: { type: 'choice', values: [0.01, 0.05] } }));
    const out = path.join(tmp, 'grid');
    const run = await cli(
      'tune', '--data', 'resources/iris.csv', '--target', 'species', '--out', out, '--strategy', 'grid',
      '--space', space, '--epochs', '2', '--template', 'linear',
    ); // prettier-ignore
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const study = await readStudy(out);
    expect(study.trials.map((t) => t.params)).toEqual([{ learningRate: 0.01 }, { learningRate: 0.05 }]);

    await writeFile(space, JSON.stringify({ dropout: { type: 'float', low: 0.6, high: 0.2 } }));
    const bad = await cli(
      'tune',
      '--data',
      'resources/iris.csv',
      '--target',
      'species',
      '--out',
      path.join(tmp, 'bad'),
      '--space',
      space,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/space\.json: dropout: low 0\.6 is above high 0\.2/);
  }, 120_000);
});
