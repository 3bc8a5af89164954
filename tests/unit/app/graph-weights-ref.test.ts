import { describe, expect, it } from 'vitest';
import { templateGraph, type ModelGraph } from '../../../app/graph';
import { headFor } from '../../../app/training/config';
import { resizedLayers } from '../../../renderer/src/features/graph/graph-model';
import { createGraphStore } from '../../../renderer/src/features/graph/graph-store';

const imported = (): ModelGraph => ({
  ...templateGraph('mlp', 4, headFor('classification', 3)),
  weights: 'models/model-abc123.weights.bin',
});

describe("the editor keeps an imported graph's weights reference", () => {
  it('through loading, edits, fitting to the data and saving', () => {
    const store = createGraphStore();
    store.getState().load(imported());
    expect(store.getState().graph.weights).toBe('models/model-abc123.weights.bin');
    store.getState().setTrainable('dense_1', false);
    store.getState().fitToData(4, headFor('classification', 2));
    const saved = store.getState().graph;
    expect(saved.weights).toBe('models/model-abc123.weights.bin');
    expect(saved.nodes.find((n) => n.id === 'dense_1')?.trainable).toBe(false);
  });

  it('a template replaces it (its layers are not the imported ones); undo brings it back', () => {
    const store = createGraphStore(imported());
    store.getState().replace(templateGraph('linear', 4, headFor('classification', 3)));
    expect(store.getState().graph.weights).toBeUndefined();
    store.getState().undo();
    expect(store.getState().graph.weights).toBe('models/model-abc123.weights.bin');
    store.getState().redo();
    expect(store.getState().graph.weights).toBeUndefined();
  });

  it('names the layers that fitting an imported graph to the dataset resized (they start fresh)', () => {
    const store = createGraphStore();
    store
      .getState()
      .load({ ...templateGraph('mlp', 6, headFor('classification', 3)), weights: 'models/m.weights.bin' });
    const before = store.getState().analysis.nodes;
    store.getState().fitToData(4, headFor('classification', 2));
    expect(resizedLayers(before, store.getState().analysis.nodes)).toEqual(['dense_1', 'output']);
    expect(store.getState().graph.weights).toBe('models/m.weights.bin');
  });
});
