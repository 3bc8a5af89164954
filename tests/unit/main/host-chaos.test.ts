import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import type { DatasetMeta } from '../../../app/dataset/schema';
import type { AppStudy } from '../../../app/experiments/app-study';
import type { RunSummary } from '../../../app/project/schema';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';

/**
 * Chaos (issue 13): a real `layerlab host` process is killed with SIGKILL while it trains; a new
 * one on the same workspace finds the run interrupted and, asked through the contract over its
 * WebSocket, resumes it to the same final epoch count.
 */

const ROOT = path.resolve(import.meta.dirname, '../../..');
const TOKEN = 'chaos-test-token-0123456789';
const EPOCHS = 40;
const children: ChildProcess[] = [];
let workspace: string | null = null;
let studyWorkspace: string | null = null;

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (workspace) await rm(workspace, { recursive: true, force: true });
  if (studyWorkspace) await rm(studyWorkspace, { recursive: true, force: true });
});

/** `layerlab host` as a user starts it (bin/layerlab.mjs); resolves with its port once it prints its URL. */
function startHostProcess(dir: string): Promise<{ child: ChildProcess; port: number }> {
  const args = ['host', '--workspace', dir, '--token', TOKEN, '--port', '0'];
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'layerlab.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LAYERLAB_BACKEND: 'wasm' },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the host did not start within 60 s:\n${out}`)), 60_000);
    const read = (d: Buffer) => {
      out += d.toString();
      const match = /Open http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]) });
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`the host exited (${code}) before starting:\n${out}`)));
  });
}

/** The contract over the host's WebSocket, as a script uses it (the token, no Origin). */
async function contract(port: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${TOKEN}`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let next = 1;
  const invoke = <T>(channel: string, input: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = next++;
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(data.toString());
        if (message.type !== 'result' || message.id !== id) return;
        ws.off('message', onMessage);
        if (message.result.ok) resolve(message.result.value as T);
        else reject(new Error(`${channel}: ${message.result.error}`));
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ type: 'invoke', id, channel, input }));
    });
  return { invoke, close: () => ws.close() };
}

async function until<T>(what: () => Promise<T | null>, ms: number, why: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await what();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${why}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a host killed with SIGKILL in the middle of a run', () => {
  it('comes back with the run interrupted at its checkpoint, and resumes it to the planned epochs', async () => {
    workspace = await mkdtemp(path.join(os.tmpdir(), 'layerlab-chaos-'));
    const first = await startHostProcess(workspace);
    const a = await contract(first.port);
    const project = await a.invoke<{ id: string }>('project.create', { name: 'chaos' });
    const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
    const state = await a.invoke<{ dataset: DatasetMeta }>('dataset.importText', {
      projectId: project.id,
      fileName: 'iris.csv',
      text,
    });
    const taskSpec = { target: 'species', task: 'classification' as const };
    const shape = taskShape(state.dataset, taskSpec);
    const started = await a.invoke<RunSummary>('run.start', {
      projectId: project.id,
      taskSpec,
      graph: templateGraph('mlp', shape.inputWidth, shape.head),
      trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: EPOCHS, batchSize: 8, learningRate: 0.01, earlyStopping: null },
    });
    const ids = { projectId: project.id, runId: started.id };
    const runDir = path.join(workspace, 'projects', project.id, 'runs', started.id);

    // Killed once a checkpoint holds two epochs, long before the planned forty.
    await until(
      async () => {
        const run = await a.invoke<RunSummary>('run.get', ids);
        expect(run.status).toBe('running');
        return run.epochs.length >= 2 && existsSync(path.join(runDir, 'checkpoint', 'state.json')) ? run : null;
      },
      60_000,
      'two epochs',
    );
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    a.close();
    const left = JSON.parse(await readFile(path.join(runDir, 'run.json'), 'utf8')) as RunSummary;
    expect(left.status).toBe('running');
    expect(left.epochs.length).toBeLessThan(EPOCHS);

    const second = await startHostProcess(workspace);
    const b = await contract(second.port);
    const interrupted = await b.invoke<RunSummary>('run.get', ids);
    expect(interrupted.status).toBe('interrupted');
    const kept = interrupted.epochs.length;
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThan(EPOCHS);

    const resumed = await b.invoke<RunSummary>('run.continue', ids);
    expect(resumed.status).toBe('running');
    const finished = await until(
      async () => {
        const run = await b.invoke<RunSummary>('run.get', ids);
        return run.status === 'running' ? null : run;
      },
      120_000,
      'the resumed run to end',
    );
    expect(finished.status, finished.error ?? '').toBe('completed');
    expect(finished.epochs.map((e) => e.epoch)).toEqual([...Array(EPOCHS).keys()]);
    expect(finished.recoveries?.at(-1)).toMatchObject({ fromEpoch: kept });
    expect(finished.hasModel).toBe(true);
    b.close();
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  }, 240_000);
});

describe('a host killed with SIGKILL in the middle of a study', () => {
  it('comes back with the study interrupted and its finished trial kept, and resumes it to the planned trials', async () => {
    studyWorkspace = await mkdtemp(path.join(os.tmpdir(), 'layerlab-chaos-study-'));
    const first = await startHostProcess(studyWorkspace);
    const a = await contract(first.port);
    const project = await a.invoke<{ id: string }>('project.create', { name: 'chaos study' });
    const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
    const state = await a.invoke<{ dataset: DatasetMeta }>('dataset.importText', {
      projectId: project.id,
      fileName: 'iris.csv',
      text,
    });
    const taskSpec = { target: 'species', task: 'classification' as const };
    const shape = taskShape(state.dataset, taskSpec);
    const epochs = 20;
    const study = await a.invoke<AppStudy>('study.start', {
      projectId: project.id,
      taskSpec,
      graph: templateGraph('mlp', shape.inputWidth, shape.head),
      trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs, batchSize: 8, learningRate: 0.01, earlyStopping: null },
      strategy: 'random',
      space: { learningRate: { type: 'float', low: 0.001, high: 0.05, log: true } },
      trials: 3,
      timeBudgetS: null,
      seed: 3,
    });
    const latest = async (api: typeof a) =>
      (await api.invoke<AppStudy[]>('study.list', { projectId: project.id })).find((s) => s.id === study.id)!;

    // Killed while trial 2 trains, once its run's checkpoint holds two epochs.
    const trial2Run = await until(
      async () => {
        const now = await latest(a);
        const runId = now.trials[1]?.run_id;
        if (!runId) return null;
        const run = await a.invoke<RunSummary>('run.get', { projectId: project.id, runId });
        const runDir = path.join(studyWorkspace!, 'projects', project.id, 'runs', runId);
        return run.epochs.length >= 2 && existsSync(path.join(runDir, 'checkpoint', 'state.json')) ? runId : null;
      },
      120_000,
      "trial 2's second epoch",
    );
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    a.close();
    const file = path.join(studyWorkspace, 'projects', project.id, 'studies', `${study.id}.json`);
    const left = JSON.parse(await readFile(file, 'utf8')) as AppStudy;
    expect(left.status).toBe('running');
    expect(left.trials.map((t) => t.status)).toEqual(['completed', 'running']);

    const second = await startHostProcess(studyWorkspace);
    const b = await contract(second.port);
    const interrupted = await latest(b);
    expect(interrupted).toMatchObject({ status: 'interrupted', interrupted_run: trial2Run });
    expect(interrupted.trials).toEqual(left.trials.slice(0, 1));

    await b.invoke<AppStudy>('study.resume', { projectId: project.id, studyId: study.id });
    const done = await until(
      async () => {
        const now = await latest(b);
        return now.status === 'running' ? null : now;
      },
      180_000,
      'the resumed study to end',
    );
    expect(done.status, done.error ?? '').toBe('completed');
    expect(done.trials).toHaveLength(3);
    expect(done.trials[0]).toEqual(left.trials[0]);
    expect(done.trials[1]!.run_id).toBe(trial2Run);
    expect(done.trials.map((t) => [t.status, t.epochs_run])).toEqual([
      ['completed', epochs],
      ['completed', epochs],
      ['completed', epochs],
    ]);
    const continued = await b.invoke<RunSummary>('run.get', { projectId: project.id, runId: trial2Run });
    expect(continued.recoveries?.at(-1)?.fromEpoch).toBeGreaterThanOrEqual(2);
    b.close();
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  }, 360_000);
});
