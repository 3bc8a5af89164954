import { describe, expect, it } from 'vitest';
import { applyFix, dropoutTarget, fixLabel, type Setup } from '../../../app/diagnostics';
import { analyzeGraph } from '../../../app/graph/analyze';
import { addL2Fix, L2_PENALTY } from '../../../app/diagnostics/fixes';
import { LAYERS } from '../../../app/graph/layers';
import { ModelGraph } from '../../../app/graph/schema';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { MLP } from './diagnostics-fixtures';

const setup: Setup = { graph: MLP, trainConfig: { ...DEFAULT_TRAIN_CONFIG, learningRate: 0.01, epochs: 30 } };

describe('one-click fixes', () => {
  it('adds Dropout after the widest Dense, rewires it and makes room below', () => {
    expect(dropoutTarget(MLP)).toBe('dense_1');
    const next = applyFix({ kind: 'add_dropout', after: 'dense_1', rate: 0.3 }, setup)!;
    const drop = next.graph.nodes.find((n) => n.type === 'Dropout')!;
    expect(drop).toMatchObject({ id: 'dropout_1', config: { rate: 0.3 } });
    expect(next.graph.edges.map((e) => `${e.source}>${e.target}`).sort()).toEqual(
      ['dense_1>dropout_1', 'dense_2>output', 'dropout_1>dense_2', 'input>dense_1'].sort(),
    );
    // The template stacks layers 120 apart: the Dropout takes dense_2's place and the rest move down.
    const y = Object.fromEntries(next.graph.nodes.map((n) => [n.id, n.position.y]));
    expect(y).toEqual({ input: 0, dense_1: 120, dropout_1: 240, dense_2: 360, output: 480 });
    expect(analyzeGraph(next.graph).ok).toBe(true);
    expect(next.trainConfig).toBe(setup.trainConfig);
    // The next widest Dense without a Dropout is chosen next time.
    expect(dropoutTarget(next.graph)).toBe('dense_2');
    expect(applyFix({ kind: 'add_dropout', after: 'gone', rate: 0.3 }, setup)).toBeNull();
  });

  it('scales the learning rate to a readable number, and epochs', () => {
    expect(applyFix({ kind: 'scale_lr', factor: 0.5 }, setup)!.trainConfig.learningRate).toBe(0.005);
    expect(
      applyFix(
        { kind: 'scale_lr', factor: 0.1 },
        { ...setup, trainConfig: { ...setup.trainConfig, learningRate: 0.003 } },
      )!.trainConfig.learningRate,
    ).toBe(0.0003);
    expect(
      applyFix({ kind: 'scale_lr', factor: 2 }, { ...setup, trainConfig: { ...setup.trainConfig, learningRate: 8 } })!
        .trainConfig.learningRate,
    ).toBe(10);
    expect(applyFix({ kind: 'train_longer', epochs: 60 }, setup)!.trainConfig.epochs).toBe(60);
    expect(applyFix({ kind: 'fewer_epochs', epochs: 9 }, setup)!.trainConfig.epochs).toBe(9);
  });

  it('resizes every hidden Dense, never below one unit, leaving the Output alone', () => {
    const wider = applyFix({ kind: 'resize_model', factor: 2 }, setup)!;
    expect(wider.graph.nodes.map((n) => [n.id, 'units' in n.config ? n.config.units : null])).toEqual([
      ['input', null],
      ['dense_1', 64],
      ['dense_2', 32],
      ['output', 1],
    ]);
    const tiny = applyFix({ kind: 'resize_model', factor: 0.01 }, setup)!;
    expect(
      tiny.graph.nodes.filter((n) => n.type === 'Dense').map((n) => (n.type === 'Dense' ? n.config.units : 0)),
    ).toEqual([1, 1]);
  });

  it('turns on early stopping with best-weight restore; more data is advice only', () => {
    expect(applyFix({ kind: 'early_stopping', patience: 4 }, setup)!.trainConfig.earlyStopping).toEqual({
      monitor: 'val_loss',
      patience: 4,
      minDelta: 0,
      restoreBestWeights: true,
    });
    expect(applyFix({ kind: 'more_data' }, setup)).toBeNull();
    expect(fixLabel({ kind: 'scale_lr', factor: 0.5 })).toBe('Halve the learning rate');
    expect(fixLabel({ kind: 'resize_model', factor: 0.5 })).toBe('Make the model half as wide');
    expect(fixLabel({ kind: 'fewer_epochs', epochs: 1 })).toBe('Stop after the first epoch (the best one)');
    expect(fixLabel({ kind: 'fewer_epochs', epochs: 4 })).toBe('Stop at the best epoch (4 epochs)');
    expect(fixLabel({ kind: 'train_longer', epochs: 1 })).toBe('Train longer (1 epoch)');
  });
});

describe('add_l2', () => {
  const graph = (): ModelGraph =>
    ModelGraph.parse({
      version: 2,
      nodes: [
        { id: 'input', type: 'Input', position: { x: 0, y: 0 }, config: { shape: [4] } },
        {
          id: 'd1',
          type: 'Dense',
          position: { x: 0, y: 100 },
          config: { ...LAYERS.Dense.defaults(), units: 8, kernel_regularizer: { l1: 0.01, l2: 0 } },
        },
        { id: 'drop', type: 'Dropout', position: { x: 0, y: 200 }, config: { rate: 0.2 } },
        {
          id: 'd2',
          type: 'Dense',
          position: { x: 0, y: 300 },
          config: { ...LAYERS.Dense.defaults(), units: 8, kernel_regularizer: { l1: 0, l2: 0.01 } },
        },
        {
          id: 'output',
          type: 'Output',
          position: { x: 0, y: 400 },
          config: { ...LAYERS.Output.defaults(), units: 3, activation: 'softmax' },
        },
      ],
      edges: [
        { id: 'a', source: 'input', target: 'd1' },
        { id: 'b', source: 'd1', target: 'drop' },
        { id: 'c', source: 'drop', target: 'd2' },
        { id: 'd', source: 'd2', target: 'output' },
      ],
    });

  it('puts at least 1e-4 of L2 on every kernel, keeping L1 and stronger L2, and leaves layers without weights alone', () => {
    const g = graph();
    expect(addL2Fix(g)).toEqual([{ kind: 'add_l2', l2: L2_PENALTY }]);
    const next = applyFix({ kind: 'add_l2', l2: L2_PENALTY }, { graph: g, trainConfig: DEFAULT_TRAIN_CONFIG });
    const reg = (id: string) =>
      (next!.graph.nodes.find((n) => n.id === id)!.config as { kernel_regularizer?: unknown }).kernel_regularizer;
    expect(reg('d1')).toEqual({ l1: 0.01, l2: 1e-4 });
    expect(reg('d2')).toEqual({ l1: 0, l2: 0.01 });
    expect(reg('output')).toEqual({ l1: 0, l2: 1e-4 });
    expect(reg('drop')).toBeUndefined();
    // Applied once, it is not offered again.
    expect(addL2Fix(next!.graph)).toEqual([]);
    expect(ModelGraph.safeParse(next!.graph).success).toBe(true);
  });
});
