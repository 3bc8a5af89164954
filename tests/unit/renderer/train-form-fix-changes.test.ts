import { describe, expect, it } from 'vitest';
import { applyFix } from '../../../app/diagnostics';
import { GRAPH_SCHEMA_VERSION } from '../../../app/graph';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { changeText, createTrainFormStore } from '../../../renderer/src/features/train/train-form';

const graph = { version: GRAPH_SCHEMA_VERSION, nodes: [], edges: [] };

describe('what a one-click fix changed in the training form', () => {
  it('names a setting the fix switched inside the folded Advanced section, and forgets it once edited', () => {
    const form = createTrainFormStore({ ...DEFAULT_TRAIN_CONFIG, earlyStopping: null });
    const next = applyFix({ kind: 'early_stopping', patience: 5 }, { graph, trainConfig: form.getState().config! })!;
    const changed = form.getState().applyFix(next.trainConfig);
    expect(changed.map(changeText)).toContain('Early stopping: off → on (Advanced)');
    expect(changed.find((c) => c.field === 'earlyStopping')?.advanced).toBe(true);
    expect(form.getState().values.earlyStopping).toBe(true);
    expect(form.getState().changed).toEqual(changed);

    form.getState().set('earlyStopping', false);
    expect(form.getState().changed.some((c) => c.field === 'earlyStopping')).toBe(false);
  });

  it('says a main field changed (fewer epochs) without sending the user to Advanced', () => {
    const form = createTrainFormStore({ ...DEFAULT_TRAIN_CONFIG, epochs: 50 });
    const changed = form.getState().applyFix({ ...form.getState().config!, epochs: 14 });
    expect(changed).toEqual([{ field: 'epochs', label: 'Epochs', from: '50', to: '14', advanced: false }]);
    form.getState().load(DEFAULT_TRAIN_CONFIG);
    expect(form.getState().changed).toEqual([]);
  });
});
