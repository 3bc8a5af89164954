import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from './native/native-kernels';
import type { ModelFit } from '../model-fit';
import { engineNativeKernels } from './wasm-kernel-fixes';

/**
 * The training step of a plain multilayer perceptron — Dense layers (relu or linear) ending in a
 * softmax Dense, trained with (sparse) categorical cross-entropy — run straight on the engine's
 * own wasm kernels: the forward pass as one GEMM per layer with its bias and relu, the loss and
 * its gradient with respect to the logits in JS over the batch's few probabilities (which the
 * step reads back for its metrics anyway), and the backward pass as GEMMs, column sums and
 * relu's gradient. The general path runs the same arithmetic as ~47 tfjs kernels and tape nodes
 * a step, each dispatch costing ~10 µs whatever its size; here ~16 native calls. The gradients
 * come back as tensors named as the general path names them, so the optimizer, gradient
 * clipping and the parity hooks see no difference; the value and gradients match the general
 * path within float32 rounding (tests/unit/engine/dense-fast-path.test.ts).
 *
 * Anything else — another layer, loss or activation, regularizers, class weights, several
 * inputs or heads, frozen layers, another backend — takes the general path, as does every run
 * with LAYERLAB_DENSE_FAST_PATH=off.
 */

interface DenseLayer {
  kernel: tf.Variable;
  bias: tf.Variable;
  relu: boolean;
  units: number;
  inputs: number;
}

export interface DenseStep {
  grads: tf.NamedTensorMap;
  /** As the general path's read-back: [mean loss, sum of outputs, the outputs row by row]. */
  values: Float32Array;
}

export interface DenseFastPath {
  step(x: tf.Tensor, y: Float32Array, rows: number): DenseStep;
}

type LayerInternals = tf.layers.Layer & {
  kernel?: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor };
  inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }>;
};

/** The model's Dense chain, or null when it is anything else. */
function denseChain(model: tf.LayersModel): DenseLayer[] | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || model.inputs[0]!.shape.length !== 2) return null;
  const layers = model.layers as LayerInternals[];
  if (layers[0]?.getClassName() !== 'InputLayer' || layers.length < 2) return null;
  const chain: DenseLayer[] = [];
  for (let i = 1; i < layers.length; i++) {
    const layer = layers[i]!;
    if (layer.getClassName() !== 'Dense' || !layer.trainable || layer.inboundNodes.length !== 1) return null;
    const inbound = layer.inboundNodes[0]!.inboundLayers;
    if (inbound.length !== 1 || inbound[0] !== layers[i - 1]) return null;
    const config = layer.getConfig() as Record<string, unknown>;
    const last = i === layers.length - 1;
    const activation = config['activation'];
    if (last ? activation !== 'softmax' : activation !== 'relu' && activation !== 'linear') return null;
    if (
      config['useBias'] !== true ||
      config['kernelRegularizer'] ||
      config['biasRegularizer'] ||
      config['activityRegularizer'] ||
      config['kernelConstraint'] ||
      config['biasConstraint']
    )
      return null;
    const kernel = layer.kernel?.read();
    const bias = layer.bias?.read();
    if (
      !(kernel instanceof tf.Variable) ||
      !(bias instanceof tf.Variable) ||
      kernel.rank !== 2 ||
      kernel.dtype !== 'float32' ||
      bias.dtype !== 'float32'
    )
      return null;
    chain.push({ kernel, bias, relu: activation === 'relu', inputs: kernel.shape[0]!, units: kernel.shape[1]! });
  }
  return chain;
}

/** The fast step for this run, or null when the run needs the general path. */
export function denseFastPath(
  model: tf.LayersModel,
  fit: ModelFit,
  options: { classWeights: readonly number[] | null },
): DenseFastPath | null {
  if (process.env['LAYERLAB_DENSE_FAST_PATH'] === 'off') return null;
  const native = engineNativeKernels();
  if (!native || tf.getBackend() !== 'wasm' || options.classWeights !== null) return null;
  if (fit.inputOrder !== null || fit.heads.length !== 1) return null;
  const head = fit.heads[0]!;
  const loss = head.objective.loss;
  if ((loss !== 'categoricalCrossentropy' && loss !== 'sparseCategoricalCrossentropy') || head.columns) return null;
  const chain = denseChain(model);
  if (!chain) return null;
  const classes = chain[chain.length - 1]!.units;
  if (classes < 2) return null;
  return { step: (x, y, rows) => denseStep(native, chain, x, y, rows, loss === 'sparseCategoricalCrossentropy') };
}

function denseStep(
  native: NativeKernels,
  chain: DenseLayer[],
  x: tf.Tensor,
  y: Float32Array,
  rows: number,
  sparse: boolean,
): DenseStep {
  const temps: tf.TensorInfo[] = [];
  const temp = (shape: number[]) => {
    const t = native.output(shape);
    temps.push(t);
    return t;
  };
  try {
    // Forward: each layer's output, its bias and relu added in the GEMM's last step.
    const activations: tf.TensorInfo[] = [x];
    for (const layer of chain) {
      const out = temp([rows, layer.units]);
      native.gemm(out, {
        m: rows,
        k: layer.inputs,
        n: layer.units,
        a: activations[activations.length - 1]!,
        transposeA: false,
        b: layer.kernel,
        transposeB: false,
        bias: layer.bias,
        relu: layer.relu,
      });
      activations.push(out);
    }
    const classes = chain[chain.length - 1]!.units;
    const logits = activations.pop()!;
    const { values, dLogits } = softmaxCrossEntropy(native.floats(logits, rows * classes), y, rows, classes, sparse);

    // Backward, last layer first: dW = inputᵀ·dz, db = Σ rows of dz, d(input) = dz·Wᵀ (none for the data).
    const layerGrads: Array<[tf.Tensor, tf.Tensor]> = [];
    let dz = temp([rows, classes]);
    native.floats(dz, rows * classes).set(dLogits);
    for (let i = chain.length - 1; i >= 0; i--) {
      const layer = chain[i]!;
      const input = activations[i]!;
      const dKernel = native.output([layer.inputs, layer.units]);
      native.gemm(dKernel, {
        m: layer.inputs,
        k: rows,
        n: layer.units,
        a: input,
        transposeA: true,
        b: dz,
        transposeB: false,
      });
      const dBias = native.output([layer.units]);
      native.sumRows(dBias, dz, rows, layer.units);
      layerGrads[i] = [tf.engine().makeTensorFromTensorInfo(dKernel), tf.engine().makeTensorFromTensorInfo(dBias)];
      if (i === 0) break;
      const dInput = temp([rows, layer.inputs]);
      native.gemm(dInput, {
        m: rows,
        k: layer.units,
        n: layer.inputs,
        a: dz,
        transposeA: false,
        b: layer.kernel,
        transposeB: true,
      });
      // Through the previous layer's relu: dy·step(y), from its output.
      if (chain[i - 1]!.relu) {
        const dPre = temp([rows, layer.inputs]);
        native.reluGrad(dPre, dInput, input, rows * layer.inputs);
        dz = dPre;
      } else {
        dz = dInput;
      }
    }
    // In the model's weight order, as the general path gives them (optimizers keep slots by position).
    const grads: tf.NamedTensorMap = {};
    chain.forEach((layer, i) => {
      grads[layer.kernel.name] = layerGrads[i]![0];
      grads[layer.bias.name] = layerGrads[i]![1];
    });
    return { grads, values };
  } finally {
    for (const t of temps) native.free(t);
  }
}

/**
 * Softmax of the logits, the batch's mean categorical cross-entropy exactly as Keras computes it
 * from probabilities (rescaled to sum to 1, clipped to [ε, 1 − ε]), and its gradient with
 * respect to the logits: through the clip (zero where it clipped), the rescaling and softmax.
 * Sparse: each row's target is the one-hot of its largest entry, as the general path reads it.
 */
function softmaxCrossEntropy(
  logits: Float32Array,
  y: Float32Array,
  rows: number,
  classes: number,
  sparse: boolean,
): { values: Float32Array; dLogits: Float32Array } {
  const epsilon = tf.backend().epsilon();
  const values = new Float32Array(2 + rows * classes);
  const dLogits = new Float32Array(rows * classes);
  const p = new Float64Array(classes);
  const target = new Float64Array(classes);
  const dp = new Float64Array(classes);
  let lossSum = 0;
  let outputSum = 0;
  for (let r = 0; r < rows; r++) {
    const at = r * classes;
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[at + j]!);
    let expSum = 0;
    for (let j = 0; j < classes; j++) {
      p[j] = Math.exp(logits[at + j]! - max);
      expSum += p[j]!;
    }
    let pSum = 0;
    for (let j = 0; j < classes; j++) {
      // The probabilities as float32 outputs, which the metrics and the loss read.
      p[j] = Math.fround(p[j]! / expSum);
      pSum += p[j]!;
      values[2 + at + j] = p[j]!;
    }
    outputSum += pSum;
    let best = 0;
    for (let j = 0; j < classes; j++) {
      target[j] = y[at + j]!;
      if (target[j]! > target[best]!) best = j;
    }
    if (sparse) for (let j = 0; j < classes; j++) target[j] = j === best ? 1 : 0;
    // Loss and ∂L/∂p for this row (divided by rows: the batch's mean).
    let rowLoss = 0;
    let hq = 0;
    for (let j = 0; j < classes; j++) {
      const q = p[j]! / pSum;
      const clipped = Math.min(1 - epsilon, Math.max(epsilon, q));
      rowLoss -= target[j]! * Math.log(clipped);
      dp[j] = clipped === q ? target[j]! / clipped : 0; // h = m·y / c
      hq += dp[j]! * q;
    }
    lossSum += rowLoss;
    let dpp = 0;
    for (let j = 0; j < classes; j++) {
      dp[j] = (hq - dp[j]!) / pSum / rows;
      dpp += dp[j]! * p[j]!;
    }
    // Softmax: ∂L/∂z = p ⊙ (∂L/∂p − Σ ∂L/∂p ⊙ p).
    for (let j = 0; j < classes; j++) dLogits[at + j] = p[j]! * (dp[j]! - dpp);
  }
  values[0] = lossSum / rows;
  values[1] = outputSum;
  return { values, dLogits };
}
