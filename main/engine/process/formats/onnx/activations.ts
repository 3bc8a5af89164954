import type { OnnxGraph } from './onnx-graph';
import { refuse, type LayerRef } from './unsupported';

/**
 * tfjs activation names (as getConfig writes them) → ONNX ops computing the same function.
 * Each one was checked against tfjs by the ONNX tests; a name missing here is refused.
 */
export function applyActivation(
  g: OnnxGraph,
  x: string,
  activation: unknown,
  ref: LayerRef,
  setting = 'activation',
): string {
  const base = ref.name;
  switch (activation ?? 'linear') {
    case 'linear':
      return x;
    case 'relu':
      return g.node('Relu', [x], {}, base);
    case 'relu6':
      return g.node(
        'Clip',
        [x, g.floatConstant(`${base}/zero`, [0], []), g.floatConstant(`${base}/six`, [6], [])],
        {},
        base,
      );
    case 'elu':
      return g.node('Elu', [x], { alpha: { float: 1 } }, base);
    case 'selu':
      // tfjs' constants (SELU_SCALEALPHA / SELU_SCALE), which are ONNX's defaults to float precision.
      return g.node('Selu', [x], { alpha: { float: 1.6732632423543772 }, gamma: { float: 1.0507009873554805 } }, base);
    case 'sigmoid':
      return g.node('Sigmoid', [x], {}, base);
    case 'hardSigmoid':
      return g.node('HardSigmoid', [x], { alpha: { float: 0.2 }, beta: { float: 0.5 } }, base);
    case 'tanh':
      return g.node('Tanh', [x], {}, base);
    case 'softmax':
      // Keras and tfjs take softmax over the last axis; ONNX 13+ does too with axis = -1.
      return g.node('Softmax', [x], { axis: { int: -1 } }, base);
    case 'softplus':
      return g.node('Softplus', [x], {}, base);
    case 'softsign':
      return g.node('Softsign', [x], {}, base);
    case 'swish':
      return g.node('Mul', [x, g.node('Sigmoid', [x], {}, base)], {}, base);
    default:
      return refuse(ref, setting, activation, 'this activation has no ONNX equivalent in the exporter');
  }
}
