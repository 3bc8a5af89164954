import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGraph, GRAPH_SCHEMA_VERSION, migrateGraph } from '../../../app/graph';
import { ProjectService } from '../../../main/data';
import { useTempDir } from '../data/temp-dir';

/** A project.json exactly as the version-1 editor wrote it (graph schema 1). */
const V1_PROJECT = {
  format: 'layerlab-project',
  version: 1,
  name: 'Old iris',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  datasetId: null,
  taskSpec: null,
  graph: {
    version: 1,
    nodes: [
      { id: 'input', type: 'Input', position: { x: 0, y: 0 }, config: { shape: [4] } },
      {
        id: 'dense_1',
        type: 'Dense',
        position: { x: 0, y: 160 },
        config: { units: 16, activation: 'relu', use_bias: false },
      },
      { id: 'dropout_1', type: 'Dropout', position: { x: 0, y: 320 }, config: { rate: 0.25 } },
      { id: 'output', type: 'Output', position: { x: 0, y: 480 }, config: { units: 3, activation: 'softmax' } },
    ],
    edges: [
      { id: 'e_input_dense_1', source: 'input', target: 'dense_1' },
      { id: 'e_dense_1_dropout_1', source: 'dense_1', target: 'dropout_1' },
      { id: 'e_dropout_1_output', source: 'dropout_1', target: 'output' },
    ],
  },
  trainConfig: { epochs: 5, batchSize: 32, learningRate: 0.01, optimizer: 'adam', validationSplit: 0.2, seed: 42 },
};

describe('a project saved with graph schema 1', () => {
  const dir = useTempDir();

  it('opens with its graph migrated, and saves it back as the current version', async () => {
    const projectDir = join(dir(), 'projects', 'old-iris');
    await mkdir(join(projectDir, 'datasets'), { recursive: true });
    await mkdir(join(projectDir, 'runs'));
    await writeFile(join(projectDir, 'project.json'), JSON.stringify(V1_PROJECT));
    const projects = new ProjectService(dir(), { warn: () => undefined });

    const opened = await projects.open('old-iris');
    const graph = opened.project.graph!;
    expect(graph.version).toBe(GRAPH_SCHEMA_VERSION);
    expect(graph.nodes.map((n) => n.type)).toEqual(['Input', 'Dense', 'Dropout', 'Output']);
    expect(graph.nodes[1]!.config).toMatchObject({
      units: 16,
      use_bias: false,
      kernel_initializer: 'glorot_uniform',
      kernel_regularizer: null,
    });
    const analysis = analyzeGraph(graph);
    expect(analysis.ok).toBe(true);
    expect(analysis.totalParams).toBe(4 * 16 + 16 * 3 + 3);

    await projects.save('old-iris', { graph });
    const saved = JSON.parse(await readFile(join(projectDir, 'project.json'), 'utf8')) as {
      graph: { version: number };
    };
    expect(saved.graph.version).toBe(GRAPH_SCHEMA_VERSION);
  });

  it('migrateGraph leaves current graphs and non-graphs alone', () => {
    const current = { version: GRAPH_SCHEMA_VERSION, nodes: [], edges: [] };
    expect(migrateGraph(current)).toBe(current);
    expect(migrateGraph(null)).toBeNull();
    expect(migrateGraph('graph')).toBe('graph');
  });
});
