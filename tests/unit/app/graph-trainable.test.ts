import { describe, expect, it } from 'vitest';
import { templateGraph } from '../../../app/graph';
import { ModelGraph } from '../../../app/graph/schema';
import { headFor } from '../../../app/training/config';
import { createGraphStore } from '../../../renderer/src/features/graph/graph-store';

describe('trainable flag in the graph editor', () => {
  it('freezes a layer as an undoable edit, and the saved graph carries trainable: false', () => {
    const store = createGraphStore(templateGraph('mlp', 4, headFor('classification', 3)));
    const dense = store.getState().nodes.find((n) => n.data.type === 'Dense')!;
    store.getState().setTrainable(dense.id, false);
    const saved = store.getState().graph.nodes.find((n) => n.id === dense.id)!;
    expect(saved.trainable).toBe(false);
    // It survives the schema (project.json, IPC) and a reload into a fresh editor.
    const reparsed = ModelGraph.parse(JSON.parse(JSON.stringify(store.getState().graph)));
    const reloaded = createGraphStore(reparsed);
    expect(reloaded.getState().nodes.find((n) => n.id === dense.id)?.data.trainable).toBe(false);
    store.getState().undo();
    expect(store.getState().graph.nodes.find((n) => n.id === dense.id)?.trainable).toBeUndefined();
    store.getState().redo();
    store.getState().setTrainable(dense.id, true);
    expect(store.getState().graph.nodes.find((n) => n.id === dense.id)?.trainable).toBeUndefined();
  });
});
