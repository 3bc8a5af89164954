import { MODEL_HELPERS_PY } from './model-helpers-py';
import { PytorchExportError, type ModelSpec, type SpecLayer } from './model-spec';
import type { NpyArray } from './npz';
import { transposeValues } from '../../../app/math/transpose';

/**
 * How a Keras weight becomes its PyTorch parameter, and back (model.py's keras_weights() does the
 * reverse to write the trained model as a Layerlab run). "linear": [in, out] ↔ [out, in];
 * "conv": Keras [k…, in, out] ↔ PyTorch [out, in, k…] (a transposed convolution's [k…, out, in] ↔
 * [in, out, k…] is the same permutation); "depthwise": [kh, kw, in, m] ↔ [in·m, 1, kh, kw];
 * "same": the same array.
 */
export type WeightLayout = 'same' | 'linear' | 'conv' | 'depthwise';

export interface WeightMapping {
  keras: string;
  torch: string;
  layout: WeightLayout;
  kerasShape: number[];
}

export interface GeneratedModel {
  /** model.py's text. */
  source: string;
  /** The state dict (PyTorch layout), for weights.npz. */
  stateDict: Map<string, NpyArray>;
  /** Every Keras weight, in the order the model's weights were given, and where it lives in the state dict. */
  mapping: WeightMapping[];
  /** Python identifiers of the inputs and outputs, in the model's order. */
  inputNames: string[];
  outputNames: string[];
}

const PYTHON_RESERVED = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from global if ' +
    'import in is lambda nonlocal not or pass raise return try while with yield self torch nn F np math x ' +
    'forward training train eval to cuda cpu type float half double state_dict parameters modules children apply ' +
    'zero_grad buffers named_parameters add_module register_buffer register_parameter requires_grad_ extra_repr ' +
    'activate pool upsample2d resize_linear keras_init_ Dense Conv1d Conv2d SeparableConv2d ConvTranspose2d ' +
    'BatchNorm LayerNorm Embedding Recurrent Bidirectional'
  ).split(' '),
);

function pythonName(name: string, taken: Set<string>): string {
  let base = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (/^[0-9]/.test(base)) base = `layer_${base}`;
  if (base === '' || PYTHON_RESERVED.has(base) || base.startsWith('__')) base = `${base}_layer`;
  let candidate = base;
  for (let i = 2; taken.has(candidate); i++) candidate = `${base}_${i}`;
  taken.add(candidate);
  return candidate;
}

const py = (value: unknown): string => {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return value.length === 1 ? `(${py(value[0])},)` : `(${value.map(py).join(', ')})`;
  throw new Error(`no Python literal for ${JSON.stringify(value)}`);
};

function tuple(value: unknown, n: number): number[] {
  if (Array.isArray(value))
    return value.length === 1 && n > 1 ? Array<number>(n).fill(Number(value[0])) : value.map(Number);
  return Array<number>(n).fill(Number(value ?? 1));
}

/** Permute values (numpy's transpose) from `shape` by `perm`. */
const transpose = (values: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array =>
  transposeValues(values, shape, perm).values;

/** A Keras weight in PyTorch's layout. */
export function toTorchLayout(
  values: Float32Array,
  shape: readonly number[],
  layout: WeightLayout,
): { shape: number[]; values: Float32Array } {
  switch (layout) {
    case 'same':
      return { shape: [...shape], values };
    case 'linear':
      return { shape: [shape[1]!, shape[0]!], values: transpose(values, shape, [1, 0]) };
    case 'conv': {
      const n = shape.length - 2;
      const perm = [n + 1, n, ...Array.from({ length: n }, (_, i) => i)];
      return { shape: perm.map((p) => shape[p]!), values: transpose(values, shape, perm) };
    }
    case 'depthwise': {
      const [kh, kw, c, m] = shape as [number, number, number, number];
      return { shape: [c * m, 1, kh, kw], values: transpose(values, [kh, kw, c * m], [2, 0, 1]) };
    }
  }
}

interface Initializer {
  kind: string;
  args: Record<string, number | string>;
}

/** tfjs' serialized initializer ({class_name, config}) → keras_init_'s kind and arguments. */
function initializerOf(layer: SpecLayer, key: string, fallback: string): Initializer {
  const raw = layer.config[key] as { class_name?: string; config?: Record<string, unknown> } | undefined | null;
  const className = raw?.class_name ?? fallback;
  const c = raw?.config ?? {};
  const num = (k: string, d: number) => (typeof c[k] === 'number' ? (c[k] as number) : d);
  const scaling = (scale: number, mode: string, distribution: string): Initializer => ({
    kind: 'variance_scaling',
    args: { scale, mode, distribution },
  });
  switch (className) {
    case 'Zeros':
      return { kind: 'zeros', args: {} };
    case 'Ones':
      return { kind: 'ones', args: {} };
    case 'Orthogonal':
      return { kind: 'orthogonal', args: { gain: num('gain', 1) } };
    case 'RandomNormal':
      return { kind: 'random_normal', args: { mean: num('mean', 0), stddev: num('stddev', 0.05) } };
    case 'RandomUniform':
      return { kind: 'random_uniform', args: { minval: num('minval', -0.05), maxval: num('maxval', 0.05) } };
    case 'TruncatedNormal':
      return { kind: 'truncated_normal', args: { mean: num('mean', 0), stddev: num('stddev', 0.05) } };
    case 'VarianceScaling':
      return scaling(
        num('scale', 1),
        String(c['mode'] ?? 'fan_in').replace(/^fanIn$/, 'fan_in'),
        String(c['distribution'] ?? 'truncated_normal'),
      );
    case 'GlorotUniform':
      return scaling(1, 'fan_avg', 'uniform');
    case 'GlorotNormal':
      return scaling(1, 'fan_avg', 'truncated_normal');
    case 'HeUniform':
      return scaling(2, 'fan_in', 'uniform');
    case 'HeNormal':
      return scaling(2, 'fan_in', 'truncated_normal');
    case 'LeCunUniform':
    case 'LecunUniform':
      return scaling(1, 'fan_in', 'uniform');
    case 'LeCunNormal':
    case 'LecunNormal':
      return scaling(1, 'fan_in', 'truncated_normal');
    default:
      throw new PytorchExportError(
        `Cannot export layer "${layer.name}" (${layer.className}) to PyTorch: ${key} = ${className} has no PyTorch counterpart here.`,
      );
  }
}

/** Keras' _compute_fans on the Keras weight shape. */
function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape.at(-2)! * receptive, shape.at(-1)! * receptive];
}

function regularizerOf(layer: SpecLayer, key: string): { l1: number; l2: number } | null {
  const raw = layer.config[key] as { config?: { l1?: number; l2?: number } } | null | undefined;
  if (!raw?.config) return null;
  const l1 = Number(raw.config.l1 ?? 0);
  const l2 = Number(raw.config.l2 ?? 0);
  return l1 === 0 && l2 === 0 ? null : { l1, l2 };
}

interface LayerCode {
  /** `self.<attr> = …` in __init__, or null for layers without a module. */
  module: string | null;
  /** The forward expression, given the input variable names. */
  call: (inputs: string[]) => string;
}

class Builder {
  readonly stateDict = new Map<string, NpyArray>();
  readonly mapping: WeightMapping[] = [];
  readonly inits: string[] = [];
  readonly regularizers: string[] = [];
  readonly frozen: string[] = [];

  constructor(private readonly spec: ModelSpec) {}

  private refuse(layer: SpecLayer, setting: string, why: string): never {
    throw new PytorchExportError(
      `Cannot export layer "${layer.name}" (${layer.className}) to PyTorch: ${setting} — ${why}.`,
    );
  }

  weight(layer: SpecLayer, key: string): { shape: number[]; values: Float32Array; fullName: string } {
    const w = layer.weights.get(key);
    if (!w) this.refuse(layer, 'weights', `it has no "${key}" weight (it has ${[...layer.weights.keys()].join(', ')})`);
    return w;
  }

  /** Put one Keras weight into the state dict under `torchKey`, and record how to initialize and regularize it. */
  param(
    layer: SpecLayer,
    kerasKey: string,
    torchKey: string,
    layout: WeightLayout,
    init: { key: string; fallback: string } | null,
    regularizer: string | null,
  ): void {
    const w = this.weight(layer, kerasKey);
    const converted = toTorchLayout(w.values, w.shape, layout);
    this.stateDict.set(torchKey, converted);
    this.mapping.push({ keras: w.fullName, torch: torchKey, layout, kerasShape: w.shape });
    if (init) {
      const i = initializerOf(layer, init.key, init.fallback);
      const [fanIn, fanOut] = fans(w.shape);
      const args = Object.entries(i.args).map(([k, v]) => `, ${k}=${py(v)}`);
      this.inits.push(`keras_init_(self.${torchKey}, ${py(i.kind)}, ${fanIn}, ${fanOut}${args.join('')})`);
    }
    const r = regularizer ? regularizerOf(layer, regularizer) : null;
    if (r) this.regularizers.push(`(self.${torchKey}, ${r.l1}, ${r.l2}),`);
  }

  /** A buffer or a parameter the Keras layer lacks (center=False's beta): constant in the state dict. */
  constant(torchKey: string, shape: number[], value: number): void {
    this.stateDict.set(torchKey, { shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value) });
  }

  layer(layer: SpecLayer, attr: string): LayerCode {
    const c = layer.config;
    const one = (f: (x: string) => string) => (inputs: string[]) => f(inputs[0]!);
    const moduleCall = one((x) => `self.${attr}(${x})`);
    const act = (value: unknown) => py(String(value ?? 'linear'));
    const kernelInit = { key: 'kernel_initializer', fallback: 'GlorotUniform' };
    const biasInit = { key: 'bias_initializer', fallback: 'Zeros' };
    const useBias = c['use_bias'] !== false;
    switch (layer.className) {
      case 'Dense': {
        const [inF, outF] = this.weight(layer, 'kernel').shape as [number, number];
        this.param(layer, 'kernel', `${attr}.weight`, 'linear', kernelInit, 'kernel_regularizer');
        if (useBias) this.param(layer, 'bias', `${attr}.bias`, 'same', biasInit, 'bias_regularizer');
        return {
          module: `Dense(${inF}, ${outF}, bias=${py(useBias)}, activation=${act(c['activation'])})`,
          call: moduleCall,
        };
      }
      case 'TimeDistributed': {
        const inner = c['layer'] as { class_name: string; config: Record<string, unknown> };
        if (inner?.class_name !== 'Dense')
          this.refuse(layer, `layer = ${inner?.class_name}`, 'only TimeDistributed(Dense) is exported');
        const innerLayer: SpecLayer = { ...layer, config: inner.config };
        return this.layer({ ...innerLayer, className: 'Dense' }, attr);
      }
      case 'Conv1D':
      case 'Conv2D': {
        const n = layer.className === 'Conv1D' ? 1 : 2;
        const k = this.weight(layer, 'kernel').shape;
        const kernel = k.slice(0, n);
        const [inC, outC] = [k[n]!, k[n + 1]!];
        this.param(layer, 'kernel', `${attr}.weight`, 'conv', kernelInit, 'kernel_regularizer');
        if (useBias) this.param(layer, 'bias', `${attr}.bias`, 'same', biasInit, 'bias_regularizer');
        if (c['data_format'] === 'channels_first') this.refuse(layer, 'data_format = channels_first', 'not supported');
        return {
          module: `Conv${n}d(${inC}, ${outC}, ${py(kernel)}, stride=${py(tuple(c['strides'], n))}, dilation=${py(tuple(c['dilation_rate'], n))}, bias=${py(useBias)}, padding=${py(c['padding'] ?? 'valid')}, activation=${act(c['activation'])})`,
          call: moduleCall,
        };
      }
      case 'DepthwiseConv2D': {
        const [kh, kw, inC, m] = this.weight(layer, 'depthwise_kernel').shape as [number, number, number, number];
        this.param(
          layer,
          'depthwise_kernel',
          `${attr}.weight`,
          'depthwise',
          { key: 'depthwise_initializer', fallback: 'GlorotUniform' },
          'depthwise_regularizer',
        );
        if (useBias) this.param(layer, 'bias', `${attr}.bias`, 'same', biasInit, 'bias_regularizer');
        return {
          module: `Conv2d(${inC}, ${inC * m}, ${py([kh, kw])}, stride=${py(tuple(c['strides'], 2))}, dilation=${py(tuple(c['dilation_rate'], 2))}, groups=${inC}, bias=${py(useBias)}, padding=${py(c['padding'] ?? 'valid')}, activation=${act(c['activation'])})`,
          call: moduleCall,
        };
      }
      case 'SeparableConv2D': {
        const [kh, kw, inC, m] = this.weight(layer, 'depthwise_kernel').shape as [number, number, number, number];
        const outC = this.weight(layer, 'pointwise_kernel').shape[3]!;
        this.param(
          layer,
          'depthwise_kernel',
          `${attr}.depthwise.weight`,
          'depthwise',
          { key: 'depthwise_initializer', fallback: 'GlorotUniform' },
          'depthwise_regularizer',
        );
        this.param(
          layer,
          'pointwise_kernel',
          `${attr}.pointwise.weight`,
          'conv',
          { key: 'pointwise_initializer', fallback: 'GlorotUniform' },
          'pointwise_regularizer',
        );
        if (useBias) this.param(layer, 'bias', `${attr}.pointwise.bias`, 'same', biasInit, 'bias_regularizer');
        return {
          module: `SeparableConv2d(${inC}, ${outC}, ${py([kh, kw])}, stride=${py(tuple(c['strides'], 2))}, dilation=${py(tuple(c['dilation_rate'], 2))}, depth_multiplier=${m}, bias=${py(useBias)}, padding=${py(c['padding'] ?? 'valid')}, activation=${act(c['activation'])})`,
          call: moduleCall,
        };
      }
      case 'Conv2DTranspose': {
        const [kh, kw, outC, inC] = this.weight(layer, 'kernel').shape as [number, number, number, number];
        if (tuple(c['dilation_rate'], 2).some((d) => d !== 1)) this.refuse(layer, 'dilation_rate', 'must be 1');
        this.param(layer, 'kernel', `${attr}.weight`, 'conv', kernelInit, 'kernel_regularizer');
        if (useBias) this.param(layer, 'bias', `${attr}.bias`, 'same', biasInit, 'bias_regularizer');
        return {
          module: `ConvTranspose2d(${inC}, ${outC}, ${py([kh, kw])}, stride=${py(tuple(c['strides'], 2))}, bias=${py(useBias)}, padding=${py(c['padding'] ?? 'valid')}, activation=${act(c['activation'])})`,
          call: moduleCall,
        };
      }
      case 'BatchNormalization': {
        const mean = this.weight(layer, 'moving_mean');
        const features = mean.shape[0]!;
        const center = c['center'] !== false;
        const scale = c['scale'] !== false;
        if (scale)
          this.param(layer, 'gamma', `${attr}.weight`, 'same', { key: 'gamma_initializer', fallback: 'Ones' }, null);
        else this.constant(`${attr}.weight`, [features], 1);
        if (center)
          this.param(layer, 'beta', `${attr}.bias`, 'same', { key: 'beta_initializer', fallback: 'Zeros' }, null);
        else this.constant(`${attr}.bias`, [features], 0);
        this.param(layer, 'moving_mean', `${attr}.running_mean`, 'same', null, null);
        this.param(layer, 'moving_variance', `${attr}.running_var`, 'same', null, null);
        this.stateDict.set(`${attr}.num_batches_tracked`, { shape: [], values: new BigInt64Array([0n]) });
        const axis = Number(Array.isArray(c['axis']) ? (c['axis'] as number[])[0] : (c['axis'] ?? -1));
        // tfjs 4.22's batchNorm kernels (cpu and wasm) walk the flat tensor and cycle through the
        // statistics, so on any axis but the last the in-app model applies channel k % C's to
        // element k (in training too): not Keras' BatchNormalization, and nothing nn.BatchNorm does.
        const rank = layer.inputShapes?.[0]?.length;
        if (axis !== -1 && (rank === undefined || (axis < 0 ? axis + rank : axis) !== rank - 1))
          this.refuse(
            layer,
            `axis ${axis}`,
            `TF.js normalises any axis but the last along the last axis instead, so the trained model is not Keras' BatchNormalization and PyTorch cannot reproduce it${rank === undefined ? " (its input's rank is unknown here)" : ''}; set its axis to -1 and train again`,
          );
        return {
          module: `BatchNorm(${features}, axis=${py(axis)}, momentum=${py(c['momentum'] ?? 0.99)}, eps=${py(c['epsilon'] ?? 1e-3)}, center=${py(center)}, scale=${py(scale)})`,
          call: moduleCall,
        };
      }
      case 'LayerNormalization': {
        const center = c['center'] !== false;
        const scale = c['scale'] !== false;
        const shape = (layer.weights.get('gamma') ?? layer.weights.get('beta'))?.shape;
        if (!shape) this.refuse(layer, 'center and scale', 'a LayerNormalization without either is not exported');
        if (scale)
          this.param(layer, 'gamma', `${attr}.weight`, 'same', { key: 'gamma_initializer', fallback: 'Ones' }, null);
        else this.constant(`${attr}.weight`, shape, 1);
        if (center)
          this.param(layer, 'beta', `${attr}.bias`, 'same', { key: 'beta_initializer', fallback: 'Zeros' }, null);
        else this.constant(`${attr}.bias`, shape, 0);
        const axes = Array.isArray(c['axis']) ? (c['axis'] as number[]) : [Number(c['axis'] ?? -1)];
        return {
          module: `LayerNorm(${py(shape)}, axes=${py(axes)}, eps=${py(c['epsilon'] ?? 1e-3)}, center=${py(center)}, scale=${py(scale)})`,
          call: moduleCall,
        };
      }
      case 'Embedding': {
        const [vocab, dim] = this.weight(layer, 'embeddings').shape as [number, number];
        this.param(
          layer,
          'embeddings',
          `${attr}.weight`,
          'same',
          { key: 'embeddings_initializer', fallback: 'RandomUniform' },
          'embeddings_regularizer',
        );
        return { module: `Embedding(${vocab}, ${dim})`, call: moduleCall };
      }
      case 'SimpleRNN':
      case 'LSTM':
      case 'GRU':
        return { module: this.recurrent(layer, layer.className, c, attr, '', false), call: moduleCall };
      case 'Bidirectional': {
        const inner = c['layer'] as { class_name: string; config: Record<string, unknown> };
        const mode = c['merge_mode'] ?? 'concat';
        if (!['concat', 'sum', 'mul', 'ave'].includes(String(mode)))
          this.refuse(layer, `merge_mode = ${String(mode)}`, 'concat, sum, mul or ave are exported');
        const f = this.recurrent(layer, inner.class_name, inner.config, `${attr}.forward_layer`, 'forward/', false);
        const b = this.recurrent(layer, inner.class_name, inner.config, `${attr}.backward_layer`, 'backward/', true);
        return {
          module: `Bidirectional(\n            ${f},\n            ${b},\n            ${py(mode)})`,
          call: moduleCall,
        };
      }
      case 'Dropout':
        return { module: `nn.Dropout(${py(c['rate'] ?? 0.5)})`, call: moduleCall };
      case 'Activation':
        return { module: null, call: one((x) => `activate(${x}, ${act(c['activation'])})`) };
      case 'Flatten':
        return { module: null, call: one((x) => `${x}.flatten(1)`) };
      case 'Reshape':
        return {
          module: null,
          call: one((x) => `${x}.reshape(${x}.shape[0], ${(c['target_shape'] as number[]).join(', ')})`),
        };
      case 'Permute':
        return { module: null, call: one((x) => `${x}.permute(0, ${(c['dims'] as number[]).join(', ')})`) };
      case 'RepeatVector':
        return { module: null, call: one((x) => `${x}.unsqueeze(1).expand(-1, ${py(c['n'])}, -1)`) };
      case 'MaxPooling1D':
      case 'AveragePooling1D':
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const n = layer.className.endsWith('1D') ? 1 : 2;
        const size = tuple(c['pool_size'], n);
        const strides = c['strides'] === null || c['strides'] === undefined ? size : tuple(c['strides'], n);
        const kind = layer.className.startsWith('Max') ? 'max' : 'avg';
        return {
          module: null,
          call: one((x) => `pool(${x}, ${py(kind)}, ${py(size)}, ${py(strides)}, ${py(c['padding'] ?? 'valid')})`),
        };
      }
      case 'GlobalAveragePooling1D':
        return { module: null, call: one((x) => `${x}.mean(dim=1)`) };
      case 'GlobalMaxPooling1D':
        return { module: null, call: one((x) => `${x}.amax(dim=1)`) };
      case 'GlobalAveragePooling2D':
        return { module: null, call: one((x) => `${x}.mean(dim=(1, 2))`) };
      case 'GlobalMaxPooling2D':
        return { module: null, call: one((x) => `${x}.amax(dim=(1, 2))`) };
      case 'UpSampling2D':
        return {
          module: null,
          call: one((x) => `upsample2d(${x}, ${py(tuple(c['size'], 2))}, ${py(c['interpolation'] ?? 'nearest')})`),
        };
      case 'ZeroPadding2D': {
        const [[t, b], [l, r]] = c['padding'] as [[number, number], [number, number]];
        return { module: null, call: one((x) => `F.pad(${x}, (0, 0, ${l}, ${r}, ${t}, ${b}))`) };
      }
      case 'Cropping2D': {
        const [[t, b], [l, r]] = c['cropping'] as [[number, number], [number, number]];
        const end = (n: number) => (n === 0 ? '' : String(-n));
        return { module: null, call: one((x) => `${x}[:, ${t}:${end(b)}, ${l}:${end(r)}]`) };
      }
      case 'Concatenate':
        return { module: null, call: (xs) => `torch.cat([${xs.join(', ')}], dim=${py(c['axis'] ?? -1)})` };
      case 'Add':
        return { module: null, call: (xs) => xs.join(' + ') };
      case 'Subtract':
        return { module: null, call: (xs) => `${xs[0]} - ${xs[1]}` };
      case 'Multiply':
        return { module: null, call: (xs) => xs.join(' * ') };
      case 'Average':
        return { module: null, call: (xs) => `(${xs.join(' + ')}) / ${xs.length}` };
      case 'Maximum':
        return {
          module: null,
          call: (xs) => xs.slice(1).reduce((acc, x) => `torch.maximum(${acc}, ${x})`, xs[0]!),
        };
      default:
        return this.refuse(layer, `class ${layer.className}`, 'the PyTorch export has no mapping for it');
    }
  }

  private recurrent(
    layer: SpecLayer,
    cell: string,
    c: Record<string, unknown>,
    attr: string,
    prefix: string,
    backwards: boolean,
  ): string {
    if (!['SimpleRNN', 'LSTM', 'GRU'].includes(cell)) this.refuse(layer, `layer = ${cell}`, 'not a recurrent layer');
    if (c['reset_after'] === true) this.refuse(layer, 'reset_after = true', 'TF.js GRUs never have it');
    const kernel = this.weight(layer, `${prefix}kernel`).shape;
    const recurrent = this.weight(layer, `${prefix}recurrent_kernel`).shape;
    const units = recurrent[0]!;
    const useBias = c['use_bias'] !== false;
    this.param(
      layer,
      `${prefix}kernel`,
      `${attr}.kernel`,
      'same',
      { key: 'kernel_initializer', fallback: 'GlorotUniform' },
      'kernel_regularizer',
    );
    this.param(
      layer,
      `${prefix}recurrent_kernel`,
      `${attr}.recurrent_kernel`,
      'same',
      { key: 'recurrent_initializer', fallback: 'Orthogonal' },
      'recurrent_regularizer',
    );
    if (useBias) {
      this.param(
        layer,
        `${prefix}bias`,
        `${attr}.bias`,
        'same',
        { key: 'bias_initializer', fallback: 'Zeros' },
        'bias_regularizer',
      );
      if (cell === 'LSTM' && c['unit_forget_bias'] !== false)
        this.inits.push(`nn.init.ones_(self.${attr}.bias[${units}:${2 * units}])  # Keras' unit_forget_bias`);
    }
    const gated = cell === 'SimpleRNN' ? '' : `, recurrent_activation=${py(c['recurrent_activation'] ?? 'sigmoid')}`;
    return `Recurrent(${py(cell)}, ${kernel[0]}, ${units}, activation=${py(c['activation'] ?? 'tanh')}${gated}, bias=${py(useBias)}, return_sequences=${py(c['return_sequences'] === true)}, go_backwards=${py(backwards)}, dropout=${py(c['dropout'] ?? 0)})`;
  }

  freeze(attr: string): void {
    this.frozen.push(`self.${attr}.requires_grad_(False)`);
  }

  get modelSpec(): ModelSpec {
    return this.spec;
  }
}

/**
 * model.py for a Keras functional model: a torch.nn.Module whose __init__ declares one module per
 * layer with weights, whose forward() is the graph written out in topological order, with the
 * trained weights as a state dict (weights.npz) and the Keras ↔ PyTorch weight table that writes
 * them back as a TF.js model.
 */
export function generateModelPy(spec: ModelSpec, header: string): GeneratedModel {
  const b = new Builder(spec);
  const taken = new Set<string>();
  const vars = new Map<string, string>();
  const init: string[] = [];
  const body: string[] = [];
  for (const layer of spec.layers) {
    const attr = pythonName(layer.name, taken);
    vars.set(layer.name, attr);
    if (layer.className === 'InputLayer') continue;
    const inputs = layer.inputs.map((n) => {
      const v = vars.get(n);
      if (!v) throw new PytorchExportError(`Layer "${layer.name}" takes "${n}", which comes after it or is missing.`);
      return v;
    });
    const code = b.layer(layer, attr);
    if (code.module !== null) {
      init.push(`        self.${attr} = ${code.module}`);
      if (layer.config['trainable'] === false) b.freeze(attr);
    }
    body.push(`        ${attr} = ${code.call(inputs)}`);
  }
  const inputNames = spec.inputs.map((n) => vars.get(n)!);
  const outputNames = spec.outputs.map((n) => vars.get(n)!);
  const inputShapes = spec.inputs.map((n) => {
    const layer = spec.layers.find((l) => l.name === n);
    const shape = (layer?.config['batch_input_shape'] as (number | null)[] | undefined)?.slice(1) ?? [];
    return `${py(n)}: ${py(shape)}`;
  });
  const returned = outputNames.length === 1 ? outputNames[0]! : `${outputNames.join(', ')}`;
  const mapping = b.mapping.map((m) => `    (${py(m.keras)}, ${py(m.torch)}, ${py(m.layout)}, ${py(m.kerasShape)}),`);
  const source = `${header}
${MODEL_HELPERS_PY}

class Model(nn.Module):
    """${spec.name}: the drawn graph, layer for layer. Inputs and outputs are channels-last, as in Layerlab."""

    input_names = ${py(inputNames)}
    output_names = ${py(outputNames)}
    # Per-sample shapes of the inputs (the batch comes first).
    input_shapes = {${inputShapes.join(', ')}}

    def __init__(self):
        super().__init__()
${init.length ? init.join('\n') : '        pass'}
${b.frozen.map((f) => `        ${f}  # trainable: false in the graph`).join('\n')}

    def forward(self, ${inputNames.join(', ')}):
${body.join('\n')}
        return ${returned}

    def keras_initialize(self):
        """Fresh weights drawn as Keras draws them (the initializers set on each layer)."""
${b.inits.length ? b.inits.map((l) => `        ${l}`).join('\n') : '        pass'}
        for module in self.modules():
            if isinstance(module, BatchNorm):
                module.reset_running_stats()

    def regularization_loss(self):
        """The L1/L2 penalties set on the layers, to add to the loss (Keras adds them the same way)."""
        penalties = [
${b.regularizers.map((r) => `            ${r}`).join('\n')}
        ]
        total = 0.0
        for weight, l1, l2 in penalties:
            if l1:
                total = total + l1 * weight.abs().sum()
            if l2:
                total = total + l2 * (weight ** 2).sum()
        return total


# Each Keras weight (TF.js model.json names, in its weight order), its state-dict key, how the
# layouts differ and its Keras shape: keras_weights() turns a trained model back into Layerlab's.
KERAS_WEIGHTS = [
${mapping.join('\n')}
]


def from_keras_layout(array, layout):
    if layout == "linear":
        return array.T
    if layout == "conv":
        n = array.ndim - 2
        return array.transpose([n + 1, n] + list(range(n)))
    if layout == "depthwise":
        kh, kw, c, m = array.shape
        return array.reshape(kh, kw, c * m).transpose(2, 0, 1)[:, None]
    return array


def to_keras_layout(array, layout, keras_shape):
    if layout == "linear":
        return array.T
    if layout == "conv":
        n = array.ndim - 2
        return array.transpose(list(range(2, n + 2)) + [1, 0])
    if layout == "depthwise":
        return array[:, 0].transpose(1, 2, 0).reshape(keras_shape)
    return array


def keras_weights(model):
    """[(Keras name, float32 array in Keras' layout)] for the TF.js model.json Layerlab reads."""
    state = {k: v.detach().float().cpu().numpy() for k, v in model.state_dict().items()}
    return [(name, np.ascontiguousarray(to_keras_layout(state[key], layout, shape), dtype=np.float32))
            for name, key, layout, shape in KERAS_WEIGHTS]


def load_model(weights="weights.npz", device="cpu"):
    """The model with the weights Layerlab exported (or a checkpoint's state dict saved as .npz)."""
    model = Model()
    with np.load(weights) as arrays:
        model.load_state_dict({k: torch.from_numpy(arrays[k].copy()) for k in arrays.files})
    return model.to(device).eval()
`;
  return { source, stateDict: b.stateDict, mapping: b.mapping, inputNames, outputNames };
}
