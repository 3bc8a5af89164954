import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageDatasetMeta } from '../../../app/dataset/images';
import type { DatasetMeta, TaskSpec } from '../../../app/dataset/schema';
import type { GraphNode, ModelGraph } from '../../../app/graph/schema';
import { templateGraph } from '../../../app/graph/templates';
import { UserError } from '../../../app/ipc/errors';
import { requireSetup, resolveSetup, setupIssueText, taskSpecFor } from '../../../app/setup/setup';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../../app/training/config';
import { importCsvText } from '../../../main/data';
import { useTempDir } from '../data/temp-dir';
import { multiHeadCsv, twoInputTwoHeadGraph } from '../main/multi-head-fixtures';

const ROOT = path.resolve(__dirname, '../../..');
const AUTO: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, epochs: 'auto', batchSize: 'auto' };

const inputOf = (graph: ModelGraph | null) =>
  graph?.nodes.find((n) => n.type === 'Input')?.config as { shape: number[] };
const outputOf = (graph: ModelGraph | null, id?: string) =>
  graph?.nodes.find((n) => n.type === 'Output' && (id === undefined || n.id === id))?.config as {
    units: number;
    activation: string;
  };

/** 12 classes of 32×32 colour images: a real image dataset's description (its shards are not read here). */
const images = (): ImageDatasetMeta =>
  ImageDatasetMeta.parse({
    kind: 'images',
    version: 1,
    id: 'shapes',
    name: 'shapes',
    sourceFile: 'shapes',
    width: 32,
    height: 32,
    color: 'rgb',
    channels: 3,
    fit: 'pad',
    count: 120,
    classes: Array.from({ length: 12 }, (_, k) => ({ name: `c${k}`, count: 10, thumbnails: [] })),
    emptyClasses: [],
    skipped: [],
    skippedCount: 0,
    warnings: [],
    imagesPerShard: 120,
    shards: [{ file: 'shard-0000.u8', count: 120 }],
    importedAt: new Date(0).toISOString(),
  });

describe('one training setup: dataset + task + graph or template + settings', () => {
  const tmp = useTempDir();
  const importResource = async (file: string): Promise<DatasetMeta> =>
    importCsvText({
      text: await readFile(path.join(ROOT, 'resources', file), 'utf8'),
      fileName: file,
      datasetsDir: tmp(),
    });

  it('a table: the task from its target column, the MLP template sized to 4 features and 3 classes, auto sizes stood in for', async () => {
    const iris = await importResource('iris.csv');
    const chosen = taskSpecFor(iris, { target: 'species' });
    expect(chosen).toEqual({ spec: { target: 'species', task: 'classification' } });
    const missing = taskSpecFor(iris, { target: 'colour' });
    expect('issue' in missing && missing.issue).toMatchObject({ field: 'task', path: 'target' });
    expect('issue' in missing && missing.issue.message).toContain(
      'has no column "colour". Columns: sepal_length, sepal_width, petal_length, petal_width, species.',
    );

    const setup = resolveSetup({
      data: { kind: 'table', meta: iris },
      taskSpec: (chosen as { spec: TaskSpec }).spec,
      model: {},
      trainConfig: AUTO,
    });
    expect(setup.issues).toEqual([]);
    expect(setup.dataKind).toBe('table');
    expect(setup.shape).toMatchObject({ inputWidth: 4, labels: ['setosa', 'versicolor', 'virginica'] });
    expect(inputOf(setup.graph).shape).toEqual([4]);
    expect(setup.graph?.nodes.some((n) => n.type === 'Dense' && n.id !== 'output')).toBe(true);
    expect(outputOf(setup.graph)).toMatchObject({ units: 3, activation: 'softmax' });
    // The loss and metric are filled in for three classes; early stopping left out is chosen for a table.
    expect(setup.trainConfig).toMatchObject({ loss: 'categoricalCrossentropy', epochs: 10, batchSize: 32 });
    expect(setup.trainConfig?.earlyStopping).toMatchObject({ monitor: 'val_loss' });

    // Regression of a numeric column: one linear output.
    const reg = resolveSetup({
      data: { kind: 'table', meta: iris },
      taskSpec: { target: 'petal_width', task: 'regression' },
      model: { template: 'linear' },
      trainConfig: DEFAULT_TRAIN_CONFIG,
    });
    expect(reg.issues).toEqual([]);
    expect(outputOf(reg.graph)).toMatchObject({ units: 1, activation: 'linear' });
    expect(reg.trainConfig?.loss).toBe('meanSquaredError');
  });

  it('images: the CNN for 32×32×3 and 12 classes; a regression on images and an LSTM template are refused by field', () => {
    const data = { kind: 'images' as const, meta: images() };
    const setup = resolveSetup({
      data,
      taskSpec: { target: 'class', task: 'classification' },
      model: {},
      trainConfig: AUTO,
    });
    expect(setup.issues).toEqual([]);
    expect(setup.dataKind).toBe('images');
    expect(inputOf(setup.graph).shape).toEqual([32, 32, 3]);
    expect(setup.graph?.nodes.some((n) => n.type === 'Conv2D')).toBe(true);
    expect(outputOf(setup.graph)).toMatchObject({ units: 12, activation: 'softmax' });

    const regression = resolveSetup({
      data,
      taskSpec: { target: 'class', task: 'regression' },
      model: {},
      trainConfig: AUTO,
    });
    expect(regression.issues).toEqual([
      {
        field: 'task',
        path: 'task',
        message: 'An image dataset is classified by its class folders; regression does not apply to it.',
      },
    ]);
    expect(regression.graph).toBeNull();

    const lstm = resolveSetup({
      data,
      taskSpec: { target: 'class', task: 'classification' },
      model: { template: 'lstm' },
      trainConfig: AUTO,
    });
    expect(lstm.issues).toHaveLength(1);
    expect(lstm.issues[0]).toMatchObject({ field: 'graph', path: 'template' });
    expect(lstm.graph).toBeNull();
    // The settings are still checked, so every problem shows at once.
    expect(lstm.trainConfig).not.toBeNull();
  });

  it('time-series windows: the linear template over (lookback, columns) by default, the LSTM when named, one regression output; a time column that is the target is a task issue', async () => {
    const prices = await importResource('stock-prices.csv');
    const timeSeries = { timeColumn: 'Date', lookback: 5, horizon: 1, differencing: 'none' as const };
    const chosen = taskSpecFor(prices, { target: 'Close', timeSeries });
    expect(chosen).toEqual({ spec: { target: 'Close', task: 'regression', timeSeries } });
    const spec = (chosen as { spec: TaskSpec }).spec;
    const setup = resolveSetup({ data: { kind: 'table', meta: prices }, taskSpec: spec, model: {}, trainConfig: AUTO });
    expect(setup.issues).toEqual([]);
    expect(setup.dataKind).toBe('windows');
    expect(setup.shape?.inputShape?.[0]).toBe(5);
    expect(inputOf(setup.graph).shape).toEqual(setup.shape?.inputShape);
    // A window starts from the linear template (an LSTM on a few hundred windows mostly fits noise).
    expect(setup.graph?.nodes.some((n) => n.type === 'Flatten')).toBe(true);
    expect(outputOf(setup.graph)).toMatchObject({ units: 1, activation: 'linear' });
    const lstm = resolveSetup({
      data: { kind: 'table', meta: prices },
      taskSpec: spec,
      model: { template: 'lstm' },
      trainConfig: AUTO,
    });
    expect(lstm.issues).toEqual([]);
    expect(lstm.graph?.nodes.some((n) => n.type === 'LSTM')).toBe(true);

    const tooLong = resolveSetup({
      data: { kind: 'table', meta: prices },
      taskSpec: { ...spec, timeSeries: { ...timeSeries, timeColumn: 'Close' } },
      model: {},
      trainConfig: AUTO,
    });
    expect(tooLong.issues).toEqual([
      {
        field: 'task',
        path: 'timeSeries',
        message: '"Close" cannot be both the time column and the target; choose another target.',
      },
    ]);
    expect(tooLong.shape).toBeNull();
  });

  it('a user graph that does not fit: checked as sent it is refused naming the sizes, resized it trains', async () => {
    const iris = await importResource('iris.csv');
    const data = { kind: 'table' as const, meta: iris };
    const taskSpec: TaskSpec = { target: 'species', task: 'classification' };
    const wrong = templateGraph('mlp', 9, { units: 2, activation: 'sigmoid' });

    const checked = resolveSetup({ data, taskSpec, model: { graph: wrong, fit: 'check' }, trainConfig: AUTO });
    expect(checked.issues.map((i) => `${i.field}/${i.path}: ${i.message}`)).toEqual([
      'graph/shape: The Input node expects shape (9) but the dataset gives 4 features per row. Re-select the target or apply a template to resize it.',
      'graph/shape: The Output node has 2 units (sigmoid) but this task needs 3 (softmax).',
    ]);
    expect(() => requireSetup(checked)).toThrow(UserError);

    const resized = requireSetup(
      resolveSetup({ data, taskSpec, model: { graph: wrong, fit: 'resize' }, trainConfig: AUTO }),
    );
    expect(inputOf(resized.graph).shape).toEqual([4]);
    expect(outputOf(resized.graph)).toMatchObject({ units: 3, activation: 'softmax' });
    // The hidden layers are the user's own, untouched.
    expect(resized.graph.nodes.filter((n) => n.type === 'Dense')).toEqual(
      wrong.nodes.filter((n) => n.type === 'Dense'),
    );

    const cyclic = templateGraph('mlp', 4, { units: 3, activation: 'softmax' });
    cyclic.edges.push({ id: 'loop', source: 'dense_2', target: 'dense_1' });
    const invalid = resolveSetup({ data, taskSpec, model: { graph: cyclic, fit: 'resize' }, trainConfig: AUTO });
    expect(invalid.issues).toHaveLength(1);
    expect(invalid.issues[0]).toMatchObject({ field: 'graph', path: 'invalid' });
    expect(invalid.issues[0]!.message).toMatch(/^The model graph is not valid: .*cycle/);

    // The editor's graph follows the data while the user fixes it: an invalid graph asked to be resized still is.
    const brokenWrong = templateGraph('mlp', 9, { units: 2, activation: 'sigmoid' });
    brokenWrong.edges.push({ id: 'loop', source: 'dense_2', target: 'dense_1' });
    const following = resolveSetup({ data, taskSpec, model: { graph: brokenWrong, fit: 'resize' }, trainConfig: null });
    expect(following.issues.map((i) => `${i.field}/${i.path}`)).toEqual(['graph/invalid']);
    expect(inputOf(following.graph).shape).toEqual([4]);
    expect(outputOf(following.graph)).toMatchObject({ units: 3, activation: 'softmax' });
    // Settings the form cannot read yet (null) are not checked: the form names those fields itself.
    expect(following.trainConfig).toBeNull();
    // Checked as sent, an invalid graph is not the graph to train.
    expect(
      resolveSetup({ data, taskSpec, model: { graph: brokenWrong, fit: 'check' }, trainConfig: AUTO }).graph,
    ).toBeNull();
  });

  it('several Inputs and heads bound to the columns: each head resolves its own loss; a missing column names the node', async () => {
    const meta = await importCsvText({ text: multiHeadCsv(60), fileName: 'two-heads.csv', datasetsDir: tmp() });
    const data = { kind: 'table' as const, meta };
    const taskSpec: TaskSpec = { target: 'price', task: 'regression' };
    const setup = requireSetup(
      resolveSetup({ data, taskSpec, model: { graph: twoInputTwoHeadGraph(), fit: 'resize' }, trainConfig: AUTO }),
    );
    expect(setup.binding?.heads.map((h) => [h.node, h.target, h.task])).toEqual([
      ['out_price', 'price', 'regression'],
      ['out_kind', 'kind', 'classification'],
    ]);
    expect(outputOf(setup.graph, 'out_kind')).toMatchObject({ units: 1, activation: 'sigmoid' });
    // Each head trains with its task's own loss: the settings record none.
    expect(setup.trainConfig).not.toHaveProperty('loss');

    // As sent (not resized), the editor's stale sizes are refused by node.
    const stale = resolveSetup({
      data,
      taskSpec,
      model: { graph: twoInputTwoHeadGraph(), fit: 'check' },
      trainConfig: AUTO,
    });
    expect(stale.issues.length).toBeGreaterThan(0);
    expect(stale.issues.every((i) => i.field === 'graph' && i.path === 'binding')).toBe(true);
    expect(setupIssueText(stale.issues[0]!)).toMatch(/^The model does not fit the data: Input "in_a": its shape \(1\)/);

    const graph = twoInputTwoHeadGraph();
    graph.nodes = graph.nodes.map((n): GraphNode =>
      n.id === 'in_a' ? ({ ...n, config: { shape: [2], columns: ['a1', 'a3'] } } as GraphNode) : n,
    );
    const missing = resolveSetup({ data, taskSpec, model: { graph, fit: 'resize' }, trainConfig: AUTO });
    expect(missing.issues).toEqual([
      { field: 'graph', path: 'binding', message: 'Input "in_a": the column "a3" is not in two-heads.csv.' },
    ]);

    // A bound graph on windows cannot train yet: said as such, not as a column problem.
    const prices = await importResource('stock-prices.csv');
    const windows = resolveSetup({
      data: { kind: 'table', meta: prices },
      taskSpec: {
        target: 'Close',
        task: 'regression',
        timeSeries: { timeColumn: 'Date', lookback: 5, horizon: 1, differencing: 'none' },
      },
      model: { graph: twoInputTwoHeadGraph(), fit: 'resize' },
      trainConfig: AUTO,
    });
    expect(windows.issues[0]).toMatchObject({ field: 'graph', path: 'kind' });
    expect(windows.issues[0]!.message).toContain('not time-series windows');
  });

  it('bad settings: each is an issue naming the setting, beside the graph and task issues', async () => {
    const iris = await importResource('iris.csv');
    const data = { kind: 'table' as const, meta: iris };
    const sparseOnRegression = resolveSetup({
      data,
      taskSpec: { target: 'petal_width', task: 'regression' },
      model: {},
      trainConfig: { ...AUTO, loss: 'sparseCategoricalCrossentropy' },
    });
    expect(sparseOnRegression.issues).toHaveLength(1);
    expect(sparseOnRegression.issues[0]).toMatchObject({ field: 'trainConfig', path: 'loss' });
    expect(setupIssueText(sparseOnRegression.issues[0]!)).toMatch(/^Training settings: loss: /);
    expect(sparseOnRegression.trainConfig).toBeNull();
    // The graph is still made: the settings do not hide it.
    expect(sparseOnRegression.graph).not.toBeNull();

    const tooManyWeights = resolveSetup({
      data,
      taskSpec: { target: 'species', task: 'classification' },
      model: { graph: templateGraph('mlp', 9, { units: 3, activation: 'softmax' }), fit: 'check' },
      trainConfig: { ...AUTO, classWeights: [1, 2] },
    });
    expect(tooManyWeights.issues.map((i) => `${i.field}/${i.path}`)).toEqual([
      'graph/shape',
      'trainConfig/classWeights',
    ]);
  });
});
