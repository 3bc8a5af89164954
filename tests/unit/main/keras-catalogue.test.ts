import { describe, expect, it } from 'vitest';
import { LAYERS } from '../../../app/graph/layers';
import { kerasConfigToGraph, ModelImportError } from '../../../main/engine/shared/import/keras-graph';
import {
  cellName,
  keras2WeightName,
  keras3VarsGroups,
  RNN_CLASSES,
} from '../../../main/engine/shared/keras-weight-names';

/**
 * The TF-free Keras code of the main side (the model importer, where Keras keeps weights) reads
 * one layer type's Keras facts from its catalogue entry (app/graph/layers, `keras`), not from
 * lists of its own: these are what a Keras file of each kind needs.
 */

/** A Sequential Keras model config: an input of `shape`, the layers given, a linear Dense head. */
function sequential(shape: number[], layers: { class_name: string; config: Record<string, unknown> }[]) {
  return {
    class_name: 'Sequential',
    config: {
      name: 'model',
      layers: [
        { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, ...shape] } },
        ...layers,
        { class_name: 'Dense', config: { name: 'head', units: 1, activation: 'linear', use_bias: true } },
      ],
    },
  };
}

const importError = (config: unknown): string => {
  try {
    kerasConfigToGraph(config, 'model.json');
  } catch (error) {
    if (error instanceof ModelImportError) return error.message;
    throw error;
  }
  return '';
};

describe('Keras weight locations from the catalogue', () => {
  it('recurrent layers keep theirs in a cell, Bidirectional in both copies, TimeDistributed in the wrapped layer', () => {
    expect([...RNN_CLASSES].sort()).toEqual(['GRU', 'LSTM', 'SimpleRNN']);
    expect(['SimpleRNN', 'LSTM', 'GRU'].map(cellName)).toEqual(['simple_rnn_cell', 'lstm_cell', 'gru_cell']);
    expect(Object.values(LAYERS).flatMap((s) => (s.keras?.weights ? [`${s.type}:${s.keras.weights}`] : []))).toEqual([
      'SimpleRNN:cell',
      'LSTM:cell',
      'GRU:cell',
      'Bidirectional:forward-backward',
      'TimeDistributed:wrapped',
    ]);

    const holding = (key: string, layer: Parameters<typeof keras3VarsGroups>[1]) =>
      keras3VarsGroups(key, layer)
        .filter((g) => g.holdsWeights)
        .map((g) => `${g.path} ${g.objectName}`);
    expect(holding('dense', { className: 'Dense', name: 'd' })).toEqual(['layers/dense/vars d']);
    expect(holding('gru', { className: 'GRU', name: 'g' })).toEqual(['layers/gru/cell/vars gru_cell']);
    const bi = { className: 'Bidirectional', name: 'bi', inner: { className: 'LSTM', name: 'lstm' } };
    expect(holding('bidirectional', bi)).toEqual([
      'layers/bidirectional/forward_layer/cell/vars lstm_cell',
      'layers/bidirectional/backward_layer/cell/vars lstm_cell',
    ]);
    const td = { className: 'TimeDistributed', name: 'td', inner: { className: 'Dense', name: 'dense' } };
    expect(holding('time_distributed', td)).toEqual(['layers/time_distributed/layer/vars dense']);

    expect(keras2WeightName({ className: 'GRU', name: 'g' }, 0, 3, 'kernel')).toBe('g/gru_cell/kernel:0');
    expect(keras2WeightName(bi, 4, 6, 'bias')).toBe('bi/backward_lstm/lstm_cell/bias:0');
    expect(keras2WeightName({ className: 'Conv2D', name: 'c' }, 0, 2, 'kernel')).toBe('c/kernel:0');
  });
});

describe("the importer takes each class's own fixed and ignored settings from its entry", () => {
  it("accepts a GRU's defaults and bookkeeping, refuses reset_after=True and a setting that is not a GRU's", () => {
    const gru = (extra: Record<string, unknown>) =>
      sequential(
        [5, 3],
        [
          {
            class_name: 'GRU',
            config: {
              name: 'gru',
              units: 4,
              unroll: false,
              stateful: false,
              go_backwards: false,
              reset_after: false,
              implementation: 2,
              ...extra,
            },
          },
        ],
      );
    const { graph } = kerasConfigToGraph(gru({}), 'model.json');
    expect(graph.nodes.map((n) => n.type)).toEqual(['Input', 'GRU', 'Output']);
    expect(importError(gru({ reset_after: true }))).toContain(
      'layer "gru": setting reset_after = true is not supported',
    );
    // A convolution's setting on a GRU is not one of its own: named, not skipped.
    expect(importError(gru({ groups: 1 }))).toContain('layer "gru": setting groups = 1 is not supported');
    // An LSTM has no reset_after at all.
    const lstm = sequential([5, 3], [{ class_name: 'LSTM', config: { name: 'lstm', units: 4, reset_after: false } }]);
    expect(importError(lstm)).toContain('layer "lstm": setting reset_after = false is not supported');
  });

  it("a convolution's groups and dilation, an Embedding's masking, and an RNN inside a Bidirectional", () => {
    const conv = (groups: number) =>
      sequential(
        [8, 8, 2],
        [
          {
            class_name: 'SeparableConv2D',
            config: { name: 'sep', filters: 4, kernel_size: [3, 3], groups, dilation_rate: [1, 1] },
          },
          { class_name: 'Flatten', config: { name: 'flat', data_format: 'channels_last' } },
        ],
      );
    expect(importError(conv(1))).toBe('');
    expect(importError(conv(2))).toContain('layer "sep": setting groups = 2 is not supported');

    const embedding = (maskZero: boolean) =>
      sequential(
        [6],
        [
          {
            class_name: 'Embedding',
            config: { name: 'emb', input_dim: 20, output_dim: 3, mask_zero: maskZero, input_length: null },
          },
          { class_name: 'Flatten', config: { name: 'flat' } },
        ],
      );
    expect(importError(embedding(false))).toBe('');
    expect(importError(embedding(true))).toContain('layer "emb": setting mask_zero = true is not supported');

    const bidirectional = (stateful: boolean) =>
      sequential(
        [5, 3],
        [
          {
            class_name: 'Bidirectional',
            config: {
              name: 'bi',
              merge_mode: 'concat',
              layer: { class_name: 'LSTM', config: { name: 'lstm', units: 4, stateful, unit_forget_bias: true } },
            },
          },
        ],
      );
    expect(importError(bidirectional(false))).toBe('');
    expect(importError(bidirectional(true))).toContain('layer "bi/LSTM": setting stateful = true is not supported');
  });
});
