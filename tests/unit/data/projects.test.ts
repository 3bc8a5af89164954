import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { UserError } from '../../../app/ipc/errors';
import { ProjectFile, type RunSummary } from '../../../app/project/schema';
import { DEFAULT_TRAIN_CONFIG, headFor } from '../../../app/training/config';
import { importCsvFile, ProjectService } from '../../../main/data';
import { rejection, thrown, useTempDir } from './temp-dir';

const IRIS = fileURLToPath(new URL('../../../resources/iris.csv', import.meta.url));

/** A clock that ticks one second per call, so "newest first" is well defined. */
function steppingClock(start = Date.UTC(2025, 0, 1)): () => Date {
  let t = start;
  return () => new Date((t += 1000));
}

function service(workspace: string, warnings: string[] = []): ProjectService {
  return new ProjectService(workspace, { now: steppingClock(), warn: (m) => warnings.push(m) });
}

const graph = templateGraph('mlp', 4, headFor('classification', 3));
const taskSpec = { target: 'species', task: 'classification' as const };

function run(id: string, startedAt: string): RunSummary {
  return {
    id,
    status: 'completed',
    startedAt,
    endedAt: startedAt,
    error: null,
    task: 'classification',
    taskSpec,
    trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 30, batchSize: 32 },
    graph,
    backend: { name: 'cpu', skipped: [{ name: 'tensorflow', reason: 'not installed' }] },
    epochs: [{ epoch: 0, loss: 1.1, val_loss: 1.2, accuracy: 0.4, val_accuracy: 0.3 }],
    hasModel: true,
  };
}

describe('ProjectService', () => {
  const tmp = useTempDir();

  it('creates a project folder with project.json, datasets/ and runs/ and default settings', async () => {
    const projects = service(tmp());
    const state = await projects.create('  Iris Flowers ');
    expect(state).toMatchObject({
      id: 'iris-flowers',
      path: join(tmp(), 'projects', 'iris-flowers'),
      dataset: null,
      runs: [],
      problems: [],
    });
    expect((await readdir(state.path)).sort()).toEqual(['datasets', 'project.json', 'runs']);
    const file = ProjectFile.parse(JSON.parse(await readFile(join(state.path, 'project.json'), 'utf8')));
    expect(file).toMatchObject({
      name: 'Iris Flowers',
      datasetId: null,
      taskSpec: null,
      graph: null,
      trainConfig: DEFAULT_TRAIN_CONFIG,
    });
    expect(file).toEqual(state.project);
  });

  it('makes ids unique with -2, -3 and slugs odd names', async () => {
    const projects = service(tmp());
    expect((await projects.create('Demo')).id).toBe('demo');
    expect((await projects.create('demo')).id).toBe('demo-2');
    expect((await projects.create('DEMO!')).id).toBe('demo-3');
    expect((await projects.create('Ünïcödé / Tést')).id).toBe('unicode-test');
    expect((await projects.create('日本')).id).toBe('project');
    await expect(projects.create('   ')).rejects.toThrow('A project needs a name.');
  });

  it('lists projects newest first, skipping and reporting broken folders', async () => {
    const warnings: string[] = [];
    const projects = service(tmp(), warnings);
    await projects.create('First');
    await projects.create('Second');
    await projects.create('Third');
    await projects.save('first', { trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 5 } });
    await mkdir(join(tmp(), 'projects', 'empty-folder'));
    await mkdir(join(tmp(), 'projects', 'corrupt'));
    await writeFile(join(tmp(), 'projects', 'corrupt', 'project.json'), '{ not json');

    expect((await projects.list()).map((p) => p.id)).toEqual(['first', 'third', 'second']);
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toContain(join(tmp(), 'projects', 'corrupt'));
    const { broken } = await projects.scan();
    expect(broken.map((b) => [b.id, b.reason])).toEqual([
      ['corrupt', 'project.json: it is not valid JSON'],
      ['empty-folder', 'project.json: the file is missing'],
    ]);
  });

  it('lists nothing for a new workspace', async () => {
    expect(await service(join(tmp(), 'fresh')).list()).toEqual([]);
  });

  it('keeps dataset, task, graph, settings and runs across a save and a reopen', async () => {
    const projects = service(tmp());
    const { id } = await projects.create('Round trip');
    const meta = await importCsvFile({ path: IRIS, datasetsDir: projects.datasetsDir(id) });
    expect(taskShape(meta, taskSpec).inputWidth).toBe(4);
    const trainConfig = { ...DEFAULT_TRAIN_CONFIG, epochs: 12, learningRate: 0.003, seed: 9 };
    const saved = await projects.save(id, { datasetId: meta.id, taskSpec, graph, trainConfig });
    expect(saved.updatedAt > saved.createdAt).toBe(true);
    await projects.writeRun(id, run('run-b', '2025-02-02T10:00:00.000Z'));
    await projects.writeRun(id, run('run-a', '2025-02-01T10:00:00.000Z'));

    const reopened = await new ProjectService(tmp()).open(id);
    expect(reopened.problems).toEqual([]);
    expect(reopened.project).toMatchObject({ name: 'Round trip', datasetId: meta.id, taskSpec, graph, trainConfig });
    expect(reopened.dataset).toEqual(meta);
    expect(reopened.runs.map((r) => r.id)).toEqual(['run-a', 'run-b']);
    expect(reopened.runs[0]).toEqual(run('run-a', '2025-02-01T10:00:00.000Z'));
    expect(await projects.readRun(id, 'run-b')).toEqual(run('run-b', '2025-02-02T10:00:00.000Z'));

    // null clears a choice; absent leaves it alone.
    await projects.save(id, { taskSpec: null });
    const cleared = await projects.open(id);
    expect(cleared.project.taskSpec).toBeNull();
    expect(cleared.project.graph).toEqual(graph);
  });

  it('serializes concurrent saves so neither is lost', async () => {
    const projects = service(tmp());
    const { id } = await projects.create('Busy');
    await Promise.all([
      projects.save(id, { taskSpec }),
      projects.save(id, { graph }),
      projects.save(id, { datasetId: 'iris-abc' }),
    ]);
    expect((await projects.open(id)).project).toMatchObject({ taskSpec, graph, datasetId: 'iris-abc' });
  });

  it('rejects an invalid patch, naming the field', async () => {
    const projects = service(tmp());
    const { id } = await projects.create('Strict');
    const error = await rejection(projects.save(id, { trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 0 } }));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain('trainConfig.epochs: epochs must be at least 1');
  });

  it('reports a damaged run.json and a missing dataset without failing to open', async () => {
    const warnings: string[] = [];
    const projects = service(tmp(), warnings);
    const { id } = await projects.create('Damaged');
    await projects.writeRun(id, run('good', '2025-01-01T00:00:00.000Z'));
    await mkdir(projects.runDir(id, 'bad'));
    await writeFile(join(projects.runDir(id, 'bad'), 'run.json'), '{"id":"bad"}');
    await mkdir(projects.runDir(id, 'preparing')); // a run folder before its run.json: skipped quietly
    await projects.save(id, { datasetId: 'gone-123' });

    const state = await projects.open(id);
    expect(state.runs.map((r) => r.id)).toEqual(['good']);
    expect(state.dataset).toBeNull();
    expect(state.problems).toHaveLength(2);
    expect(state.problems[0]).toContain('Dataset gone-123: No dataset in');
    expect(state.problems[1]).toContain('runs/bad/run.json is damaged');
    expect(warnings).toHaveLength(2);
  });

  it('explains a missing project, a missing run and a damaged project.json', async () => {
    const projects = service(tmp());
    await expect(projects.open('nothing-here')).rejects.toThrow(
      `There is no project "nothing-here" in ${join(tmp(), 'projects')}.`,
    );
    const { id } = await projects.create('P');
    await expect(projects.readRun(id, 'r1')).rejects.toThrow('Project "p" has no run "r1".');
    await expect(projects.writeRun('ghost', run('r1', '2025-01-01T00:00:00.000Z'))).rejects.toThrow(
      'There is no project "ghost"',
    );
    await writeFile(join(projects.projectDir(id), 'project.json'), '{"format":"layerlab-project"}');
    await expect(projects.open(id)).rejects.toThrow(/project\.json is damaged: version: /);
  });

  it('never resolves an id outside the workspace', () => {
    const projects = service(tmp());
    for (const bad of ['..', '../etc', 'a/b', 'a\\b', '/abs', '.hidden', 'x..y', '']) {
      expect(
        thrown(() => projects.projectDir(bad)),
        bad,
      ).toBeInstanceOf(UserError);
    }
    expect(projects.projectDir('ok.v2_x-1')).toBe(join(tmp(), 'projects', 'ok.v2_x-1'));
    expect(thrown(() => projects.runDir('ok', '../x')).message).toContain('not a valid run id');
    expect(projects.runDir('ok', 'r-1')).toBe(join(tmp(), 'projects', 'ok', 'runs', 'r-1'));
  });
});
