import { describe, expect, it } from 'vitest';
import type { DatasetMeta, TaskSpec } from '../../../app/dataset/schema';
import { importCsvText } from '../../../main/data';
import { createGraphStore } from '../../../renderer/src/features/graph/graph-store';
import { useTempDir } from '../data/temp-dir';
import { multiHeadCsv, twoInputTwoHeadGraph } from '../main/multi-head-fixtures';

const SPEC: TaskSpec = { target: 'price', task: 'regression' };
const configOf = (store: ReturnType<typeof createGraphStore>, id: string) =>
  store.getState().nodes.find((n) => n.id === id)?.data.config as Record<string, unknown>;

describe('graph editor: choosing an Input’s columns and an Output’s target', () => {
  const tmp = useTempDir();
  const meta = async (): Promise<DatasetMeta> =>
    importCsvText({ text: multiHeadCsv(40), fileName: 'two-heads.csv', datasetsDir: tmp() });

  it('sizes every Input and head from the table, reports choices that cannot work on their node, and undoes a choice with its resizing', async () => {
    const store = createGraphStore(twoInputTwoHeadGraph());
    // Without the table the graph's own sizes stand (1 value per Input; both heads linear).
    expect(configOf(store, 'in_a').shape).toEqual([1]);
    store.getState().setTable({ meta: await meta(), spec: SPEC });
    expect(configOf(store, 'in_a').shape).toEqual([2]);
    expect(configOf(store, 'in_b').shape).toEqual([4]); // b1 + group one-hot (3)
    expect(configOf(store, 'out_kind')).toMatchObject({ units: 1, activation: 'sigmoid', target: 'kind' });
    expect(store.getState().analysis.ok).toBe(true);

    // in_a takes the text column too: both Inputs resize in one edit.
    store.getState().updateConfig('in_a', { columns: ['a1', 'a2', 'group'] });
    expect(configOf(store, 'in_a').shape).toEqual([5]);
    expect(configOf(store, 'in_b').shape).toEqual([1]);
    store.getState().undo();
    expect(configOf(store, 'in_a')).toEqual({ shape: [2], columns: ['a1', 'a2'] });
    expect(configOf(store, 'in_b').shape).toEqual([4]);

    // Predicting a column an Input takes: Train stays disabled and the node says why.
    store.getState().updateConfig('out_kind', { target: 'a1' });
    const { analysis } = store.getState();
    expect(analysis.ok).toBe(false);
    expect(analysis.nodes['in_a']?.errors).toEqual([
      'the column "a1" is the target of Output "out_kind"; a model cannot take what it predicts as an input.',
    ]);
    // Clearing the choice (undefined) removes the key: the head predicts the task's target, which another head already does.
    store.getState().updateConfig('out_kind', { target: undefined });
    expect('target' in configOf(store, 'out_kind')).toBe(false);
    expect(store.getState().analysis.issues.map((i) => i.message)).toContain(
      'Output "out_kind": it predicts "price", which Output "out_price" already predicts; give each head its own target column.',
    );
  });
});
