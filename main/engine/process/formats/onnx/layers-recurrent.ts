import type * as tf from '@tensorflow/tfjs';
import { applyActivation } from './activations';
import { requireWeight, staticDims, weightsOf, type LayerContext, type LayerConverter } from './layer-context';
import type { OnnxGraph } from './onnx-graph';
import { refuse, type LayerRef } from './unsupported';

type Cell = 'SimpleRNN' | 'LSTM' | 'GRU';

/**
 * Recurrent layers are unrolled over their (static) number of steps into MatMul/Add/activation
 * nodes, the same arithmetic tfjs runs step by step. ONNX's RNN/LSTM/GRU ops would be shorter but
 * accept only a few activations (no selu, swish or linear in onnxruntime), and their gate layout
 * differs per op; unrolled, every palette activation exports and matches tfjs exactly.
 */
function checkSettings(ref: LayerRef, config: Record<string, unknown>): void {
  if (config.stateful === true) refuse(ref, 'stateful', true, 'an exported model starts every sequence from zeros');
  if (config.returnState === true) refuse(ref, 'return_state', true, 'the exporter writes one output per layer');
}

/** Zeros shaped (batch, units), batch taken from the input at run time. */
function zeroState(g: OnnxGraph, x: string, units: number, name: string): string {
  const batch = g.node(
    'Slice',
    [g.node('Shape', [x], {}, name), g.int64(`${name}/zero`, [0]), g.int64(`${name}/one`, [1])],
    {},
    name,
  );
  const shape = g.node('Concat', [batch, g.int64(`${name}/units`, [units])], { axis: { int: 0 } }, name);
  return g.node(
    'ConstantOfShape',
    [shape],
    { value: { tensor: { name: `${name}/zero_value`, dims: [1], dataType: 1, rawData: new Uint8Array(4) } } },
    name,
  );
}

/**
 * One recurrent layer over x (batch, steps, features): its outputs per step in the order the
 * steps were processed (reversed when going backwards), and the last one.
 */
function unroll(
  g: OnnxGraph,
  cellType: Cell,
  rnn: tf.layers.Layer,
  ref: LayerRef,
  x: string,
  steps: number,
): { perStep: string[]; last: string } {
  const config = rnn.getConfig() as Record<string, unknown>;
  checkSettings(ref, config);
  const units = Number(config.units);
  const name = ref.name;
  const weights = weightsOf(rnn);
  const kernel = requireWeight({ ref, layer: rnn }, weights, 'kernel');
  const recurrent = requireWeight({ ref, layer: rnn }, weights, 'recurrent_kernel');
  const bias = config.useBias !== false ? weights.get('bias') : undefined;

  // The input projection of every step at once: (batch, steps, gates·units).
  let projected = g.node('MatMul', [x, g.weight(`${name}/kernel`, kernel.values, kernel.shape)], {}, name);
  if (bias) projected = g.node('Add', [projected, g.weight(`${name}/bias`, bias.values, bias.shape)], {}, name);
  const act = (v: string) => applyActivation(g, v, config.activation, ref);
  const recAct = (v: string) => applyActivation(g, v, config.recurrentActivation, ref, 'recurrent_activation');

  let recurrentKernel = '';
  let rk1 = '';
  let rk2 = '';
  if (cellType === 'GRU') {
    // tfjs splits the recurrent kernel into the update/reset part and the candidate part.
    const rows = recurrent.shape[0]!;
    const a = new Float32Array(rows * 2 * units);
    const b = new Float32Array(rows * units);
    for (let r = 0; r < rows; r++) {
      a.set(recurrent.values.subarray(r * 3 * units, r * 3 * units + 2 * units), r * 2 * units);
      b.set(recurrent.values.subarray(r * 3 * units + 2 * units, (r + 1) * 3 * units), r * units);
    }
    rk1 = g.weight(`${name}/recurrent_kernel_zr`, a, [rows, 2 * units]);
    rk2 = g.weight(`${name}/recurrent_kernel_h`, b, [rows, units]);
  } else {
    recurrentKernel = g.weight(`${name}/recurrent_kernel`, recurrent.values, recurrent.shape);
  }

  let h = zeroState(g, x, units, name);
  let c = cellType === 'LSTM' ? h : '';
  const one = cellType === 'GRU' ? g.floatConstant(`${name}/one`, [1], []) : '';
  const order = Array.from({ length: steps }, (_, i) => (config.goBackwards === true ? steps - 1 - i : i));
  const perStep: string[] = [];
  for (const t of order) {
    const xt = g.node('Gather', [projected, g.int64(`${name}/t${t}`, [t], [])], { axis: { int: 1 } }, name);
    if (cellType === 'SimpleRNN') {
      h = act(g.node('Add', [xt, g.node('MatMul', [h, recurrentKernel], {}, name)], {}, name));
    } else if (cellType === 'LSTM') {
      // tfjs' (and Keras') gate order: input, forget, cell candidate, output.
      const z = g.node('Add', [xt, g.node('MatMul', [h, recurrentKernel], {}, name)], {}, name);
      const [zi, zf, zc, zo] = g.nodeN('Split', [z], 4, { axis: { int: 1 } }, name) as [string, string, string, string];
      c = g.node(
        'Add',
        [g.node('Mul', [recAct(zf), c], {}, name), g.node('Mul', [recAct(zi), act(zc)], {}, name)],
        {},
        name,
      );
      h = g.node('Mul', [recAct(zo), act(c)], {}, name);
    } else {
      // tfjs' GRU is Keras' reset_after = false: the reset gate scales h before the candidate's matmul.
      const [xz, xr, xh] = g.nodeN('Split', [xt], 3, { axis: { int: 1 } }, name) as [string, string, string];
      const [hz, hr] = g.nodeN('Split', [g.node('MatMul', [h, rk1], {}, name)], 2, { axis: { int: 1 } }, name) as [
        string,
        string,
      ];
      const zGate = recAct(g.node('Add', [xz, hz], {}, name));
      const rGate = recAct(g.node('Add', [xr, hr], {}, name));
      const candidate = act(
        g.node('Add', [xh, g.node('MatMul', [g.node('Mul', [rGate, h], {}, name), rk2], {}, name)], {}, name),
      );
      const keep = g.node('Mul', [zGate, h], {}, name);
      h = g.node('Add', [keep, g.node('Mul', [g.node('Sub', [one, zGate], {}, name), candidate], {}, name)], {}, name);
    }
    perStep.push(h);
  }
  return { perStep, last: h };
}

/** Per-step states (batch, units) → a sequence (batch, steps, units). */
function stack(g: OnnxGraph, states: string[], name: string): string {
  const axes = g.int64(`${name}/seq_axis`, [1]);
  return g.node(
    'Concat',
    states.map((s) => g.node('Unsqueeze', [s, axes], {}, name)),
    { axis: { int: 1 } },
    name,
  );
}

function stepsOf(ctx: LayerContext): number {
  const dims = staticDims(ctx.ref, ctx.inputs[0]!.shape);
  if (dims.length !== 2)
    refuse(ctx.ref, 'input shape', ctx.inputs[0]!.shape, 'a recurrent layer needs (steps, features) per sample');
  return dims[0]!;
}

export function recurrent(cellType: Cell): LayerConverter {
  return (ctx) => {
    const { perStep, last } = unroll(ctx.g, cellType, ctx.layer, ctx.ref, ctx.inputs[0]!.name, stepsOf(ctx));
    // With go_backwards, Keras returns the sequence in processing order (reversed), as here.
    return ctx.config.returnSequences === true ? stack(ctx.g, perStep, ctx.ref.name) : last;
  };
}

/**
 * Bidirectional: the forward copy and a go_backwards copy. tfjs reverses the backward sequence
 * back into time order before merging; merge modes concat/sum/mul/ave as tfjs computes them.
 */
export const bidirectional: LayerConverter = (ctx) => {
  const wrapper = ctx.layer as unknown as {
    forwardLayer: tf.layers.Layer;
    backwardLayer: tf.layers.Layer;
    returnSequences: boolean;
  };
  const cellType = wrapper.forwardLayer.getClassName();
  if (cellType !== 'SimpleRNN' && cellType !== 'LSTM' && cellType !== 'GRU')
    return refuse(ctx.ref, 'layer', cellType, 'Bidirectional is exported around SimpleRNN, LSTM or GRU');
  const steps = stepsOf(ctx);
  const g = ctx.g;
  const x = ctx.inputs[0]!.name;
  const forward = unroll(g, cellType, wrapper.forwardLayer, { ...ctx.ref, name: `${ctx.ref.name}/forward` }, x, steps);
  const backward = unroll(
    g,
    cellType,
    wrapper.backwardLayer,
    { ...ctx.ref, name: `${ctx.ref.name}/backward` },
    x,
    steps,
  );
  const sequences = (wrapper.forwardLayer.getConfig() as Record<string, unknown>).returnSequences === true;
  const y = sequences ? stack(g, forward.perStep, ctx.ref.name) : forward.last;
  const yRev = sequences ? stack(g, [...backward.perStep].reverse(), ctx.ref.name) : backward.last;
  const name = ctx.ref.name;
  switch (ctx.config.mergeMode) {
    case 'concat':
      return g.node('Concat', [y, yRev], { axis: { int: -1 } }, name);
    case 'sum':
      return g.node('Add', [y, yRev], {}, name);
    case 'mul':
      return g.node('Mul', [y, yRev], {}, name);
    case 'ave':
      return g.node('Mul', [g.floatConstant(`${name}/half`, [0.5], []), g.node('Add', [y, yRev], {}, name)], {}, name);
    default:
      return refuse(ctx.ref, 'merge_mode', ctx.config.mergeMode, 'the exporter merges with concat, sum, mul or ave');
  }
};
