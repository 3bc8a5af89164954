import { describe, expect, it } from 'vitest';
import { GRAPH_SCHEMA_VERSION, LAYERS, templateGraph } from '../../../app/graph';
import { headFor } from '../../../app/training/config';
import { HISTORY_LIMIT } from '../../../renderer/src/features/graph/graph-history';
import { createGraphStore } from '../../../renderer/src/features/graph/graph-store';
import { shortcutFor } from '../../../renderer/src/features/graph/shortcuts';

const linear = () => templateGraph('linear', 4, headFor('classification', 3));
const ids = (store: ReturnType<typeof createGraphStore>) => store.getState().nodes.map((n) => n.id);
const edgePairs = (store: ReturnType<typeof createGraphStore>) =>
  store.getState().edges.map((e) => `${e.source}>${e.target}`);

/** Dense → two Dense branches → Concatenate → Output, built with the store's own actions. */
function branching() {
  const store = createGraphStore(linear());
  const s = () => store.getState();
  s().select({ nodeId: 'input' });
  s().insertLayer('Dense'); // input → dense_1 → output
  s().select({ nodeId: 'dense_1' });
  s().insertLayer('Dense'); // dense_1 → dense_2 → output
  s().select({ nodeId: 'dense_2' });
  s().insertLayer('Concatenate'); // dense_2 → concatenate_1 → output
  s().addLayer('Dense', { x: 300, y: 200 }); // dense_3, free
  s().connect({ source: 'dense_1', target: 'dense_3', sourceHandle: null, targetHandle: null });
  s().connect({ source: 'dense_3', target: 'concatenate_1', sourceHandle: null, targetHandle: 'in-1' });
  return store;
}

describe('graph editor store', () => {
  it('builds a branching model whose merge takes its inputs on numbered ports, in order', () => {
    const store = branching();
    const { analysis, edges } = store.getState();
    expect(analysis.issues).toEqual([]);
    expect(analysis.nodes.concatenate_1?.outputShape).toEqual([32]);
    expect(analysis.sources.concatenate_1).toEqual(['dense_2', 'dense_3']);
    expect(edges.filter((e) => e.target === 'concatenate_1').map((e) => e.targetHandle)).toEqual(['in-0', 'in-1']);
    // Inserting before a merge's first input keeps it the first input.
    store.getState().select({ nodeId: 'dense_2' });
    store.getState().insertLayer('Dropout');
    expect(store.getState().analysis.sources.concatenate_1).toEqual(['dropout_1', 'dense_3']);
  });

  it('undoes and redoes every step, back to the template and forward again', () => {
    const store = branching();
    const final = store.getState().graph;
    let steps = 0;
    while (store.getState().history.past.length > 0) {
      store.getState().undo();
      steps++;
    }
    expect(steps).toBe(6);
    expect(ids(store)).toEqual(['input', 'output']);
    expect(edgePairs(store)).toEqual(['input>output']);
    for (let i = 0; i < steps; i++) store.getState().redo();
    expect(store.getState().graph).toEqual(final);
    // A new edit after an undo drops the redo branch.
    store.getState().undo();
    store.getState().addLayer('Dropout', { x: 0, y: 0 });
    expect(store.getState().history.future).toEqual([]);
  });

  it(`keeps at least 100 undo steps (${HISTORY_LIMIT})`, () => {
    const store = createGraphStore(linear());
    store.getState().select({ nodeId: 'input' });
    const dense = store.getState().insertLayer('Dense');
    for (let units = 1; units <= 150; units++) store.getState().updateConfig(dense, { units });
    for (let i = 0; i < 120; i++) store.getState().undo();
    expect(store.getState().nodes.find((n) => n.id === dense)?.data.config).toMatchObject({ units: 30 });
    expect(HISTORY_LIMIT).toBeGreaterThanOrEqual(100);
  });

  it('copies, pastes and duplicates the selection with its inner connections and fresh ids', () => {
    const store = branching();
    const s = () => store.getState();
    s().select({ nodeId: 'dense_2' });
    s().onNodesChange([{ type: 'select', id: 'concatenate_1', selected: true }]);
    s().copy();
    s().paste();
    expect(ids(store)).toEqual(expect.arrayContaining(['dense_4', 'concatenate_2']));
    expect(edgePairs(store)).toContain('dense_4>concatenate_2');
    expect(
      s()
        .nodes.filter((n) => n.selected)
        .map((n) => n.id),
    ).toEqual(['dense_4', 'concatenate_2']);
    s().duplicate();
    expect(ids(store)).toEqual(expect.arrayContaining(['dense_5', 'concatenate_3']));
    s().deleteSelected();
    expect(ids(store)).not.toContain('dense_5');
    // The only Input and Output stay, whatever is selected.
    s().selectAll();
    s().deleteSelected();
    expect(ids(store)).toEqual(['input', 'output']);
  });

  it('a second Input or Output head can be added and deleted; the last one cannot', () => {
    const store = createGraphStore(linear());
    const s = () => store.getState();
    const input2 = s().insertLayer('Input');
    expect(s().edges.some((e) => e.source === input2)).toBe(false); // a new Input starts unconnected
    // A new head is fed by the selected layer (here: what feeds the Output).
    s().select(null);
    const head2 = s().insertLayer('Output');
    expect(s().nodes.find((n) => n.id === 'input')?.deletable).toBe(true);
    expect(edgePairs(store)).toContain(`input>${head2}`);
    s().onNodesChange([{ type: 'remove', id: input2 }]);
    expect(s().nodes.find((n) => n.id === 'input')?.deletable).toBe(false);
    expect(s().nodes.find((n) => n.id === head2)?.deletable).toBe(true);
  });

  it('refuses connections into a full merge or out of an Output', () => {
    const store = branching();
    const s = () => store.getState();
    s().addLayer('Dense', { x: 0, y: 0 });
    expect(s().isValidConnection({ source: 'output', target: 'dense_4' })).toBe(false);
    s().addLayer('Subtract', { x: 0, y: 0 });
    s().connect({ source: 'dense_1', target: 'subtract_1', sourceHandle: null, targetHandle: null });
    s().connect({ source: 'dense_2', target: 'subtract_1', sourceHandle: null, targetHandle: null });
    expect(s().isValidConnection({ source: 'dense_3', target: 'subtract_1' })).toBe(false);
    expect(LAYERS.Subtract.inputs.max).toBe(2);
    // A connection that would close a cycle (dense_3 is computed from dense_1) is refused, and connect() ignores it.
    expect(s().isValidConnection({ source: 'dense_3', target: 'dense_1' })).toBe(false);
    expect(s().isValidConnection({ source: 'concatenate_1', target: 'dense_2' })).toBe(false);
    const before = s().edges.length;
    s().connect({ source: 'dense_3', target: 'dense_1', sourceHandle: null, targetHandle: null });
    expect(s().edges).toHaveLength(before);
  });

  it('auto-layout stacks the model top to bottom and puts branches side by side', () => {
    const store = branching();
    store.getState().autoLayout();
    const at = new Map(store.getState().nodes.map((n) => [n.id, n.position]));
    expect(at.get('input')!.y).toBeLessThan(at.get('dense_1')!.y);
    expect(at.get('dense_1')!.y).toBeLessThan(at.get('dense_2')!.y);
    expect(at.get('dense_2')!.y).toBe(at.get('dense_3')!.y);
    expect(at.get('dense_2')!.x).not.toBe(at.get('dense_3')!.x);
    expect(at.get('concatenate_1')!.y).toBeLessThan(at.get('output')!.y);
    // One undo step restores the old positions.
    store.getState().undo();
    expect(store.getState().nodes.find((n) => n.id === 'dense_3')?.position).toEqual({ x: 300, y: 200 });
  });

  it('maps keys to actions, Ctrl and Cmd alike', () => {
    const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }> = {}) =>
      shortcutFor({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });
    expect(key('z', { ctrlKey: true })).toBe('undo');
    expect(key('Z', { metaKey: true, shiftKey: true })).toBe('redo');
    expect(key('y', { ctrlKey: true })).toBe('redo');
    expect(key('d', { ctrlKey: true })).toBe('duplicate');
    expect(key('?', { shiftKey: true })).toBe('help');
    expect(key('l')).toBe('autoLayout');
    expect(key('x')).toBeNull();
  });

  it('saves the current schema version', () => {
    expect(createGraphStore(null).getState().graph.version).toBe(GRAPH_SCHEMA_VERSION);
  });
});
