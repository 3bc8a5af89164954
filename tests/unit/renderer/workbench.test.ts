import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GraphNode } from '../../../app/graph/schema';
import { createApi, type Api } from '../../../app/ipc/client';
import type { EventPayload } from '../../../app/ipc/contract';
import { phaseProgressText } from '../../../app/progress/work-progress';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';
import { createConnectionStore } from '../../../renderer/src/api/connection-store';
import { createBrowserHost } from '../../../renderer/src/app/host/browser-host';
import { createWorkbench, type Workbench } from '../../../renderer/src/app/workbench';
import type { WorkbenchStorage } from '../../../renderer/src/app/workbench/core';
import { settingIssueFields } from '../../../renderer/src/app/workbench/setup-sync';

/**
 * The renderer's workbench over the in-memory transport: the real handlers, services and engine
 * process behind the contract, as the window would reach them over a socket; only the React views are absent.
 */
const RESOURCES = path.resolve(import.meta.dirname, '../../../resources');
const IRIS = path.join(RESOURCES, 'iris.csv');

let tmp: string;
let services: Services;
let api: Api;
const open: Workbench[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-workbench-'));
  services = createServices({ workspace: path.join(tmp, 'workspace'), mode: 'host', dataRoots: [RESOURCES] });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
});
afterAll(async () => {
  for (const wb of open) wb.dispose();
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

/** A window's localStorage. */
function memoryStorage(): WorkbenchStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

/** A window: its own workbench over the shared main side. */
function openWindow(storage = memoryStorage()): Workbench {
  const wb = createWorkbench(
    { api, connection: createConnectionStore('open'), mode: 'host' },
    storage,
    createBrowserHost(),
  );
  open.push(wb);
  return wb;
}

const nodeOf = (wb: Workbench, type: GraphNode['type']) =>
  wb.stores.graph.getState().graph.nodes.find((n) => n.type === type)?.config as Record<string, unknown> | undefined;

async function irisProject(wb: Workbench, name: string): Promise<string> {
  expect(await wb.actions.createProject(name)).toBe(true);
  await wb.actions.importPath(IRIS);
  expect(wb.stores.project.getState().importError).toBeNull();
  return wb.stores.project.getState().current!.id;
}

describe('workbench: the training setup follows the data', () => {
  it('importing a CSV chooses its last column as the target, sizes the template to it and resolves the setup', async () => {
    const wb = openWindow();
    const projectId = await irisProject(wb, 'Iris setup');
    const current = wb.stores.project.getState().current!;
    expect(current.project.taskSpec).toMatchObject({ target: 'species', task: 'classification' });
    // The template made for a table, its Input the 4 measurements, its head the 3 species.
    expect(nodeOf(wb, 'Input')).toMatchObject({ shape: [4] });
    expect(nodeOf(wb, 'Output')).toMatchObject({ units: 3, activation: 'softmax' });
    expect(wb.stores.graph.getState().graph.nodes.some((n) => n.type === 'Dense')).toBe(true);
    const { setup } = wb.stores.setup.getState();
    expect(setup?.issues).toEqual([]);
    expect(setup?.shape?.labels).toEqual(['setosa', 'versicolor', 'virginica']);
    // The settings as the run manager will check them: the task's loss filled in, "auto" sizes stood in for.
    expect(setup?.trainConfig?.loss).toMatch(/crossentropy/i);
    // The task chosen was saved on the main side.
    expect((await api.invoke('project.open', { projectId })).project.taskSpec?.target).toBe('species');
  });

  it("a new target resizes the user's graph (their layer sizes kept) and a setting that does not fit shows on its field; Train refuses it", async () => {
    const wb = openWindow();
    const projectId = await irisProject(wb, 'Iris regression');
    const dense = wb.stores.graph.getState().graph.nodes.find((n) => n.type === 'Dense')!;
    wb.stores.graph.getState().updateConfig(dense.id, { units: 17 });

    await wb.actions.setTaskSpec({ target: 'petal_width', task: 'regression' });
    // The 3 other measurements and species as 3 one-hot columns.
    expect(nodeOf(wb, 'Input')).toMatchObject({ shape: [6] });
    expect(nodeOf(wb, 'Output')).toMatchObject({ units: 1, activation: 'linear' });
    expect(wb.stores.graph.getState().graph.nodes.find((n) => n.id === dense.id)?.config).toMatchObject({ units: 17 });
    expect(wb.stores.setup.getState().setup?.issues).toEqual([]);

    // Valid on its own (the form has no error), impossible for a regression: the setup names the field.
    wb.stores.trainForm.getState().set('loss', 'sparseCategoricalCrossentropy');
    expect(wb.stores.trainForm.getState().errors).toEqual({});
    const issues = wb.stores.setup.getState().setup?.issues ?? [];
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'trainConfig', path: 'loss' });
    expect(settingIssueFields(wb.stores.setup.getState().setup).loss).toMatch(/loss: .*regression/i);

    await wb.actions.startRun();
    expect(wb.stores.runs.getState().startError).toMatch(/^Training settings: loss: /);
    expect(wb.stores.runs.getState().activeRunId).toBeNull();
    expect((await api.invoke('project.open', { projectId })).runs).toEqual([]);

    // Back to the task's own loss: the field error goes.
    wb.stores.trainForm.getState().set('loss', '');
    expect(wb.stores.setup.getState().setup?.issues).toEqual([]);
    expect(settingIssueFields(wb.stores.setup.getState().setup)).toEqual({});

    // A valid graph that does not fit the data (no view lets a table's Input be resized by hand; the store can):
    // the run manager would refuse it, so it is said before anything is sent.
    const input = wb.stores.graph.getState().graph.nodes.find((n) => n.type === 'Input')!;
    wb.stores.graph.getState().updateConfig(input.id, { shape: [5] });
    expect(wb.stores.graph.getState().analysis.ok).toBe(true);
    expect(wb.stores.setup.getState().setup?.issues.map((i) => `${i.field}/${i.path}`)).toEqual(['graph/shape']);
    await wb.actions.startRun();
    expect(wb.stores.runs.getState().startError).toBe(
      'The Input node expects shape (5) but the dataset gives 6 features per row. Re-select the target or apply a template to resize it.',
    );
    expect((await api.invoke('project.open', { projectId })).runs).toEqual([]);
  });

  it("a value that is not a setting is the form's own error: the setup does not check settings it cannot read", () => {
    const wb = openWindow();
    // No project: no setup at all.
    expect(wb.stores.setup.getState().setup).toBeNull();
    wb.stores.trainForm.getState().set('epochs', 'many');
    expect(wb.stores.trainForm.getState().errors.epochs).toBeTruthy();
    expect(wb.stores.trainForm.getState().config).toBeNull();
  });

  it('Train sends the graph and the settings the setup checked, and the run ends with them', async () => {
    const wb = openWindow();
    const projectId = await irisProject(wb, 'Iris run');
    const form = wb.stores.trainForm.getState();
    form.set('epochs', '2');
    form.set('batchSize', '32');
    form.set('learningRate', '0.01');
    form.set('earlyStopping', false);
    const checked = wb.stores.setup.getState().setup!;
    expect(checked.issues).toEqual([]);

    const ended = new Promise<EventPayload<'run.ended'>>((resolve) => {
      const off = api.on('run.ended', (payload) => {
        off();
        resolve(payload);
      });
    });
    await wb.actions.startRun();
    expect(wb.stores.runs.getState().startError).toBeNull();
    const runId = wb.stores.runs.getState().activeRunId;
    expect(runId).toBeTruthy();

    const { run } = await ended;
    expect(run.id).toBe(runId);
    expect(run.status).toBe('completed');
    expect(run.trainConfig).toMatchObject({
      epochs: 2,
      batchSize: 32,
      learningRate: 0.01,
      loss: checked.trainConfig!.loss,
    });
    expect(run.graph.nodes.map((n) => [n.id, n.config])).toEqual(
      wb.stores.graph.getState().graph.nodes.map((n) => [n.id, n.config]),
    );
    expect(run.epochs).toHaveLength(2);
    // The window shows it ended: no run active, the project's list holds it with its epochs.
    expect(wb.stores.runs.getState().activeRunId).toBeNull();
    expect(wb.stores.project.getState().current?.runs.find((r) => r.id === runId)?.status).toBe('completed');
    expect((await api.invoke('project.open', { projectId })).runs.map((r) => r.id)).toEqual([runId]);
  });
});

describe('workbench: a project comes back as it was left', () => {
  it('the graph, the settings and the step are saved, and a new window opens the project with them', async () => {
    const storage = memoryStorage();
    const first = openWindow(storage);
    const projectId = await irisProject(first, 'Iris saved');
    const dense = first.stores.graph.getState().graph.nodes.find((n) => n.type === 'Dense')!;
    first.stores.graph.getState().updateConfig(dense.id, { units: 23 });
    first.stores.trainForm.getState().set('epochs', '7');
    first.stores.trainForm.getState().set('optimizer', 'sgd');
    first.actions.setStep('train'); // leaving a step sends the pending saves
    await vi.waitFor(async () => {
      const saved = (await api.invoke('project.open', { projectId })).project;
      expect(saved.graph?.nodes.find((n) => n.id === dense.id)?.config).toMatchObject({ units: 23 });
      expect(saved.trainConfig).toMatchObject({ epochs: 7, optimizer: 'sgd' });
    });
    expect(first.stores.project.getState().saveError).toBeNull();
    first.dispose();

    // The same window's storage remembers the project and its step; the main side has the rest.
    const second = openWindow(storage);
    await second.actions.init();
    expect(second.stores.project.getState().current?.id).toBe(projectId);
    expect(second.stores.project.getState().step).toBe('train');
    expect(second.stores.graph.getState().graph.nodes.find((n) => n.id === dense.id)?.config).toMatchObject({
      units: 23,
    });
    expect(second.stores.trainForm.getState().values).toMatchObject({ epochs: '7', optimizer: 'sgd' });
    // Opening is not an edit: the setup resolves and nothing is saved back.
    expect(second.stores.setup.getState().setup?.issues).toEqual([]);
    expect(second.stores.project.getState().saveError).toBeNull();
  });
});

describe("workbench: a run's data being prepared", () => {
  it('shows each phase of the preparation, and Cancel stops it: the start fails saying so and no run is left', async () => {
    // A table large enough that its preparation has phases to watch (150,000 rows × 21 numbers).
    const { writeNumericCsv } = await import('../../../bench/numeric-csv');
    const csv = path.join(tmp, 'workspace', 'numbers.csv');
    await mkdir(path.dirname(csv), { recursive: true });
    await writeNumericCsv(csv, 150_000);
    const wb = openWindow();
    expect(await wb.actions.createProject('Numbers')).toBe(true);
    await wb.actions.importPath(csv);
    expect(wb.stores.project.getState().importError).toBeNull();
    const projectId = wb.stores.project.getState().current!.id;
    await wb.actions.setTaskSpec({ target: 'c20', task: 'regression' });

    const shown: string[] = [];
    let cancelled = false;
    const unsubscribe = wb.stores.runs.subscribe((state) => {
      const p = state.preparing;
      if (!p) return;
      if (shown.at(-1) !== phaseProgressText(p)) shown.push(phaseProgressText(p));
      // Cancel, as the Train form's button does, once the statistics' pass is under way.
      if (p.index === 2 && p.done > 0 && !cancelled) {
        cancelled = true;
        void wb.actions.cancelRun();
      }
    });
    await wb.actions.startRun();
    unsubscribe();
    expect(shown[0]).toBe('Step 1 of 5: Reading the targets · 0% · 0 of 150,000 rows');
    expect(shown).toContain('Step 2 of 5: Splitting the rows · 100% · 150,000 of 150,000 rows');
    expect(shown.some((t) => t.startsWith('Step 4 of 5'))).toBe(false);
    expect(wb.stores.runs.getState()).toMatchObject({
      preparing: null,
      activeRunId: null,
      startError: 'The run was cancelled while its data was being prepared; nothing was trained.',
    });
    expect((await api.invoke('project.open', { projectId })).runs).toEqual([]);
  }, 120_000);
});

describe("workbench: the LR range test before a run's first batch", () => {
  it("shows the test's steps while it runs (learning rate chosen by Layerlab), and nothing once training shows batches", async () => {
    const wb = openWindow();
    await irisProject(wb, 'Iris auto rate');
    const form = wb.stores.trainForm.getState();
    form.set('epochs', '1');
    form.set('lrAuto', true);
    form.set('earlyStopping', false);
    const shown: string[] = [];
    const unsubscribe = wb.stores.runs.subscribe((state) => {
      const p = state.preparing;
      if (p && shown.at(-1) !== phaseProgressText(p)) shown.push(phaseProgressText(p));
    });
    const ended = new Promise<EventPayload<'run.ended'>>((resolve) => {
      const off = api.on('run.ended', (payload) => {
        off();
        resolve(payload);
      });
    });
    await wb.actions.startRun();
    const { run } = await ended;
    unsubscribe();
    expect(run.status).toBe('completed');
    const steps = run.lrFinder!.steps;
    const lrShown = shown.filter((t) => t.startsWith('Finding the learning rate (LR range test) · '));
    expect(lrShown[0]).toMatch(/ · 1 of \d+ steps/);
    expect(lrShown.at(-1)).toContain(` · ${steps} of ${run.lrFinder!.plannedSteps} steps`);
    expect(wb.stores.runs.getState().preparing).toBeNull();
  }, 120_000);
});
